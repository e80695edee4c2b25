"""migrate diff: the SQL from one schema (or the empty database) to another, on both dialects.

What a user relies on: the script is what Prisma itself writes for PostgreSQL (compared with
Prisma 6.19.3's own output: examples/fleet's migrations, and the cases under tests/data/migrate_diff,
see its README), it applies
cleanly on a real database of either backend, and afterwards `schema check` finds no drift and the
rows in untouched columns are still there (SQLite's rebuild path included).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import carrierdb
from carrierdb import cli, commands

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "examples" / "fleet"
DATA = ROOT / "tests" / "data" / "migrate_diff"
CASES = sorted(p.stem for p in DATA.glob("*.prisma") if p.stem != "base")


def statements(sql: str) -> list[str]:
    """The statements of a script, comments dropped and blanks collapsed (their order kept)."""
    sql = re.sub(r"/\*.*?\*/", "", sql, flags=re.S)
    sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [" ".join(s.split()) for s in sql.split(";") if s.strip()]


def kind(statement: str) -> int:
    """Prisma's from-empty order: enums, tables, indexes (plain and unique together), foreign keys."""
    if statement.startswith("CREATE TYPE"):
        return 0
    if statement.startswith("CREATE TABLE"):
        return 1
    if statement.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
        return 2
    return 3  # ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY


@pytest.mark.parametrize("provider, script", [("postgresql", "migration.sql"), ("sqlite", "migration.sqlite.sql")])
def test_fleet_from_empty_is_prismas_own_script(provider, script):
    ours = commands.migrate_diff(from_empty=True, to_schema=FLEET / "schema.prisma", provider=provider).script
    # The example's committed migrations are Prisma 6.19.3's own output for the schema built in three
    # steps (the SQLite ones with the project's enum CHECKs added); from empty, Prisma writes the same
    # statements grouped by kind, each group in schema order.
    committed = [s for m in sorted((FLEET / "migrations").glob(f"*/{script}")) for s in statements(m.read_text())]
    assert statements(ours) == sorted(committed, key=kind)


@pytest.mark.parametrize("case", CASES)
def test_schema_edit_is_prismas_own_script(case):
    ours = commands.migrate_diff(from_schema=DATA / "base.prisma", to_schema=DATA / f"{case}.prisma")
    prisma = (DATA / f"{case}.postgresql.sql").read_text()
    # Prisma wraps an enum value removal in BEGIN/COMMIT; carrierdb already runs the migration in
    # one transaction, and a COMMIT inside would end it early (see README, "migrate diff").
    expected = [s for s in statements(prisma) if s not in ("BEGIN", "COMMIT")]
    assert statements(ours.script) == expected
    assert not ours.empty


def deploy_script(url: str, backend: str, folder: Path, name: str, script: str, schema: Path) -> list[dict]:
    """Writes `script` as migration `name` (for `backend`), deploys it, and returns the drift of
    the database from `schema`."""
    folder.mkdir(exist_ok=True)
    (folder / "migration_lock.toml").write_text(f'provider = "{backend}"\n')
    (folder / name).mkdir()
    (folder / name / "migration.sql").write_text(script)
    with carrierdb.connect(url, schema=carrierdb.Schema.load(str(schema))) as db:
        report = db.migrations(folder).deploy()
        assert report.ok, report
        return db.schema_drift()


def deploy_base(url: str, backend: str, folder: Path) -> None:
    """base.prisma's from-empty script deployed as the first migration of ``folder``, without drift."""
    base = DATA / "base.prisma"
    first = commands.migrate_diff(from_empty=True, to_schema=base, provider=backend).script
    assert deploy_script(url, backend, folder, "20240101000000_base", first, base) == []


def test_fleet_from_empty_applies_without_drift(carrierdb_url, carrierdb_backend, tmp_path):
    script = commands.migrate_diff(from_empty=True, to_schema=FLEET / "schema.prisma", provider=carrierdb_backend).script
    assert deploy_script(carrierdb_url, carrierdb_backend, tmp_path / "m", "20240101000000_init", script, FLEET / "schema.prisma") == []


