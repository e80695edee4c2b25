"""Python data migrations: a folder's migration.py runs up(db) after its SQL in one transaction, on
the migrator's connection, and down(db) before down.sql on rollback; both backends."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import carrierdb

SCHEMA = """
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Truck {
  id     Int     @id
  plate  String
  region String?

  @@map("trucks")
}
"""

# SQL valid on both backends, so one migration.sql serves both.
INIT = """
CREATE TABLE trucks (id INTEGER PRIMARY KEY, plate TEXT NOT NULL);
CREATE TABLE region_log (region TEXT NOT NULL);
INSERT INTO trucks (id, plate) VALUES (1, 'AB-1'), (2, 'CD-2'), (3, 'EF-3');
"""
ADD_REGION = "ALTER TABLE trucks ADD COLUMN region TEXT;\n"
DROP_REGION = "ALTER TABLE trucks DROP COLUMN region;\n"

BACKFILL = """\
def up(db):
    for truck in db.truck.find_many(order_by={"id": "asc"}):
        db.truck.update({"id": truck["id"]}, {"region": "EU-" + truck["plate"]})


def down(db):
    # Runs before down.sql, so the column it reads is still there.
    db.execute("INSERT INTO region_log (region) SELECT region FROM trucks")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "schema.prisma").write_text(SCHEMA)
    write(tmp_path / "migrations" / "20240101000000_init", {"migration.sql": INIT})
    return tmp_path


@pytest.fixture
def db(carrierdb_url, project: Path):
    # A statement waiting on the migration's locks fails instead of waiting forever.
    database = carrierdb.connect(carrierdb_url, schema=str(project / "schema.prisma"), statement_timeout=30)
    assert database.migrations(project / "migrations").deploy().ok
    yield database
    database.close()


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def add_region(project: Path, script: str = BACKFILL, down_sql: str | None = DROP_REGION) -> Path:
    files = {"migration.sql": ADD_REGION, "migration.py": script}
    if down_sql is not None:
        files["down.sql"] = down_sql
    return write(project / "migrations" / "20240102000000_add_region", files)


def columns(db) -> set[str]:
    return set(db.query("SELECT * FROM trucks ORDER BY id")[0])


def history(db, name: str) -> list[dict]:
    return db.query("SELECT checksum, finished_at, logs, rolled_back_at FROM _prisma_migrations WHERE migration_name = $1", [name])


def test_up_backfills_through_the_repository_the_column_its_sql_added(db, project):
    folder = add_region(project)
    report = db.migrations(project / "migrations").deploy()
    assert report.names == [folder.name] and report.ok
    assert db.query("SELECT id, region FROM trucks ORDER BY id") == [
        {"id": 1, "region": "EU-AB-1"}, {"id": 2, "region": "EU-CD-2"}, {"id": 3, "region": "EU-EF-3"}]
    status = db.migrations(project / "migrations").status()
    assert status.applied == ["20240101000000_init", folder.name] and not status.needs_action
    [row] = history(db, folder.name)
    assert row["finished_at"] is not None and row["rolled_back_at"] is None


def test_an_exception_in_up_rolls_back_its_sql_and_its_rows_and_is_recorded_as_failed(db, project):
    script = textwrap.dedent("""\
        def up(db):
            db.truck.create({"id": 4, "plate": "GH-4", "region": "EU"})
            raise ValueError("no region for GH-4")
        """)
    folder = add_region(project, script)
    with pytest.raises(carrierdb.MigrationFailed) as failed:
        db.migrations(project / "migrations").deploy()
    error = failed.value
    assert error.migration == folder.name
    assert error.file == str(folder / "migration.py") and error.line == 3
    assert "ValueError: no region for GH-4" in str(error) and "recorded as failed" in str(error)
    # Neither the SQL's column nor the Python's row survived: one transaction.
    assert columns(db) == {"id", "plate"}
    assert [r["id"] for r in db.query("SELECT id FROM trucks ORDER BY id")] == [1, 2, 3]
    status = db.migrations(project / "migrations").status()
    [entry] = [e for e in status.entries if e.name == folder.name]
    assert entry.state == "failed"
    assert f"line 3 of {folder / 'migration.py'}" in entry.logs and "ValueError: no region for GH-4" in entry.logs
    assert 'raise ValueError("no region for GH-4")' in entry.logs  # the traceback is kept for later
    with pytest.raises(carrierdb.FailedMigrationPending):
        db.migrations(project / "migrations").deploy()


