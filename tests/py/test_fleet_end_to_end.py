"""examples/fleet end to end on each backend, as a new user follows examples/fleet/README.md and the
README's relation sections: the `carrierdb` command (the venv's console script) on a fresh, empty
database (migrate deploy and status, each environment's seed set, schema check, summary), then the
Python API (relation filters, include/select/_count, nested writes, pages, aggregate and groupBy,
pandas), `seed export` of several models re-seeded into a second empty database, and a rollback to
an empty schema.

The README's complete code blocks run as written (read from README.md, each top-level expression's
value kept); what they return is compared with the seed files and with plain SQL on the same database.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import carrierdb
from carrierdb.pytest_plugin import empty_database
from readme_blocks import readme_blocks, run_block
from test_fleet_seeding import by_natural_keys, counts, expected_references, set_rows
from test_fleet_seeding import read as read_csv

REPO = Path(__file__).resolve().parents[2]
FLEET = REPO / "examples" / "fleet"
CLI = Path(sys.executable).with_name("carrierdb")  # the console script `pip install` puts beside the interpreter
MIGRATIONS = sorted(p.name for p in (FLEET / "migrations").iterdir() if p.is_dir())
EXPORTED = ["Carrier", "InsurancePolicy", "Truck", "Driver", "Inspection", "Load", "Tag"]  # TruckDriver: no single-field id to page by


@pytest.fixture
def second_url(carrierdb_backend, tmp_path, request):
    """Another empty database on the same backend, for the exported files."""
    with empty_database(carrierdb_backend, tmp_path, request, stem="copy") as url:
        yield url


class User:
    """A shell in ``home`` with ``export CARRIERDB_PROJECT_DIR=fleet`` and ``DATABASE_URL`` set."""

    def __init__(self, home: Path, url: str):
        self.home, self.url = home, url
        shutil.copytree(FLEET, home / "fleet", ignore=shutil.ignore_patterns("__pycache__", "rejects.csv"))
        self.project = home / "fleet"

    def run(self, *args: str, url: str | None = None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARRIERDB_")}
        env.update(CARRIERDB_PROJECT_DIR="fleet", DATABASE_URL=url or self.url)
        return subprocess.run([str(CLI), *args], cwd=self.home, env=env, capture_output=True, text=True, timeout=300)

    def json(self, *args: str, status: int = 0, url: str | None = None):
        result = self.run(*args, "--json", url=url)
        assert result.returncode == status, (args, result.returncode, result.stdout, result.stderr)
        return json.loads(result.stdout)


def test_the_fleet_example_end_to_end(carrierdb_backend, carrierdb_url, second_url, tmp_path, monkeypatch):
    user = User(tmp_path, carrierdb_url)
    development, testing, production = (set_rows(user.project, name) for name in ("development", "testing", "production"))
    commands_run_by_the_cli(user, development, testing, production)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", "fleet")
    monkeypatch.setenv("DATABASE_URL", carrierdb_url)
    db = carrierdb.connect()  # as examples/fleet/README.md: the project dir's schema, DATABASE_URL
    try:
        nested_writes(db)  # leaves a carrier without trucks, for `none`
        relation_reads(db)
        pages_and_aggregates(db)
        dataframes(db)
        after = counts(db)
        export_and_seed_a_copy(user, second_url, after)
    finally:
        db.close()
    rollback_to_empty(user)


def commands_run_by_the_cli(user: User, development: dict, testing: dict, production: dict) -> None:
    deployed = user.json("migrate", "deploy")
    assert [(m["name"], m["ok"]) for m in deployed["migrations"]] == [(name, True) for name in MIGRATIONS]
    assert states(user.json("migrate", "status")) == [(name, "applied") for name in MIGRATIONS]

    check = carrierdb.connect(user.url, schema=str(user.project / "schema.prisma"))
    try:
        refused = user.run("seed", "--env", "production")
        assert refused.returncode == 3 and "--allow-production" in refused.stderr, refused.stderr
        assert sum(counts(check).values()) == 0

        for env, rows in [("production", production), ("test", testing), ("development", development)]:
            args = ["seed", "--env", env] + (["--allow-production"] if env == "production" else [])
            report = user.json(*args)
            assert report["rejected"] == 0, report
            assert by_natural_keys(check) == expected_references(rows), env
            found = counts(check)
            assert found["carriers"] == len(rows["Carrier"]) and found["tags"] == len(rows["Tag"])
            assert found["inspections"] == len(rows.get("Inspection", [])) and found["loads"] == len(rows.get("Load", []))
        # The testing set is the development set's subset, and a seed deletes nothing without --prune.
        before = counts(check)
        pruned = user.json("seed", "--env", "test", "--dry-run", "--prune", "--force")
        assert pruned["dry_run"] and not pruned["skipped"]
        extra = {model: len(rows) - len(testing.get(model, [])) for model, rows in development.items()}
        assert [(step["model"], step["rows"]) for step in pruned["prune_order"]] == [
            ("_CarrierToTag", extra["Carrier.tags"]), ("Load", extra["Load"]), ("Inspection", extra["Inspection"]),
            ("TruckDriver", extra["TruckDriver"]), ("Driver", extra["Driver"]), ("Truck", extra["Truck"]),
            ("InsurancePolicy", extra["InsurancePolicy"]), ("Carrier", extra["Carrier"])]  # children first
        assert counts(check) == before
        history = user.json("seed", "status")
        assert [(r["environment"], r["seed_set"]) for r in history["runs"]] == [  # the dry run left no record
            ("production", "production"), ("test", "testing"), ("development", "development")]
    finally:
        check.close()

    assert user.json("schema", "check")["drift"] == []
    summary = user.json("summary")
    assert summary["Carrier"]["count"] == len(development["Carrier"])
    assert summary["Truck"]["count"] == len(development["Truck"])
    assert summary["Tag"]["count"] == len(development["Tag"])
    statuses = [r["status"] for r in development["Carrier"]]
    assert summary["Carrier"]["by"]["status"] == {s: statuses.count(s) for s in ("ACTIVE", "INACTIVE", "SUSPENDED", "REVOKED")}


def states(status: dict) -> list[tuple[str, str]]:
    return [(m["name"], m["state"]) for m in status["migrations"]]


def ids(rows) -> set[int]:
    return {r["id"] for r in rows}


def sql_ids(db, sql: str) -> set[int]:
    return {r["id"] for r in db.query(sql)}


def relation_reads(db) -> None:
    """The README's relation block, run as written, against the same questions asked in SQL."""
    (code,) = readme_blocks(REPO / "README.md", "#### Relations: filters, include/select, `_count`, pandas", "python")
    volvo, recent, no_trucks, active_trucks, no_parent, hazmat, out_of_service, inspections, count, truck, first = run_block(
        code, {"db": db})
    assert volvo and ids(volvo) == sql_ids(db, "SELECT carrier_id AS id FROM trucks WHERE make = 'Volvo'")
    assert ids(recent) == sql_ids(db, "SELECT id FROM carriers c WHERE NOT EXISTS "
                                      "(SELECT 1 FROM trucks t WHERE t.carrier_id = c.id AND t.model_year < 2018)")
    assert no_trucks and ids(no_trucks) == sql_ids(db, "SELECT id FROM carriers WHERE id NOT IN (SELECT carrier_id FROM trucks)")
    assert ids(no_trucks) < ids(recent)  # `every` holds for no trucks
    assert ids(active_trucks) == sql_ids(db, "SELECT t.id FROM trucks t JOIN carriers c ON c.id = t.carrier_id WHERE c.status = 'ACTIVE'")
    assert no_parent and ids(no_parent) == sql_ids(db, "SELECT id FROM carriers WHERE parent_id IS NULL")
    assert hazmat and ids(hazmat) == sql_ids(
        db, 'SELECT j."A" AS id FROM "_CarrierToTag" j JOIN tags t ON t.id = j."B" WHERE t.name = \'hazmat\'')
    assert out_of_service and ids(out_of_service) == sql_ids(
        db, "SELECT t.carrier_id AS id FROM trucks t JOIN inspections i ON i.truck_id = t.id WHERE i.result = 'OUT_OF_SERVICE'")

    rows = db.carrier.find_many(
        {"status": "ACTIVE"},
        include={"trucks": {"where": {"status": "IN_SERVICE"}, "orderBy": {"modelYear": "desc"}, "take": 5,
                            "include": {"inspections": True}},
                 "parent": True,
                 "_count": {"select": {"trucks": True, "loads": {"where": {"status": "IN_TRANSIT"}}}}})
    assert ids(rows) == sql_ids(db, "SELECT id FROM carriers WHERE status = 'ACTIVE'")
    for row in rows:
        trucks = db.query("SELECT id, model_year FROM trucks WHERE carrier_id = $1 AND status = 'IN_SERVICE' "
                          "ORDER BY model_year DESC, id", [row["id"]])
        assert [t["modelYear"] for t in row["trucks"]] == [t["model_year"] for t in trucks[:5]]
        for t in row["trucks"]:
            assert ids(t["inspections"]) == sql_ids(db, f"SELECT id FROM inspections WHERE truck_id = {int(t['id'])}")
        assert (row["parent"] or {}).get("id") == row["parentId"]
        assert row["_count"] == {
            "trucks": db.query("SELECT count(*) AS n FROM trucks WHERE carrier_id = $1", [row["id"]])[0]["n"],
            "loads": db.query("SELECT count(*) AS n FROM loads WHERE carrier_id = $1 AND status = 'IN_TRANSIT'", [row["id"]])[0]["n"]}
    assert inspections == rows[0]["trucks"][0]["inspections"] and inspections and count == rows[0]["_count"]
    assert truck["vin"] == "WAN5CCPX7GFY17Y2U" and set(truck) == {"vin", "carrier"}
    assert truck["carrier"] == {"name": "Lone Star Freight Lines LLC"}
    assert set(first["_count"]) == {"subsidiaries", "policies", "trucks", "drivers", "loads", "tags"}

    # No N+1: one statement per relation and level, and one per count, for one carrier as for all 40.
    include = {"trucks": {"include": {"inspections": True}}, "currentPolicy": True, "_count": {"select": {"loads": True}}}
    insured = {"currentPolicyId": {"not": None}}
    spent = []
    for take in (1, None):
        before = db.statements_run
        found = db.carrier.find_many(insured, include=include, take=take)
        spent.append(db.statements_run - before)
    assert len(found) == db.carrier.count(insured) == 40 and spent == [5, 5], spent
    assert sum(len(t["inspections"]) for c in found for t in c["trucks"]) == db.query(
        "SELECT count(*) AS n FROM inspections i JOIN trucks t ON t.id = i.truck_id JOIN carriers c ON c.id = t.carrier_id "
        "WHERE c.current_policy_id IS NOT NULL")[0]["n"]