def test_default_names_over_63_bytes_apply_without_drift_and_name_the_relation(carrierdb_url, carrierdb_backend, tmp_path):
    """Prisma's cut names (suffix kept, 63 bytes) are the names the database ends up with, so drift
    finds nothing, and a refused reference is told by its relation (matched by constraint name)."""
    schema = DATA / "long_names.schema"
    script = commands.migrate_diff(from_empty=True, to_schema=schema, provider=carrierdb_backend).script
    assert "_anotherExt_key" in script and "_parentRef_fkey" in script
    assert deploy_script(carrierdb_url, carrierdb_backend, tmp_path / "m", "20240101000000_init", script, schema) == []
    with carrierdb.connect(carrierdb_url, schema=carrierdb.Schema.load(str(schema))) as db:
        model = db.model("AVeryLongModelNameForTestingIdentifierTruncation")
        model.create({"id": 1, "anotherExtremelyLongColumnNameForKeys": "a", "second": 1})
        with pytest.raises(carrierdb.ForeignKeyViolation, match="parent"):
            model.create({"id": 2, "anotherExtremelyLongColumnNameForKeys": "b", "second": 2, "parentReferenceWithAnExtremelyLongName": 99})


def rows(db, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in db.query(sql)]


@pytest.mark.parametrize("case", CASES)
def test_schema_edit_applies_without_drift_and_keeps_rows(case, carrierdb_url, carrierdb_backend, tmp_path):
    base, edited = DATA / "base.prisma", DATA / f"{case}.prisma"
    folder = tmp_path / "m"
    deploy_base(carrierdb_url, carrierdb_backend, folder)
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO drivers (name) VALUES ('Dana')")
        db.execute("INSERT INTO carriers (name, notes) VALUES ('Acme', 'n')")
        db.execute("INSERT INTO trucks (vin, carrier_id, driver_id) VALUES ('1FUJGLDR12LM12345', 1, 1)")
    change = commands.migrate_diff(from_schema=base, to_schema=edited, provider=carrierdb_backend)
    if case == "change_type" and carrierdb_backend == "sqlite":
        assert change.empty  # VARCHAR(100) and VARCHAR(200) are both TEXT on SQLite: nothing to do
        return
    assert not change.empty
    assert deploy_script(carrierdb_url, carrierdb_backend, folder, "20240102000000_" + case, change.script, edited) == []
    with carrierdb.connect(carrierdb_url) as db:
        # A rebuilt parent table (SQLite) must not fire its children's ON DELETE CASCADE.
        assert rows(db, "SELECT vin, carrier_id, driver_id FROM trucks") == [("1FUJGLDR12LM12345", 1, 1)]
        assert rows(db, "SELECT name, status FROM carriers") == [("Acme", "ACTIVE")]
        assert rows(db, "SELECT name FROM drivers") == [("Dana",)]