def test_a_failing_statement_run_by_up_fails_the_migration_at_its_line_in_migration_py(db, project):
    script = "def up(db):\n    db.truck.update_many({}, {\"region\": \"EU\"})\n    db.execute('INSERT INTO no_such_table VALUES (1)')\n"
    folder = add_region(project, script)
    with pytest.raises(carrierdb.MigrationFailed) as failed:
        db.migrations(project / "migrations").deploy()
    assert failed.value.file == str(folder / "migration.py") and failed.value.line == 3
    assert "no_such_table" in str(failed.value)
    assert columns(db) == {"id", "plate"}
    assert [e.state for e in db.migrations(project / "migrations").status().entries] == ["applied", "failed"]


def test_up_can_use_savepoints_but_not_end_the_migrations_transaction(db, project):
    script = textwrap.dedent("""\
        def up(db):
            try:
                with db.transaction():
                    db.truck.update({"id": 1}, {"region": "undone"})
                    raise RuntimeError("undo this block only")
            except RuntimeError:
                pass
            db.truck.update({"id": 2}, {"region": "kept"})
            db._db.commit()
        """)
    folder = add_region(project, script)
    with pytest.raises(carrierdb.MigrationFailed) as failed:
        db.migrations(project / "migrations").deploy()
    assert failed.value.line == 9 and "commit() of the migration's own transaction" in str(failed.value)
    assert columns(db) == {"id", "plate"}
    # Without the stray commit the savepoint undoes its block only.
    (folder / "migration.py").write_text(script.replace("    db._db.commit()\n", ""))
    db.migrations(project / "migrations").resolve(rolled_back=folder.name)
    assert db.migrations(project / "migrations").deploy().ok
    assert db.query("SELECT id, region FROM trucks ORDER BY id") == [
        {"id": 1, "region": None}, {"id": 2, "region": "kept"}, {"id": 3, "region": None}]


def test_seed_records_in_up_runs_inside_the_migration(carrierdb_url, project):
    # A seed on a connection of its own would not see the new column, and on PostgreSQL would wait
    # forever on the ALTER TABLE's lock (the statement timeout turns that into a failure here).
    script = textwrap.dedent("""\
        def up(db):
            report = db.seeds.records("Truck", [{"id": 4, "plate": "GH-4", "region": "EU"}])
            assert report.inserted == 1, report
        """)
    database = carrierdb.connect(carrierdb_url, schema=str(project / "schema.prisma"), statement_timeout=10, busy_timeout=10)
    try:
        add_region(project, script)
        assert database.migrations(project / "migrations").deploy().ok
        assert database.query("SELECT id, region FROM trucks WHERE id = 4") == [{"id": 4, "region": "EU"}]
        assert [run["seed_set"] for run in database.seeds.status()] == ["records:Truck"]
    finally:
        database.close()


def test_editing_migration_py_makes_the_applied_migration_edited(db, project):
    folder = add_region(project)
    migrations = db.migrations(project / "migrations")
    migrations.deploy()
    (folder / "migration.py").write_text(BACKFILL.replace("EU-", "US-"))
    [entry] = [e for e in migrations.status().entries if e.name == folder.name]
    assert entry.state == "edited"
    with pytest.raises(carrierdb.ChecksumMismatch):
        migrations.deploy()
    (folder / "migration.py").write_text(BACKFILL)
    assert migrations.status().applied == ["20240101000000_init", folder.name]


def test_checksums_prisma_s_for_plain_folders_and_sql_nul_python_with_a_data_step(db, project):
    folder = add_region(project)
    db.migrations(project / "migrations").deploy()
    init = project / "migrations" / "20240101000000_init" / "migration.sql"
    assert history(db, "20240101000000_init")[0]["checksum"] == hashlib.sha256(init.read_bytes()).hexdigest()
    combined = (folder / "migration.sql").read_bytes() + b"\0" + (folder / "migration.py").read_bytes()
    assert history(db, folder.name)[0]["checksum"] == hashlib.sha256(combined).hexdigest()


def test_a_windows_checkout_of_migration_py_is_not_edited(db, project):
    folder = add_region(project)
    migrations = db.migrations(project / "migrations")
    migrations.deploy()
    for name in ("migration.sql", "migration.py"):
        path = folder / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert not migrations.status().needs_action


def test_rollback_runs_down_then_down_sql(db, project):
    folder = add_region(project)
    migrations = db.migrations(project / "migrations")
    migrations.deploy()
    report = migrations.rollback(accept_data_loss=True)
    assert report.names == [folder.name]
    assert columns(db) == {"id", "plate"}
    # down(db) read the column before down.sql dropped it.
    assert sorted(r["region"] for r in db.query("SELECT region FROM region_log")) == ["EU-AB-1", "EU-CD-2", "EU-EF-3"]
    assert migrations.status().by_state("rolled_back") == [folder.name]