def nested_writes(db) -> None:
    """The README's nested writes, with the values its placeholders stand for."""
    carriers_before = db.carrier.count()
    db.carrier.create({"name": "Parent Holdings", "mcNumber": "MC200002", "dotNumber": "2000002"})
    acme = db.carrier.create({"name": "Acme", "mcNumber": "MC100001", "dotNumber": "1000001",
                              "trucks": {"create": [{"vin": "1FUJGLDR5CLBP0001", "unitNumber": "101", "make": "Freightliner",
                                                     "modelYear": 2021, "inspections": {"create": {
                                                         "reportNumber": "TX900001", "inspectedOn": "2024-11-02", "level": 1,
                                                         "result": "PASSED"}}}]},
                              "tags": {"connectOrCreate": [{"where": {"name": "hazmat"}, "create": {"name": "hazmat"}}]},
                              "parent": {"connect": {"mcNumber": "MC200002"}}})
    db.truck.create({"vin": "3AKJHHDR7KSKE0002", "unitNumber": "102", "make": "Volvo", "modelYear": 2019,
                     "carrier": {"connect": {"id": acme["id"]}}})
    read = lambda: db.carrier.find_unique(  # noqa: E731
        {"id": acme["id"]}, include={"trucks": {"include": {"inspections": True}}, "tags": True, "parent": True})
    created = read()
    assert [(t["vin"], t["make"]) for t in created["trucks"]] == [("1FUJGLDR5CLBP0001", "Freightliner"), ("3AKJHHDR7KSKE0002", "Volvo")]
    assert [i["reportNumber"] for i in created["trucks"][0]["inspections"]] == ["TX900001"]
    assert [t["name"] for t in created["tags"]] == ["hazmat"] and db.model("Tag").count({"name": "hazmat"}) == 1  # connected, not created
    assert created["parent"]["mcNumber"] == "MC200002"

    db.carrier.update({"id": acme["id"]}, {"trucks": {"update": {"where": {"vin": "1FUJGLDR5CLBP0001"}, "data": {"make": "Kenworth"}},
                                                      "delete": [{"vin": "3AKJHHDR7KSKE0002"}]},
                                           "tags": {"set": [{"name": "reefer"}]},
                                           "parent": {"disconnect": True}})
    updated = read()
    assert [(t["vin"], t["make"]) for t in updated["trucks"]] == [("1FUJGLDR5CLBP0001", "Kenworth")]
    assert [t["name"] for t in updated["tags"]] == ["reefer"] and updated["parent"] is None and updated["parentId"] is None

    # Validated as a whole first: one bad VIN in the second truck, nothing of the call written.
    with pytest.raises(carrierdb.ValidationError) as bad:
        db.carrier.create({"name": "Broken", "mcNumber": "MC100003", "dotNumber": "1000003",
                           "trucks": {"create": [{"vin": "1FUJGLDR5CLBP0003", "unitNumber": "1", "make": "Mack", "modelYear": 2020},
                                                 {"vin": "NOT-A-VIN", "unitNumber": "2", "make": "Mack", "modelYear": 2020}]}})
    assert [i["path"] for i in bad.value.issues] == [["trucks", "create", "1", "vin"]]
    with pytest.raises(carrierdb.NotFound, match=r"no Carrier with mcNumber = 'MC999999' for parent\.connect"):
        db.carrier.create({"name": "Orphan", "mcNumber": "MC100004", "dotNumber": "1000004", "parent": {"connect": {"mcNumber": "MC999999"}}})
    assert db.carrier.count() == carriers_before + 2