def test_renamed_enum_value_keeps_its_rows(carrierdb_url, carrierdb_backend, tmp_path):
    """A value renamed with rename_enum_values (--rename-enum-value) keeps the rows holding it, under
    the new name (PostgreSQL: RENAME VALUE; SQLite: carried over by the rebuild's copy); the schema
    then has no drift. Without it, the same edit is Prisma's removal, which refuses those rows."""
    base = DATA / "base.prisma"
    renamed = tmp_path / "renamed.prisma"
    renamed.write_text(base.read_text().replace("  INACTIVE\n", "  DORMANT\n"))
    folder = tmp_path / "m"
    deploy_base(carrierdb_url, carrierdb_backend, folder)
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO carriers (name, status) VALUES ('Acme', 'INACTIVE'), ('Blue', 'ACTIVE')")
        db.execute("INSERT INTO trucks (vin, carrier_id) VALUES ('1FUJGLDR12LM12345', 1)")
    plain = commands.migrate_diff(from_schema=base, to_schema=renamed, provider=carrierdb_backend)
    assert any("--rename-enum-value Status.INACTIVE=DORMANT" in w for w in plain.warnings)
    change = commands.migrate_diff(from_schema=base, to_schema=renamed, provider=carrierdb_backend,
                                   rename_enum_values=["Status.INACTIVE=DORMANT"])
    assert not any("will be removed" in w for w in change.warnings)
    assert deploy_script(carrierdb_url, carrierdb_backend, folder, "20240102000000_rename", change.script, renamed) == []
    with carrierdb.connect(carrierdb_url) as db:
        assert rows(db, "SELECT name, status FROM carriers ORDER BY name") == [("Acme", "DORMANT"), ("Blue", "ACTIVE")]
        assert rows(db, "SELECT vin FROM trucks") == [("1FUJGLDR12LM12345",)]
    with pytest.raises(carrierdb.ConfigurationError, match="Enum.OLD_VALUE=NEW_VALUE"):
        commands.migrate_diff(from_schema=base, to_schema=renamed, rename_enum_values=["INACTIVE=DORMANT"])
    with pytest.raises(carrierdb.ConfigurationError, match="must be a value the enum gains"):
        commands.migrate_diff(from_schema=base, to_schema=renamed, rename_enum_values=["Status.INACTIVE=SUSPENDED"])


def test_rename_enum_value_flag(capsys):
    renamed_args = ["migrate", "diff", "--from-schema", str(DATA / "base.prisma"), "--to-schema", str(DATA / "remove_enum_value.prisma"), "--script"]
    assert cli.main(renamed_args) == 0
    assert "RENAME VALUE" not in capsys.readouterr().out
    assert cli.main(renamed_args + ["--rename-enum-value", "Status.NOPE=ACTIVE"]) == 1
    assert "renaming value NOPE of enum Status" in capsys.readouterr().err


def test_no_difference_is_empty_and_exit_code_zero(capsys):
    same = commands.migrate_diff(from_schema=DATA / "base.prisma", to_schema=DATA / "base.prisma")
    assert same.empty and same.script == "" and same.to_json()["summary"] == []
    assert cli.main(["migrate", "diff", "--from-schema", str(DATA / "base.prisma"), "--to-schema", str(DATA / "base.prisma"), "--exit-code"]) == 0
    assert "No difference detected." in capsys.readouterr().out


