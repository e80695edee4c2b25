"""Seeding several related models (examples/fleet) on both backends: dependency order from the
schema, natural-key references resolved in bulk, the optional cycle in two passes, prune children
first, and exports that stay joinable."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

import carrierdb

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"


@pytest.fixture
def fleet(carrierdb_url, tmp_path, monkeypatch):
    """A copy of examples/fleet (which a test may change), deployed; the database in development."""
    project = tmp_path / "fleet"
    shutil.copytree(FLEET, project, ignore=shutil.ignore_patterns("__pycache__", "rejects.csv"))
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(project))
    db = carrierdb.connect(carrierdb_url, env="development", schema=str(project / "schema.prisma"))
    db.migrations(project / "migrations").deploy()
    yield db, project
    db.close()


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def set_rows(project: Path, name: str) -> dict[str, list[dict]]:
    """The rows of a seed set, by model (pairs files by model.relation)."""
    folder = project / "seeds" / name
    manifest = json.loads((folder / "manifest.json").read_text())
    found: dict[str, list[dict]] = {}
    for f in manifest["files"]:
        model = f["model"] + ("." + f["relation"] if "relation" in f else "")
        found.setdefault(model, []).extend(read(folder / f["path"]))
    return found


def counts(db) -> dict[str, int]:
    tables = ("carriers", "insurance_policies", "trucks", "drivers", "truck_drivers", "inspections", "loads", "tags", "_CarrierToTag")
    return {t: db.query(f'SELECT count(*) AS n FROM "{t}"')[0]["n"] for t in tables}


def by_natural_keys(db) -> dict[str, set]:
    """Every relation as natural keys, so two databases (other ids) compare."""
    q = db.query
    return {
        "trucks": {(r["vin"], r["mc"]) for r in q("SELECT t.vin, c.mc_number AS mc FROM trucks t JOIN carriers c ON c.id = t.carrier_id")},
        "parents": {(r["mc"], r["p"]) for r in q("SELECT c.mc_number AS mc, p.mc_number AS p FROM carriers c JOIN carriers p ON p.id = c.parent_id")},
        "current": {(r["mc"], r["pol"]) for r in q(
            "SELECT c.mc_number AS mc, p.policy_number AS pol FROM carriers c JOIN insurance_policies p ON p.id = c.current_policy_id")},
        "policies": {(r["pol"], r["mc"]) for r in q(
            "SELECT p.policy_number AS pol, c.mc_number AS mc FROM insurance_policies p JOIN carriers c ON c.id = p.carrier_id")},
        "assignments": {(r["vin"], r["lic"], r["st"]) for r in q(
            "SELECT t.vin, d.license_number AS lic, d.license_state AS st FROM truck_drivers td "
            "JOIN trucks t ON t.id = td.truck_id JOIN drivers d ON d.id = td.driver_id")},
        "loads": {(r["ref"], r["mc"], r["vin"], r["co"]) for r in q(
            "SELECT l.reference_number AS ref, c.mc_number AS mc, t.vin, d.license_number AS co FROM loads l "
            "JOIN carriers c ON c.id = l.carrier_id LEFT JOIN trucks t ON t.id = l.truck_id LEFT JOIN drivers d ON d.id = l.co_driver_id")},
        "tags": {(r["mc"], r["tag"]) for r in q(
            'SELECT c.mc_number AS mc, t.name AS tag FROM "_CarrierToTag" j JOIN carriers c ON c.id = j."A" JOIN tags t ON t.id = j."B"')},
    }


def expected_references(rows: dict[str, list[dict]]) -> dict[str, set]:
    g = lambda r, k: r.get(k) or None  # noqa: E731
    return {
        "trucks": {(r["vin"], r["carrier.mcNumber"]) for r in rows.get("Truck", [])},
        "parents": {(r["mcNumber"], r["parent.mcNumber"]) for r in rows["Carrier"] if r.get("parent.mcNumber")},
        "current": {(r["mcNumber"], r["currentPolicy.policyNumber"]) for r in rows["Carrier"] if r.get("currentPolicy.policyNumber")},
        "policies": {(r["policyNumber"], r["carrier.mcNumber"]) for r in rows.get("InsurancePolicy", [])},
        "assignments": {(r["truck.vin"], r["driver.licenseNumber"], r["driver.licenseState"]) for r in rows.get("TruckDriver", [])},
        "loads": {(r["referenceNumber"], r["carrier.mcNumber"], g(r, "truck.vin"), g(r, "coDriver.licenseNumber")) for r in rows.get("Load", [])},
        "tags": {(r["carrier.mcNumber"], r["tag.name"]) for r in rows.get("Carrier.tags", [])},
    }


@pytest.mark.parametrize("name,env", [("development", "development"), ("testing", "test"), ("production", "production")])
def test_each_fleet_set_loads_with_its_references(fleet, name, env):
    db, project = fleet
    report = db.seeds.apply(env, allow_production=True)
    rows = set_rows(project, name)
    assert report.rejected == 0 and report.inserted == sum(len(v) for v in rows.values())
    found = counts(db)
    assert found["carriers"] == len(rows["Carrier"]) and found["tags"] == len(rows["Tag"])
    assert found["trucks"] == len(rows.get("Truck", [])) and found["_CarrierToTag"] == len(rows.get("Carrier.tags", []))
    assert by_natural_keys(db) == expected_references(rows)


def test_the_load_order_comes_from_the_schema_not_the_manifest(fleet):
    db, project = fleet
    manifest_path = project / "seeds" / "development" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"].reverse()  # children first, the pairs before either side
    manifest_path.write_text(json.dumps(manifest))
    report = db.seeds.apply()
    assert report.rejected == 0
    assert by_natural_keys(db) == expected_references(set_rows(project, "development"))
    loaded = [f.model for f in report.files]
    assert loaded.index("Carrier") < loaded.index("InsurancePolicy") < loaded.index("Truck") < loaded.index("TruckDriver")
    assert loaded.index("Truck") < loaded.index("Inspection") and loaded[-1] == "Carrier.tags"


def test_the_optional_side_of_a_cycle_is_set_in_a_second_pass(fleet):
    db, project = fleet
    db.seeds.apply()
    rows = set_rows(project, "development")
    wanted = {(r["mcNumber"], r["currentPolicy.policyNumber"]) for r in rows["Carrier"] if r.get("currentPolicy.policyNumber")}
    assert wanted and by_natural_keys(db)["current"] == wanted
    # Each current policy belongs to its carrier: both directions of the cycle hold.
    assert all((pol, mc) in by_natural_keys(db)["policies"] for mc, pol in wanted)


def test_a_cycle_through_required_relations_is_refused_naming_it(carrierdb_url, tmp_path):
    (tmp_path / "schema.prisma").write_text("""
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Hen {
  id    Int    @id @default(autoincrement())
  name  String @unique
  eggId Int
  egg   Egg    @relation("HenEgg", fields: [eggId], references: [id])
  laid  Egg[]  @relation("EggHen")
}
model Egg {
  id    Int    @id @default(autoincrement())
  name  String @unique
  henId Int
  hen   Hen    @relation("EggHen", fields: [henId], references: [id])
  hens  Hen[]  @relation("HenEgg")
}
""")
    folder = tmp_path / "seeds" / "development"
    folder.mkdir(parents=True)
    (folder / "hens.csv").write_text("name,egg.name\nh1,e1\n")
    (folder / "eggs.csv").write_text("name,hen.name\ne1,h1\n")
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": [
        {"path": "hens.csv", "model": "Hen"}, {"path": "eggs.csv", "model": "Egg"}]}))
    db = carrierdb.connect(carrierdb_url, env="development", schema=str(tmp_path / "schema.prisma"))
    try:
        with pytest.raises(carrierdb.ConfigurationError, match=r"required relations only \((Hen\.egg -> Egg\.hen -> Hen|Egg\.hen -> Hen\.egg -> Egg)\)"):
            db.seeds.apply(directory=tmp_path / "seeds")
    finally:
        db.close()


def break_a_truck(project: Path) -> int:
    """Points the third truck of development at a carrier that does not exist; returns its line."""
    path = project / "seeds" / "development" / "trucks.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",MC99999999"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 4


def test_an_unresolved_reference_fails_a_strict_seed_at_its_file_and_line(fleet):
    db, project = fleet
    line = break_a_truck(project)
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    issue, *knock_on = info.value.issues
    assert (issue["row"], issue["path"][0], issue["code"], issue["value"]) == (f"trucks.csv:{line}", "carrier.mcNumber", "unresolved_reference", "MC99999999")
    assert "trucks.csv:4: carrier.mcNumber: no Carrier with mcNumber = MC99999999" in str(info.value)
    # The truck was not loaded, so the rows naming it are unresolved too, each at its own line.
    missing_vin = read(project / "seeds" / "development" / "trucks.csv")[line - 2]["vin"]
    assert knock_on and {(i["path"][0], i["value"]) for i in knock_on} == {("truck.vin", missing_vin)}
    assert all(i["row"].split(":")[0] in ("inspections.csv", "truck_drivers.csv", "loads.csv") for i in knock_on)
    assert sum(counts(db).values()) == 0 and db.seeds.status() == []


def test_an_unresolved_reference_is_a_reject_in_a_lenient_seed(fleet):
    db, project = fleet
    line = break_a_truck(project)
    report = db.seeds.apply(lenient=True)
    rejects = read(project / "seeds" / "development" / "rejects.csv")
    assert report.rejected == len(rejects) > 1
    assert (rejects[0]["file"], rejects[0]["line"], rejects[0]["field"], rejects[0]["code"], rejects[0]["value"]) == (
        "trucks.csv", str(line), "carrier.mcNumber", "unresolved_reference", "MC99999999")
    assert {r["field"] for r in rejects[1:]} == {"truck.vin"}  # the rows naming the missing truck
    assert counts(db)["trucks"] == len(set_rows(project, "development")["Truck"]) - 1


def break_a_current_policy(project: Path) -> tuple[str, int]:
    """Points the first carrier of development's carriers.csv (a reference of the second pass) at a
    policy that does not exist; returns its MC number and line."""
    path = project / "seeds" / "development" / "carriers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",currentPolicy.policyNumber")
    lines[1] = lines[1].rsplit(",", 1)[0] + ",POL-NOPE"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines[1].split(",")[1], 2


def current_policy(db, mc: str):
    return db.query("SELECT current_policy_id FROM carriers WHERE mc_number = $1", [mc])[0]["current_policy_id"]


def test_an_unresolved_second_pass_reference_fails_a_strict_seed_and_writes_nothing(fleet):
    db, project = fleet
    _, line = break_a_current_policy(project)
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert [(i["row"], i["path"][0], i["code"], i["value"]) for i in info.value.issues] == [
        (f"carriers.csv:{line}", "currentPolicy.policyNumber", "unresolved_reference", "POL-NOPE")]
    assert f"carriers.csv:{line}: currentPolicy.policyNumber: no InsurancePolicy with policyNumber = POL-NOPE" in str(info.value)
    assert sum(counts(db).values()) == 0 and db.seeds.status() == []


def test_an_unresolved_second_pass_reference_keeps_its_row_without_that_parent_in_a_lenient_seed(fleet):
    db, project = fleet
    db.seeds.apply()
    mc, line = break_a_current_policy(project)
    assert current_policy(db, mc) is not None
    report = db.seeds.apply(lenient=True)
    # Reported at its file and line, with the value, saying what became of the row ...
    assert report.rejected == 1
    (issue,) = report.issues
    assert (issue["row"], issue["field"], issue["code"], issue["value"]) == (
        f"carriers.csv:{line}", "currentPolicy.policyNumber", "unresolved_reference", "POL-NOPE")
    assert issue["message"].endswith("the row was loaded without its currentPolicy (currentPolicyId set to NULL)")
    (reject,) = read(project / "seeds" / "development" / "rejects.csv")
    assert (reject["file"], reject["line"], reject["field"], reject["value"]) == ("carriers.csv", str(line), "currentPolicy.policyNumber", "POL-NOPE")
    # ... which is what the table holds: the carrier, with no current policy (not the one it had).
    assert current_policy(db, mc) is None
    assert counts(db)["carriers"] == len(set_rows(project, "development")["Carrier"])
    wanted = expected_references(set_rows(project, "development"))["current"] - {(mc, "POL-NOPE")}
    assert by_natural_keys(db)["current"] == wanted


def test_a_lenient_first_seed_loads_the_row_of_an_unresolved_second_pass_reference(fleet):
    db, project = fleet
    mc, _ = break_a_current_policy(project)
    report = db.seeds.apply(lenient=True)
    assert report.rejected == 1 and report.issues[0]["value"] == "POL-NOPE"
    assert current_policy(db, mc) is None and counts(db)["carriers"] == len(set_rows(project, "development")["Carrier"])


def test_reapplying_the_fleet_is_a_no_op(fleet):
    db, project = fleet
    db.seeds.apply()
    snapshot = {t: db.query(f'SELECT * FROM "{t}" ORDER BY 1, 2') for t in counts(db)}
    assert db.seeds.apply().skipped
    forced = db.seeds.apply(force=True)
    assert (forced.inserted, forced.updated, forced.rejected) == (0, 0, 0)
    assert forced.unchanged == sum(len(v) for v in set_rows(project, "development").values())
    assert {t: db.query(f'SELECT * FROM "{t}" ORDER BY 1, 2') for t in counts(db)} == snapshot  # not even updated_at moved


def test_prune_removes_children_before_parents_and_a_dry_run_says_so_first(fleet):
    db, project = fleet
    db.seeds.apply()
    before = counts(db)
    # The testing set keeps fewer carriers; their trucks, drivers, loads (Restrict) ... must go first.
    dry = db.seeds.apply("test", dry_run=True, prune=True)
    order = [e.model for e in dry.prune_order]
    assert order.index("_CarrierToTag") < order.index("Carrier") and order.index("Load") < order.index("Carrier")
    assert order.index("Inspection") < order.index("Truck") < order.index("Carrier")
    assert order.index("TruckDriver") < order.index("Driver") and order.index("InsurancePolicy") < order.index("Carrier")
    assert "would remove, children first: " in str(dry)
    assert counts(db) == before  # a dry run writes nothing
    pruned = db.seeds.apply("test", prune=True)
    assert pruned.pruned == dry.pruned == sum(e.rows for e in dry.prune_order)
    rows = set_rows(project, "testing")
    assert counts(db)["carriers"] == len(rows["Carrier"]) and counts(db)["loads"] == len(rows["Load"])
    assert by_natural_keys(db) == expected_references(rows)


def test_an_anonymised_export_of_related_models_stays_joinable(fleet, tmp_path):
    db, project = fleet
    db.seeds.apply()
    out = tmp_path / "export"
    out.mkdir()
    secret = "s3cret"
    db.seeds.export("Carrier", out / "carriers.csv", anonymize=["name", "mcNumber", "parent.mcNumber"], salt=secret)
    db.seeds.export("InsurancePolicy", out / "policies.csv", anonymize=["carrier.mcNumber"], salt=secret)
    db.seeds.export("Truck", out / "trucks.csv", anonymize=["carrier.mcNumber"], salt=secret)
    carriers, trucks = read(out / "carriers.csv"), read(out / "trucks.csv")
    assert "carrierId" not in trucks[0] and "carrier.mcNumber" in trucks[0]
    real = {r["mc_number"] for r in db.query("SELECT mc_number FROM carriers")}
    anonymised = {r["mcNumber"] for r in carriers}
    assert len(anonymised) == len(carriers) and not anonymised & real
    assert {r["carrier.mcNumber"] for r in trucks} <= anonymised  # the same pseudonym on both sides
    # Seeded into a fresh database, every truck finds its carrier, and each carrier keeps its fleet.
    (out / "manifest.json").write_text(json.dumps({"name": "anon", "version": "1", "files": [
        {"path": "trucks.csv", "model": "Truck", "key": ["vin"]},
        {"path": "policies.csv", "model": "InsurancePolicy", "key": ["policyNumber"]},
        {"path": "carriers.csv", "model": "Carrier", "key": ["mcNumber"]}]}))
    other = carrierdb.connect(f"sqlite:{tmp_path}/anon.db", schema=str(project / "schema.prisma"))
    try:
        other.migrations(project / "migrations").deploy()
        report = other.seeds.apply(directory=out.parent, env="export")
        assert report.rejected == 0 and counts(other)["trucks"] == counts(db)["trucks"]
        fleet_sizes = lambda d: sorted(r["n"] for r in d.query("SELECT count(*) AS n FROM trucks GROUP BY carrier_id"))  # noqa: E731
        assert fleet_sizes(other) == fleet_sizes(db)
        mine, theirs = by_natural_keys(db), by_natural_keys(other)
        assert {vin for vin, _ in theirs["trucks"]} == {vin for vin, _ in mine["trucks"]}
        assert len(theirs["current"]) == len(mine["current"]) and len(theirs["parents"]) == len(mine["parents"])
    finally:
        other.close()


def test_a_reference_finds_its_parent_written_as_people_type_it(fleet):
    db, project = fleet
    folder = project / "seeds" / "development"
    trucks = (folder / "trucks.csv").read_text(encoding="utf-8").splitlines()
    first_truck = trucks[1].split(",")
    trucks[1] = ",".join(first_truck[:-1] + ["mc-" + first_truck[-1][2:]])  # MC100200 as mc-100200
    (folder / "trucks.csv").write_text("\n".join(trucks) + "\n", encoding="utf-8")
    carriers = (folder / "carriers.csv").read_text(encoding="utf-8").splitlines()
    first_carrier = carriers[1].split(",")
    first_carrier[1] = "mc " + first_carrier[1][2:]  # the child of the second pass, keyed as typed
    carriers[1] = ",".join(first_carrier)
    (folder / "carriers.csv").write_text("\n".join(carriers) + "\n", encoding="utf-8")
    assert db.seeds.apply().rejected == 0
    found = by_natural_keys(db)
    assert (first_truck[0], first_truck[-1]) in found["trucks"]
    assert ("MC" + first_carrier[1][3:], first_carrier[-1]) in found["current"]


def test_the_cli_seeds_the_fleet_and_shows_prune_order_and_exports_references(run_cli, carrierdb_url, tmp_path):
    project = tmp_path / "fleet_cli"
    shutil.copytree(FLEET, project)
    env = {"CARRIERDB_PROJECT_DIR": str(project), "CARRIERDB_ENV": "development"}
    assert run_cli("migrate", "deploy", "--url", carrierdb_url, env=env).returncode == 0
    seeded = run_cli("seed", "--json", "--url", carrierdb_url, env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout)["rejected"] == 0
    dry = run_cli("seed", "--env", "test", "--dry-run", "--prune", "--url", carrierdb_url, env=env)
    assert dry.returncode == 0, dry.stderr
    line = next(s for s in dry.stdout.splitlines() if "children first" in s)
    assert "prune would remove, children first: " in line and line.index(" Load") < line.index(" Carrier")
    as_json = json.loads(run_cli("seed", "--env", "test", "--dry-run", "--prune", "--json", "--url", carrierdb_url, env=env).stdout)
    assert as_json["prune_order"][-1]["model"] == "Carrier" and as_json["pruned"] == sum(e["rows"] for e in as_json["prune_order"])
    out = tmp_path / "trucks.csv"
    exported = run_cli("seed", "export", "--model", "Truck", "--to", str(out), "--anonymize", "carrier.mcNumber", "--salt", "s",
                       "--url", carrierdb_url, env=env)
    assert exported.returncode == 0, exported.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "carrier.mcNumber" in header and "carrierId" not in header