def pages_and_aggregates(db) -> None:
    """The README's pages block, run as written."""
    (code,) = readme_blocks(REPO / "README.md", "#### Pages, distinct, aggregate and groupBy", "python")
    namespace = {"db": db}
    distinct, aggregate, groups = run_block(code, namespace)
    every = db.query("SELECT id FROM trucks ORDER BY model_year DESC, id")
    page, after, before = namespace["page"], namespace["after"], namespace["before"]
    assert [t["id"] for t in page + after] == [r["id"] for r in every[:40]]
    assert before == []  # nothing comes before the first page
    walked, last = [], page
    while last:  # every page after `page` as the README reads `after`: each truck exactly once, ties included
        walked += last
        last = db.truck.find_many(order_by={"modelYear": "desc"}, cursor={"id": last[-1]["id"]}, skip=1, take=20)
    assert [t["id"] for t in walked] == [r["id"] for r in every]
    newest = db.query("SELECT carrier_id, make, max(model_year) AS y, count(*) AS n FROM trucks GROUP BY carrier_id, make")
    assert sorted((t["carrierId"], t["make"], t["modelYear"]) for t in distinct) == sorted(
        (r["carrier_id"], r["make"], r["y"]) for r in newest)
    stats = db.query("SELECT count(*) AS n, min(model_year) AS lo FROM trucks WHERE status = 'IN_SERVICE'")[0]
    assert aggregate["_count"] == {"_all": stats["n"]} and aggregate["_min"] == {"modelYear": stats["lo"]}
    by_carrier = db.query("SELECT carrier_id, count(*) AS n FROM trucks GROUP BY carrier_id HAVING avg(model_year) > 2015 "
                          "ORDER BY count(*) DESC, carrier_id LIMIT 10")
    assert [(g["carrierId"], g["_count"]) for g in groups] == [(r["carrier_id"], r["n"]) for r in by_carrier]