def test_a_failing_down_undoes_the_rollback(db, project):
    folder = add_region(project, BACKFILL + "\n\ndef down(db):\n    raise KeyError('region')\n")
    migrations = db.migrations(project / "migrations")
    migrations.deploy()
    with pytest.raises(carrierdb.MigrationFailed) as failed:
        migrations.rollback(accept_data_loss=True)
    assert failed.value.file == str(folder / "migration.py") and failed.value.line == 12
    assert "still applied" in str(failed.value)
    assert "region" in columns(db) and migrations.status().applied[-1] == folder.name


def test_dry_run_runs_up_and_leaves_nothing(db, project):
    folder = add_region(project)
    migrations = db.migrations(project / "migrations")
    before = db.schema_snapshot()
    report = migrations.deploy(dry_run=True)
    assert report.dry_run and report.ok and report.names == [folder.name]
    assert db.schema_snapshot() == before and history(db, folder.name) == []
    # The dry run does run up(): a failing one is reported with its place.
    (folder / "migration.py").write_text("def up(db):\n    assert db.truck.count() == 0, 'trucks exist'\n")
    report = migrations.deploy(dry_run=True)
    [result] = report.migrations
    assert not result.ok and result.error == f"line 2 of {folder / 'migration.py'}: AssertionError: trucks exist"
    assert db.schema_snapshot() == before and history(db, folder.name) == []
    assert migrations.status().pending == [folder.name]


def test_migrate_new_python_writes_a_data_step_that_prisma_leaves_alone(run_cli, carrierdb_url, carrierdb_backend, tmp_path):
    done = run_cli("migrate", "new", "--python", "backfill", "--dir", "migrations", "--url", carrierdb_url)
    assert done.returncode == 0, done.stderr
    [folder] = [p for p in (tmp_path / "migrations").iterdir() if p.is_dir()]
    # The new lock says postgresql: a SQLite database gets its variants too, each with the note.
    variants = ["migration.sqlite.sql"] if carrierdb_backend == "sqlite" else []
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("migration")) == ["migration.py", "migration.sql", *variants]
    for name in ["migration.sql", *variants]:
        sql = (folder / name).read_text()
        assert "carrierdb runs its up(db)" in sql and "Prisma (`prisma migrate deploy`) applies only this file" in sql
    script = (folder / "migration.py").read_text()
    assert "def up(db):" in script and "def down(db):" in script
    db = carrierdb.connect(carrierdb_url)
    report = db.migrations(tmp_path / "migrations").deploy()  # the template runs as it is
    assert report.ok and report.names == [folder.name]
    assert db.migrations(tmp_path / "migrations").rollback().names == [folder.name]
    db.close()


def test_a_data_step_in_a_migration_outside_a_transaction_is_refused(db, project):
    write(project / "migrations" / "20240102000000_concurrent",
          {"migration.sql": "-- carrierdb:no-transaction\nCREATE INDEX trucks_plate ON trucks (plate);\n", "migration.py": BACKFILL})
    with pytest.raises(carrierdb.MigrationFileError, match="runs inside the migration's transaction"):
        db.migrations(project / "migrations").status()


CHILD = """
import sys
import carrierdb
db = carrierdb.connect(sys.argv[1], schema=sys.argv[3])
try:
    db.migrations(sys.argv[2]).deploy()
except carrierdb.Interrupted as stop:
    print("INTERRUPTED", stop.committed, stop.message, flush=True)
    sys.exit(130)
print("DEPLOYED", flush=True)
"""

SLOW_UP = """\
import pathlib
import time


def up(db):
    db.truck.update_many({{}}, {{"region": "EU"}})
    pathlib.Path({marker!r}).write_text("running")
    for _ in range(100000):
        db.query("SELECT count(*) AS n FROM trucks")
        time.sleep(0.005)
"""


def test_ctrl_c_during_up_rolls_the_migration_back_and_says_so(carrierdb_url, db, project):
    marker = project / "in_up"
    folder = add_region(project, SLOW_UP.format(marker=str(marker)))
    db.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, carrierdb_url, str(project / "migrations"), str(project / "schema.prisma")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()  # a child stuck on a lock must not hang the test
            pytest.fail("up() never started:\n" + child.communicate()[0])
        time.sleep(0.02)
    time.sleep(0.2)
    sent = time.monotonic()
    os.kill(child.pid, signal.SIGINT)
    output, _ = child.communicate(timeout=30)
    ended = time.monotonic()
    assert child.returncode == 130, output
    assert ended - sent < 2.0, f"stopped {ended - sent:.2f} s after the signal\n{output}"
    assert f"INTERRUPTED False deploy was interrupted while applying {folder.name}: its changes were rolled back" in output
    assert columns(db) == {"id", "plate"}
    assert history(db, folder.name) == []
    assert db.migrations(project / "migrations").status().pending == [folder.name]