def test_difference_exits_2_with_exit_code_and_prints_the_script(capsys):
    args = ["migrate", "diff", "--from-empty", "--to-schema", str(DATA / "base.prisma"), "--script"]
    assert cli.main(args + ["--exit-code"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("-- CreateEnum\nCREATE TYPE \"Status\" AS ENUM ('ACTIVE', 'INACTIVE', 'SUSPENDED');\n")
    assert cli.main(args) == 0  # without --exit-code a difference is success, as in Prisma
    assert cli.main(args + ["--provider", "sqlite"]) == 0
    assert '"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT' in capsys.readouterr().out


def test_sources_needing_a_database_are_refused_with_exit_code_1(capsys, tmp_path):
    assert cli.main(["migrate", "diff", "--from-migrations", str(tmp_path), "--to-schema", str(DATA / "base.prisma")]) == 1
    assert "--from-migrations is not supported yet" in capsys.readouterr().err
    assert cli.main(["migrate", "diff", "--from-url", "postgresql://x@localhost/x", "--to-schema", str(DATA / "base.prisma")]) == 1
    assert "--from-url is not supported yet" in capsys.readouterr().err
    broken = tmp_path / "broken.prisma"
    broken.write_text("model {")
    assert cli.main(["migrate", "diff", "--from-empty", "--to-schema", str(broken)]) == 1
    assert "SchemaError" in capsys.readouterr().err


def test_usage_errors_exit_1_not_prismas_difference_code(capsys):
    """A script written for Prisma reads exit 2 as "a difference was found": a usage error must not
    look like one (argparse's own code is 2)."""
    for argv in (["migrate", "diff", "--to-schema", str(DATA / "base.prisma")],  # no source
                 ["migrate", "diff", "--from-empty", "--to-empty", "--to-schema", str(DATA / "base.prisma")],
                 ["migrate", "diff", "--from-empty", "--to-schema", str(DATA / "base.prisma"), "--no-such-flag"]):
        with pytest.raises(SystemExit) as stopped:
            cli.main(argv)
        assert stopped.value.code == 1, argv
        assert "error:" in capsys.readouterr().err


def test_sqlite_script_turning_foreign_keys_off_is_checked_before_commit(tmp_path):
    """SQLite only (PostgreSQL has no such pragma): a script that turns foreign keys off runs with
    them off (its rebuild keeps the children's rows), and one that leaves a reference dangling is
    refused by the foreign_key_check and rolled back."""
    url = f"sqlite:{tmp_path / 'fk.db'}"
    folder = tmp_path / "m"
    deploy_base(url, "sqlite", folder)
    with carrierdb.connect(url) as db:
        db.execute("INSERT INTO carriers (name) VALUES ('Acme')")
        db.execute("INSERT INTO trucks (vin, carrier_id) VALUES ('1FUJGLDR12LM12345', 1)")
    (folder / "20240102000000_dangling").mkdir()
    (folder / "20240102000000_dangling" / "migration.sql").write_text("PRAGMA foreign_keys=OFF;\nDELETE FROM carriers;\nPRAGMA foreign_keys=ON;\n")
    with carrierdb.connect(url) as db:
        with pytest.raises(carrierdb.MigrationFailed, match="reference rows that do not exist .*table trucks"):
            db.migrations(folder).deploy()
        assert rows(db, "SELECT name FROM carriers") == [("Acme",)]
        assert rows(db, "PRAGMA foreign_keys") == [(1,)]  # enforcement is back on for the connection's next user


def test_sqlite_dry_run_checks_foreign_keys_as_deploy_does(tmp_path):
    """SQLite only: the dry run turns foreign keys off for a script that asks for it, as deploy does
    (before its transaction), and checks them after each migration: a migration leaving a dangling
    reference fails the dry run with deploy's reason (it used to pass, its DELETE cascading inside
    the dry run's transaction), and a clean table rebuild passes it, the children's rows untouched."""
    url = f"sqlite:{tmp_path / 'fk.db'}"
    base = DATA / "base.prisma"
    folder = tmp_path / "m"
    deploy_base(url, "sqlite", folder)
    with carrierdb.connect(url) as db:
        db.execute("INSERT INTO carriers (name) VALUES ('Acme')")
        db.execute("INSERT INTO trucks (vin, carrier_id) VALUES ('1FUJGLDR12LM12345', 1)")
    rebuild = commands.migrate_diff(from_schema=base, to_schema=DATA / "remove_enum_value.prisma", provider="sqlite").script
    assert 'DROP TABLE "carriers"' in rebuild
    (folder / "20240102000000_rebuild").mkdir()
    (folder / "20240102000000_rebuild" / "migration.sql").write_text(rebuild)
    with carrierdb.connect(url) as db:
        report = db.migrations(folder).deploy(dry_run=True)
        assert [(m.name, m.ok) for m in report.migrations] == [("20240102000000_rebuild", True)], report.migrations
    (folder / "20240103000000_dangling").mkdir()
    (folder / "20240103000000_dangling" / "migration.sql").write_text("PRAGMA foreign_keys=OFF;\nDELETE FROM carriers;\nPRAGMA foreign_keys=ON;\n")
    with carrierdb.connect(url) as db:
        report = db.migrations(folder).deploy(dry_run=True)
        assert [(m.name, m.ok) for m in report.migrations] == [("20240102000000_rebuild", True), ("20240103000000_dangling", False)]
        assert re.search(r"after the last statement of .*dangling.*reference rows that do not exist .*table trucks", report.migrations[1].error)
        assert rows(db, "SELECT name FROM carriers") == [("Acme",)]
        assert rows(db, "SELECT vin FROM trucks") == [("1FUJGLDR12LM12345",)]
        assert rows(db, "PRAGMA foreign_keys") == [(1,)]