def dataframes(db) -> None:
    trucks = db.truck.find_many(include={"carrier": {"include": {"parent": True}}}, order_by={"id": "asc"})
    frame = trucks.to_pandas()
    assert len(frame) == db.truck.count() and "trucks" not in frame.columns
    assert list(frame["carrier.name"]) == [t["carrier"]["name"] for t in trucks]
    subsidiaries = frame[frame["carrier.parent.name"].notna()]
    assert set(subsidiaries["carrier.parent.name"]) == {"Lone Star Freight Lines LLC"} | set(
        r["name"] for r in db.query("SELECT DISTINCT p.name FROM carriers c JOIN carriers p ON p.id = c.parent_id "
                                    "JOIN trucks t ON t.carrier_id = c.id"))
    carriers = db.carrier.find_many(include={"trucks": {"include": {"inspections": True}}, "_count": True})
    per_truck = carriers.to_pandas(relation="trucks")
    assert len(per_truck) == db.truck.count() and per_truck.columns[0] == "carrier.id"
    per_inspection = carriers.to_pandas(relation="trucks.inspections")
    assert len(per_inspection) == db.model("Inspection").count() and per_inspection.columns[0] == "truck.id"
    assert list(carriers.to_pandas()["_count.trucks"]) == [len(c["trucks"]) for c in carriers]
    with pytest.raises(ValueError):
        carriers.to_pandas(relation="loads")


