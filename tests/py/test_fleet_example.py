"""examples/fleet: its migrations deploy, roll back and enforce the schema's relations on both backends.

What a user relies on here: the shipped DDL creates what schema.prisma declares (read from the
database's catalogs), and carrierdb's parser reads the same schema.prisma to the same model.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

import carrierdb

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"
MIGRATIONS = sorted(p.name for p in (FLEET / "migrations").iterdir() if p.is_dir())
TABLES = {"carriers", "insurance_policies", "trucks", "drivers", "truck_drivers", "inspections", "loads", "tags", "_CarrierToTag"}
ENUMS = {"CarrierStatus", "TruckStatus", "coverage_type", "InspectionResult", "LoadStatus"}

# Every relation of schema.prisma: (table, column) -> (referenced table, ON DELETE, ON UPDATE).
FOREIGN_KEYS = {
    ("carriers", "parent_id"): ("carriers", "SET NULL", "CASCADE"),
    ("carriers", "current_policy_id"): ("insurance_policies", "SET NULL", "CASCADE"),
    ("insurance_policies", "carrier_id"): ("carriers", "CASCADE", "CASCADE"),
    ("trucks", "carrier_id"): ("carriers", "CASCADE", "CASCADE"),
    ("drivers", "carrier_id"): ("carriers", "CASCADE", "CASCADE"),
    ("truck_drivers", "truck_id"): ("trucks", "CASCADE", "CASCADE"),
    ("truck_drivers", "driver_id"): ("drivers", "CASCADE", "CASCADE"),
    ("inspections", "truck_id"): ("trucks", "CASCADE", "CASCADE"),
    ("loads", "carrier_id"): ("carriers", "RESTRICT", "CASCADE"),
    ("loads", "truck_id"): ("trucks", "SET NULL", "CASCADE"),
    ("loads", "driver_id"): ("drivers", "SET NULL", "CASCADE"),
    ("loads", "co_driver_id"): ("drivers", "SET NULL", "CASCADE"),
    ("_CarrierToTag", "A"): ("carriers", "CASCADE", "CASCADE"),
    ("_CarrierToTag", "B"): ("tags", "CASCADE", "CASCADE"),
}


@pytest.fixture
def fleet(carrierdb_db, tmp_path: Path):
    """The fleet migrations (a copy) deployed on an empty database."""
    folder = tmp_path / "fleet_migrations"
    shutil.copytree(FLEET / "migrations", folder)
    migrations = carrierdb_db.migrations(folder)
    report = migrations.deploy()
    assert report.ok and report.names == MIGRATIONS
    return carrierdb_db, migrations


def backend(db) -> str:
    try:
        db.query("SELECT sqlite_version() AS v")
        return "sqlite"
    except carrierdb.Error:
        return "postgresql"


def user_tables(db) -> set[str]:
    if backend(db) == "sqlite":
        rows = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = db.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")
    return {r["name"] for r in rows} - {"_prisma_migrations"}


def foreign_keys(db) -> dict:
    found = {}
    if backend(db) == "sqlite":
        for table in user_tables(db):
            for fk in db.query(f"SELECT * FROM pragma_foreign_key_list('{table}')"):
                found[(table, fk["from"])] = (fk["table"], fk["on_delete"], fk["on_update"])
        return found
    actions = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
    rows = db.query(
        """SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.confrelid::regclass::text AS ref,
                  c.confdeltype::text AS del, c.confupdtype::text AS upd, c.conname AS name
             FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"""
    )
    for r in rows:
        found[(r["tbl"].strip('"'), r["col"])] = (r["ref"].strip('"'), actions[r["del"]], actions[r["upd"]])
        assert r["name"] == f'{r["tbl"].strip(chr(34))}_{r["col"]}_fkey', "Prisma's constraint name"
    return found


def test_fleet_migrations_deploy_on_an_empty_database_and_status_is_clean(fleet):
    db, migrations = fleet
    status = migrations.status()
    assert status.applied == MIGRATIONS and not status.pending and not status.needs_action
    assert user_tables(db) == TABLES
    if backend(db) == "postgresql":
        types = {r["typname"] for r in db.query("SELECT typname FROM pg_type WHERE typtype = 'e'")}
        assert types == ENUMS


def test_every_relation_is_a_foreign_key_with_its_declared_actions(fleet):
    db, _ = fleet
    assert foreign_keys(db) == FOREIGN_KEYS


def insert_carrier(db, mc: str, dot: str) -> int:
    db.execute(
        "INSERT INTO carriers (name, mc_number, dot_number, updated_at) VALUES ($1, $2, $3, $4)",
        [f"Carrier {mc}", mc, dot, "2024-11-01 00:00:00"],
    )
    return db.query("SELECT id FROM carriers WHERE mc_number = $1", [mc])[0]["id"]


def insert_truck(db, carrier_id: int, vin: str) -> int:
    db.execute(
        "INSERT INTO trucks (vin, unit_number, make, model_year, carrier_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [vin, vin[-4:], "Freightliner", 2021, carrier_id, "2024-11-01 00:00:00"],
    )
    return db.query("SELECT id FROM trucks WHERE vin = $1", [vin])[0]["id"]


def insert_inspection(db, truck_id: int, report: str) -> None:
    db.execute(
        "INSERT INTO inspections (report_number, truck_id, inspected_on, level, result) VALUES ($1, $2, $3, $4, $5)",
        [report, truck_id, "2024-10-01", 1, "PASSED"],
    )


def test_deleting_a_truck_deletes_its_inspections_only(fleet):
    db, _ = fleet
    carrier = insert_carrier(db, "MC100001", "1000001")
    doomed, kept = insert_truck(db, carrier, "1FUJGLDR5CLBP8834"), insert_truck(db, carrier, "3AKJHHDR7JSJV4215")
    insert_inspection(db, doomed, "TX0001234")
    insert_inspection(db, doomed, "TX0001235")
    insert_inspection(db, kept, "OK0009876")
    db.execute("DELETE FROM trucks WHERE id = $1", [doomed])
    assert [r["report_number"] for r in db.query("SELECT report_number FROM inspections")] == ["OK0009876"]


def test_deleting_a_carrier_with_loads_is_refused_and_changes_nothing(fleet):
    db, _ = fleet
    carrier = insert_carrier(db, "MC100002", "1000002")
    truck = insert_truck(db, carrier, "1FUJGLDR5CLBP8834")
    db.execute(
        "INSERT INTO loads (reference_number, carrier_id, truck_id, origin, destination, pickup_at, weight_lbs, rate)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ["LD000001", carrier, truck, "Dallas, TX", "Tulsa, OK", "2024-11-02 08:00:00", 42000, "1850.00"],
    )
    # ForeignKeyViolation on both (SQLite enforces RESTRICT through an internal trigger).
    with pytest.raises(carrierdb.ForeignKeyViolation, match="(?i)foreign key"):
        db.execute("DELETE FROM carriers WHERE id = $1", [carrier])
    assert db.query("SELECT count(*) AS n FROM carriers")[0]["n"] == 1
    assert db.query("SELECT count(*) AS n FROM trucks")[0]["n"] == 1
    # Without loads the same carrier goes, and its trucks with it (Cascade); the load's truck is SET NULL
    # when only the truck goes.
    db.execute("DELETE FROM trucks WHERE id = $1", [truck])
    assert db.query("SELECT truck_id FROM loads") == [{"truck_id": None}]
    db.execute("DELETE FROM loads")
    db.execute("DELETE FROM carriers WHERE id = $1", [carrier])
    assert db.query("SELECT count(*) AS n FROM carriers")[0]["n"] == 0


def test_deleting_a_carrier_cascades_through_its_current_policy(fleet):
    """The carrier <-> current policy cycle (Cascade one way, SetNull back) deletes cleanly."""
    db, _ = fleet
    carrier = insert_carrier(db, "MC100003", "1000003")
    db.execute(
        "INSERT INTO insurance_policies (policy_number, insurer, coverage_amount, effective_on, expires_on, carrier_id)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        ["POL-1", "Great West Casualty", "1000000.00", "2024-01-01", "2025-01-01", carrier],
    )
    policy = db.query("SELECT id FROM insurance_policies")[0]["id"]
    db.execute("UPDATE carriers SET current_policy_id = $1 WHERE id = $2", [policy, carrier])
    db.execute("DELETE FROM carriers WHERE id = $1", [carrier])
    assert db.query("SELECT count(*) AS n FROM insurance_policies")[0]["n"] == 0


def test_deleting_a_driver_or_a_parent_carrier_sets_the_optional_references_to_null(fleet):
    db, _ = fleet
    parent, child = insert_carrier(db, "MC100006", "1000006"), insert_carrier(db, "MC100007", "1000007")
    db.execute("UPDATE carriers SET parent_id = $1 WHERE id = $2", [parent, child])
    for number in ("D1000001", "D1000002"):
        db.execute(
            "INSERT INTO drivers (first_name, last_name, license_number, license_state, license_expires_on, carrier_id)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            ["Ana", "Ruiz", number, "TX", "2027-01-01", child],
        )
    driver, co_driver = (r["id"] for r in db.query("SELECT id FROM drivers ORDER BY license_number"))
    db.execute(
        "INSERT INTO loads (reference_number, carrier_id, driver_id, co_driver_id, origin, destination, pickup_at, weight_lbs, rate)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ["LD000003", child, driver, co_driver, "Omaha, NE", "Denver, CO", "2024-11-03 06:00:00", 30000, "2100.00"],
    )
    db.execute("DELETE FROM drivers WHERE id = $1", [co_driver])
    assert db.query("SELECT driver_id, co_driver_id FROM loads") == [{"driver_id": driver, "co_driver_id": None}]
    db.execute("DELETE FROM carriers WHERE id = $1", [parent])
    assert db.query("SELECT mc_number, parent_id FROM carriers") == [{"mc_number": "MC100007", "parent_id": None}]


def test_the_implicit_many_to_many_table_has_prismas_key_and_index(fleet):
    db, _ = fleet
    if backend(db) == "sqlite":
        indexes = {r["name"]: r["unique"] for r in db.query("SELECT * FROM pragma_index_list('_CarrierToTag')")}
        assert indexes == {"_CarrierToTag_AB_unique": 1, "_CarrierToTag_B_index": 0}
        columns = lambda name: [r["name"] for r in db.query(f"SELECT name FROM pragma_index_info('{name}')")]  # noqa: E731
        assert columns("_CarrierToTag_AB_unique") == ["A", "B"] and columns("_CarrierToTag_B_index") == ["B"]
    else:
        rows = db.query(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '_CarrierToTag' ORDER BY indexname"
        )
        assert [r["indexname"] for r in rows] == ["_CarrierToTag_AB_pkey", "_CarrierToTag_B_index"]
        assert rows[0]["indexdef"].endswith('USING btree ("A", "B")') and rows[1]["indexdef"].endswith('USING btree ("B")')
    carrier = insert_carrier(db, "MC100004", "1000004")
    db.execute("INSERT INTO tags (name) VALUES ($1)", ["hazmat"])
    tag = db.query("SELECT id FROM tags")[0]["id"]
    db.execute('INSERT INTO "_CarrierToTag" ("A", "B") VALUES ($1, $2)', [carrier, tag])
    with pytest.raises(carrierdb.UniqueViolation):
        db.execute('INSERT INTO "_CarrierToTag" ("A", "B") VALUES ($1, $2)', [carrier, tag])


def test_rolling_every_fleet_migration_back_leaves_an_empty_schema(fleet):
    """With rows in every relation (so SQLite's DROP TABLE runs its implicit, foreign-key checked DELETE)."""
    db, migrations = fleet
    carrier = insert_carrier(db, "MC100005", "1000005")
    insert_inspection(db, insert_truck(db, carrier, "1FUJGLDR5CLBP8834"), "TX0001234")
    db.execute(
        "INSERT INTO loads (reference_number, carrier_id, origin, destination, pickup_at, weight_lbs, rate)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ["LD000002", carrier, "Dallas, TX", "Tulsa, OK", "2024-11-02 08:00:00", 42000, "1850.00"],
    )
    db.execute("INSERT INTO tags (name) VALUES ($1)", ["reefer"])
    db.execute('INSERT INTO "_CarrierToTag" ("A", "B") SELECT $1, id FROM tags', [carrier])
    with pytest.raises(carrierdb.DataLossError):
        migrations.rollback(steps=len(MIGRATIONS))
    assert user_tables(db) == TABLES
    report = migrations.rollback(steps=len(MIGRATIONS), accept_data_loss=True)
    assert report.ok
    assert user_tables(db) == set()
    if backend(db) == "postgresql":
        assert db.query("SELECT typname FROM pg_type WHERE typtype = 'e'") == []
    status = migrations.status()
    assert status.pending == MIGRATIONS and not status.applied


def test_the_readme_commands_deploy_the_fleet_project_through_the_cli(run_cli, carrierdb_url, tmp_path):
    project = tmp_path / "fleet"
    shutil.copytree(FLEET, project, ignore=shutil.ignore_patterns("seeds"))
    env = {"DATABASE_URL": carrierdb_url, "CARRIERDB_PROJECT_DIR": str(project)}
    deployed = run_cli("migrate", "deploy", "--json", env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert len(json.loads(deployed.stdout)["migrations"]) == len(MIGRATIONS)
    status = run_cli("migrate", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert not data["needs_action"] and [(m["name"], m["state"]) for m in data["migrations"]] == [
        (name, "applied") for name in MIGRATIONS
    ]


# -- seed sets ------------------------------------------------------------------------------------


# The parent model of each relation field the seed files use, as schema.prisma declares it.
RELATION_MODEL = {"carrier": "Carrier", "parent": "Carrier", "currentPolicy": "InsurancePolicy", "truck": "Truck",
                  "driver": "Driver", "coDriver": "Driver", "tag": "Tag"}
# A reference may point forward only through an optional relation that closes a cycle (loaded in a
# second pass) or to its own model (a self-relation).
SECOND_PASS = {("Carrier", "currentPolicy")}


@pytest.mark.parametrize("env", ["development", "testing", "production"])
def test_fleet_seed_manifests_list_parents_before_children(env):
    manifest = json.loads((FLEET / "seeds" / env / "manifest.json").read_text())
    assert manifest["name"] == env and manifest["version"]
    loaded: set[str] = set()
    for entry in manifest["files"]:
        with (FLEET / "seeds" / env / entry["path"]).open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        for column in (c for c in header if "." in c):
            relation = column.split(".")[0]
            parent = RELATION_MODEL[relation]
            ok = parent in loaded or parent == entry["model"] or (entry["model"], relation) in SECOND_PASS
            assert ok, f"{env}/{entry['path']}: {column} refers to {parent}, which no earlier file loads"
        loaded.add(entry["model"])


def test_fleet_seed_files_are_what_generate_py_writes(tmp_path, monkeypatch):
    """The committed data files are exactly the generator's output (so they can be regenerated)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fleet_generate", FLEET / "seeds" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv"))
    committed = sorted(p.relative_to(FLEET / "seeds") for p in (FLEET / "seeds").rglob("*.csv"))
    assert written == committed and len(written) == 18
    for name in written:
        assert (tmp_path / name).read_bytes() == (FLEET / "seeds" / name).read_bytes(), name


def test_the_fleet_schema_reads_every_relation_as_the_migrations_create_it():
    schema = carrierdb.Schema.load(str(FLEET / "schema.prisma"))
    assert set(schema.model_names) >= {"Carrier", "Truck", "Driver", "InsurancePolicy", "Inspection", "Load", "Tag", "TruckDriver"}
    declared = {}
    for name in schema.model_names:
        model = schema.model(name)
        for field in model["fields"]:
            relation = field.get("relation")
            if field["kind"] == "relation" and relation and relation.get("fields"):
                target = schema.model(relation["target"])
                for column_field in relation["fields"]:
                    column = next(f["column"] for f in model["fields"] if f["name"] == column_field)
                    declared[(model["table"], column)] = (target["table"], relation["on_delete"], relation["on_update"])
    expected = {key: value for key, value in FOREIGN_KEYS.items() if key[0] != "_CarrierToTag"}
    normalise = lambda action: action.replace("_", " ").upper().replace("SETNULL", "SET NULL")
    assert {key: (t, normalise(d), normalise(u)) for key, (t, d, u) in declared.items()} == expected
    tags = next(f for f in schema.model("Carrier")["fields"] if f["name"] == "tags")
    assert tags["list"] and tags["relation"]["join_table"]["table"] == "_CarrierToTag"


def test_the_deployed_fleet_database_matches_its_schema(fleet, carrierdb_url):
    schema = carrierdb.Schema.load(str(FLEET / "schema.prisma"))
    drift = carrierdb.connect(carrierdb_url, schema=schema)
    try:
        assert drift.schema_drift() == []
        # The implicit many-to-many table is the schema's: without it, the schema says what is missing.
        drift.execute('DROP TABLE "_CarrierToTag"')
        missing = drift.schema_drift()
        assert [(d["kind"], d["table"], d["model"], d["field"]) for d in missing] == [("missing_table", "_CarrierToTag", "Carrier", "tags")]
    finally:
        drift.close()