def export_and_seed_a_copy(user: User, second_url: str, expected: dict) -> None:
    """`seed export` of every model (references as natural keys, MC numbers pseudonymised on both sides),
    seeded into a second empty database: the same rows under the same parents."""
    folder = user.home / "copy" / "development"
    folder.mkdir(parents=True)
    files = []
    for model in EXPORTED:
        name = f"{model.lower()}.csv"
        anonymize = {"Carrier": "mcNumber,parent.mcNumber", "Truck": "carrier.mcNumber", "Driver": "carrier.mcNumber",
                     "InsurancePolicy": "carrier.mcNumber", "Load": "carrier.mcNumber"}.get(model)
        args = ["seed", "export", "--model", model, "--to", str(folder / name), "--salt", "S"]
        exported = user.json(*args, *(["--anonymize", anonymize] if anonymize else []))
        assert exported["rows"] == expected[model_table(model)], model
        files.append({"path": name, "model": model})
    # A Decimal comes back as the seed file's value (3557.45; SQLite, holding it as a double, had
    # exported the double's 17 digits, 3557.4499999999998).
    shipped = {r["referenceNumber"]: Decimal(r["rate"]) for r in set_rows(user.project, "development")["Load"]}
    exported_rates = {r["referenceNumber"]: Decimal(r["rate"]) for r in read_csv(folder / "load.csv")}
    assert exported_rates == shipped
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": files}))

    assert [m["name"] for m in user.json("migrate", "deploy", url=second_url)["migrations"]] == MIGRATIONS
    report = user.json("seed", "--dir", "copy", url=second_url)
    assert report["rejected"] == 0
    copy = carrierdb.connect(second_url, schema=str(user.project / "schema.prisma"))
    original = carrierdb.connect(user.url, schema=str(user.project / "schema.prisma"))
    try:
        found = counts(copy)
        assert {t: found[t] for t in map(model_table, EXPORTED)} == {t: expected[t] for t in map(model_table, EXPORTED)}
        # The same carrier (by DOT number, not anonymised) carries one pseudonym in every file.
        mc = {r["dot_number"]: r["mc_number"] for r in original.query("SELECT dot_number, mc_number FROM carriers")}
        pseudonym = {mc[r["dot_number"]]: r["mc_number"] for r in copy.query("SELECT dot_number, mc_number FROM carriers")}
        assert len(pseudonym) == len(mc) and not set(pseudonym) & set(pseudonym.values())
        mc_at = {"trucks": (1,), "parents": (0, 1), "current": (0,), "policies": (1,), "loads": (1,)}  # where references hold an MC
        was, now = by_natural_keys(original), by_natural_keys(copy)
        for relation, positions in mc_at.items():
            assert now[relation] == {tuple(pseudonym[v] if k in positions else v for k, v in enumerate(t)) for t in was[relation]}, relation
    finally:
        copy.close()
        original.close()


def model_table(model: str) -> str:
    return {"Carrier": "carriers", "InsurancePolicy": "insurance_policies", "Truck": "trucks", "Driver": "drivers",
            "Inspection": "inspections", "Tag": "tags", "Load": "loads", "TruckDriver": "truck_drivers"}[model]


def rollback_to_empty(user: User) -> None:
    refused = user.run("migrate", "rollback", "--steps", "3")  # rows in the tables, no terminal to ask on
    assert refused.returncode == 2 and "DataLossError" in refused.stderr and "Nothing was changed." in refused.stderr
    rolled = user.json("migrate", "rollback", "--steps", "3", "--force")
    assert [(m["name"], m["ok"]) for m in rolled["migrations"]] == [(name, True) for name in reversed(MIGRATIONS)]
    status = user.json("migrate", "status", status=1)  # nothing applied: `run carrierdb migrate deploy`
    assert sorted(states(status)) == [(name, "rolled_back") for name in MIGRATIONS]
    db = carrierdb.connect(user.url)
    try:
        left = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") if db.backend == "sqlite" \
            else db.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")
    finally:
        db.close()
    assert {r["name"] for r in left} <= {"_prisma_migrations", "_carrierdb_seeds"}
