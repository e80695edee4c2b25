"""Read-only targets: writing commands refuse before acting, and nothing claims a record that was
not written. On a real streaming standby, a read-only PostgreSQL session, and read-only SQLite
files, directories and URLs."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

import carrierdb

REPO = Path(__file__).resolve().parents[2]
PENDING = "20990101000000_add_notes"


def make_project(base: Path) -> Path:
    """The project's schema, migrations and testing seeds, plus one more migration that is not
    applied yet: a copy anyone can read (the read-only cases run as an unprivileged user)."""
    project = base / "project"
    shutil.copytree(REPO / "migrations", project / "migrations")
    shutil.copy(REPO / "schema.prisma", project / "schema.prisma")
    for part in ("testing", "shared"):
        shutil.copytree(REPO / "seeds" / part, project / "seeds" / part)
    for path in (project, *project.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return project


def add_pending_migration(project: Path) -> None:
    folder = project / "migrations" / PENDING
    folder.mkdir()
    for suffix in ("", ".sqlite"):  # the same SQL on both backends
        (folder / f"migration{suffix}.sql").write_text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n")
        (folder / f"down{suffix}.sql").write_text("DROP TABLE notes;\n")
    for path in (folder, *folder.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)


def prepare(url: str, project: Path) -> None:
    """Every project migration applied; one more (PENDING) waiting in the folder."""
    with carrierdb.connect(url, schema=project / "schema.prisma") as db:
        db.migrations(project / "migrations").deploy()
    add_pending_migration(project)


def state(url: str) -> dict[str, Any]:
    """What a refused command must leave exactly as it was."""
    with carrierdb.connect(url, pool_size=1) as db:
        tables = db.table_names()
        return {
            "schema": db.schema_snapshot(),
            "history": db.query("SELECT migration_name, finished_at IS NULL AS failed, rolled_back_at IS NULL AS live "
                                "FROM _prisma_migrations ORDER BY migration_name, started_at"),
            "seeds": db.query("SELECT count(*) AS n FROM _carrierdb_seeds")[0]["n"] if "_carrierdb_seeds" in tables else None,
            "carriers": db.query("SELECT count(*) AS n FROM carriers")[0]["n"],
        }


# Every writing command, as a user runs it from Python, on the database at `url`.
OPERATIONS: dict[str, Callable[[Any, Path], Any]] = {
    "deploy": lambda db, p: db.migrations(p / "migrations").deploy(),
    "deploy_dry_run": lambda db, p: db.migrations(p / "migrations").deploy(dry_run=True),
    "rollback": lambda db, p: db.migrations(p / "migrations").rollback(),
    "resolve": lambda db, p: db.migrations(p / "migrations").resolve(applied=PENDING),
    "reset": lambda db, p: db.migrations(p / "migrations").reset(),
    "seed": lambda db, p: db.seeds.apply("testing", directory=p / "seeds"),
    "seed_records": lambda db, p: db.seeds.records("Carrier", [{"name": "Read Only Freight", "mcNumber": "MC990001"}]),
    "seed_records_dataframe": lambda db, p: db.seeds.records("Carrier", pd.DataFrame({"name": ["Frame Freight"], "mcNumber": ["MC990004"]})),
    "update_many": lambda db, p: db.carrier.update_many({"status": "ACTIVE"}, {"status": "INACTIVE"}),
    "create": lambda db, p: db.carrier.create({"name": "Read Only Freight", "mcNumber": "MC990002"}),
    "create_many": lambda db, p: db.carrier.create_many([{"name": f"Bulk {k}", "mcNumber": f"MC99100{k}"} for k in range(3)]),
}


def attempt(url: str, project: Path, operation: str) -> tuple[str, str]:
    """Runs one operation; returns (error class, full message incl. hint), or ("", "") on success."""
    try:
        with carrierdb.connect(url, schema=project / "schema.prisma") as db:
            OPERATIONS[operation](db, project)
    except carrierdb.CarrierDBError as error:
        return type(error).__name__, str(error)
    return "", ""


def as_nobody(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` as an unprivileged user, in a child process (its result must be JSON):
    root passes every permission check, so a read-only file or directory is only read-only for
    someone else."""
    if os.geteuid() != 0:
        return json.loads(json.dumps(function(*args)))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        try:
            os.setgid(65534)
            os.setuid(65534)
            outcome = function(*args)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            outcome = [f"unexpected {type(e).__name__}", str(e)]
        os.write(write_end, json.dumps(outcome).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reported = pipe.read().decode()
    os.waitpid(pid, 0)
    return json.loads(reported)


def give_to_nobody(folder: Path) -> None:
    """As root, hand the database folder to the user `as_nobody` runs as (it is the user's own otherwise)."""
    if os.geteuid() == 0:
        for item in (folder, *folder.iterdir()):
            shutil.chown(item, 65534, 65534)


@pytest.fixture
def shared_base():
    """A directory the unprivileged user can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="carrierdb-readonly-"))
    base.chmod(0o755)
    yield base
    for path in (base, *base.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(base)


# -- a real hot standby ------------------------------------------------------------------------

@pytest.mark.postgres_only
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_writing_commands_on_a_hot_standby_are_refused_and_record_nothing(carrierdb_backend, carrierdb_url, pg_standby, tmp_path, operation):
    project = make_project(tmp_path)
    prepare(carrierdb_url, project)
    before = state(carrierdb_url)
    pg_standby.catch_up()

    error, message = attempt(pg_standby.url_for(carrierdb_url), project, operation)

    assert error == "ReadOnlyError", message
    assert "is read-only: the server is a hot standby" in message
    assert "point DATABASE_URL (and DIRECT_URL" in message and "primary" in message
    assert "recorded as failed" not in message
    assert ("nothing was written" if operation in ("create", "create_many", "update_many") else "nothing was changed") in message
    assert state(carrierdb_url) == before


@pytest.mark.postgres_only
def test_cli_deploy_to_a_hot_standby_exits_3_with_the_message(carrierdb_backend, carrierdb_url, pg_standby, tmp_path, run_cli):
    project = make_project(tmp_path)
    prepare(carrierdb_url, project)
    before = state(carrierdb_url)
    pg_standby.catch_up()

    done = run_cli("migrate", "deploy", "--url", pg_standby.url_for(carrierdb_url), "--dir", str(project / "migrations"))

    assert done.returncode == 3, done.stderr
    assert "ReadOnlyError: cannot deploy migrations" in done.stderr
    assert "hot standby" in done.stderr and "primary" in done.stderr
    assert state(carrierdb_url) == before


@pytest.mark.postgres_only
@pytest.mark.parametrize("operation", ["deploy", "seed", "create"])
def test_a_default_read_only_session_is_refused(carrierdb_backend, carrierdb_url, tmp_path, operation):
    project = make_project(tmp_path)
    prepare(carrierdb_url, project)
    before = state(carrierdb_url)
    with carrierdb.connect(carrierdb_url, pool_size=1) as db:
        name = db.query("SELECT current_database() AS d")[0]["d"]
        db.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')

    error, message = attempt(carrierdb_url, project, operation)

    assert error == "ReadOnlyError", message
    assert "default_transaction_read_only is on" in message
    with carrierdb.connect(carrierdb_url, pool_size=1) as db:
        db.execute("SET default_transaction_read_only = off")
        db.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    assert state(carrierdb_url) == before


# -- read-only SQLite files, directories and URLs --------------------------------------------

@pytest.mark.sqlite_only
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("read_only", ["file", "directory"])
def test_writing_commands_on_a_read_only_sqlite_database_are_refused(carrierdb_backend, shared_base, read_only, operation):
    project = make_project(shared_base)
    folder = shared_base / "data"
    folder.mkdir()
    path = folder / "app.db"
    url = f"sqlite:{path}"
    prepare(url, project)
    before = state(url)
    give_to_nobody(folder)
    if read_only == "file":
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    else:
        folder.chmod(0o555)

    error, message = as_nobody(attempt, url, project, operation)

    assert error == "ReadOnlyError", message
    if read_only == "file":
        assert f"the file {path} is not writable by this process" in message
    else:
        assert f"its directory {folder} is not writable by this process" in message and "app.db-wal" in message
    assert "recorded as failed" not in message
    folder.chmod(0o755)
    assert state(url) == before


def count_carriers(url: str) -> Any:
    try:
        with carrierdb.connect(url) as db:
            return db.query("SELECT count(*) AS n FROM carriers")[0]["n"]
    except carrierdb.CarrierDBError as error:
        return [type(error).__name__, str(error)]


@pytest.mark.sqlite_only
def test_a_wal_database_in_a_read_only_directory_reads_with_immutable(carrierdb_backend, shared_base):
    project = make_project(shared_base)
    folder = shared_base / "data"
    folder.mkdir()
    prepare(f"sqlite:{folder / 'app.db'}", project)
    with carrierdb.connect(f"sqlite:{folder / 'app.db'}", schema=project / "schema.prisma") as db:
        db.carrier.create({"name": "Kept Freight", "mcNumber": "MC990100"})
    give_to_nobody(folder)
    folder.chmod(0o555)

    # WAL needs its -shm file even to read; the error says how to read in place.
    error, message = as_nobody(count_carriers, f"sqlite:{folder / 'app.db'}")
    assert error == "ReadOnlyError" and "?immutable=1" in message, message
    assert as_nobody(count_carriers, f"sqlite:{folder / 'app.db'}?immutable=1") == 1


@pytest.mark.postgres_only
def test_a_write_in_a_read_only_transaction_is_a_read_only_error(carrierdb_backend, carrierdb_migrated_db):
    db = carrierdb_migrated_db
    with pytest.raises(carrierdb.ReadOnlyError) as info:
        with db.transaction():
            db.execute("SET TRANSACTION READ ONLY")
            db.carrier.create({"name": "Read Only Freight", "mcNumber": "MC990003"})
    assert "the transaction is read-only" in str(info.value) and "nothing was written" in str(info.value)
    assert db.carrier.count() == 0


@pytest.mark.sqlite_only
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_writing_commands_on_a_mode_ro_sqlite_url_are_refused(carrierdb_backend, tmp_path, operation):
    project = make_project(tmp_path)
    path = tmp_path / "app.db"
    prepare(f"sqlite:{path}", project)
    before = state(f"sqlite:{path}")

    error, message = attempt(f"sqlite:{path}?mode=ro", project, operation)

    assert error == "ReadOnlyError", message
    assert "opened read-only (mode=ro in the URL)" in message
    assert state(f"sqlite:{path}") == before


@pytest.mark.sqlite_only
def test_a_read_only_sqlite_url_still_reads(carrierdb_backend, tmp_path):
    project = make_project(tmp_path)
    path = tmp_path / "app.db"
    prepare(f"sqlite:{path}", project)
    with carrierdb.connect(f"sqlite:{path}?mode=ro", schema=project / "schema.prisma") as db:
        assert db.url.endswith("app.db?mode=ro")
        assert db.migrations(project / "migrations").status().pending == [PENDING]
        assert db.carrier.count() == 0


def test_unknown_sqlite_mode_is_a_configuration_error(tmp_path):
    with pytest.raises(carrierdb.ConfigurationError, match="mode must be ro, rw or rwc"):
        carrierdb.connect(f"sqlite:{tmp_path}/app.db?mode=readonly")
    assert list(tmp_path.iterdir()) == []


# -- a failed migration whose history write fails ---------------------------------------------

FREEZE_HISTORY = {
    # Refuse the rows (or updates) that record a failed attempt: finished_at IS NULL / logs set.
    "postgresql": """
        CREATE FUNCTION refuse_history() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the history is frozen for this test'; END $$;
        CREATE TRIGGER freeze_insert BEFORE INSERT ON _prisma_migrations FOR EACH ROW
          WHEN (NEW.finished_at IS NULL AND NEW.logs IS NOT NULL) EXECUTE FUNCTION refuse_history();
        CREATE TRIGGER freeze_update BEFORE UPDATE ON _prisma_migrations FOR EACH ROW
          WHEN (NEW.logs IS NOT NULL) EXECUTE FUNCTION refuse_history();
    """,
    "sqlite": """
        CREATE TRIGGER freeze_insert BEFORE INSERT ON _prisma_migrations
          WHEN NEW.finished_at IS NULL AND NEW.logs IS NOT NULL BEGIN SELECT RAISE(ABORT, 'the history is frozen for this test'); END;
        CREATE TRIGGER freeze_update BEFORE UPDATE ON _prisma_migrations
          WHEN NEW.logs IS NOT NULL BEGIN SELECT RAISE(ABORT, 'the history is frozen for this test'); END;
    """,
}


@pytest.mark.parametrize("transactional", [True, False], ids=["in_a_transaction", "outside_a_transaction"])
def test_a_failed_migration_whose_history_write_fails_does_not_claim_a_record(carrierdb_backend, carrierdb_db, tmp_path, transactional):
    migrations = tmp_path / "migrations"
    first = migrations / "20240101000000_first"
    first.mkdir(parents=True)
    (first / "migration.sql").write_text("CREATE TABLE first_table (id INTEGER PRIMARY KEY);\n")
    carrierdb_db.migrations(migrations).deploy()
    carrierdb_db.execute_script(FREEZE_HISTORY[carrierdb_backend])
    broken = migrations / "20240102000000_broken"
    broken.mkdir()
    header = "" if transactional else "-- carrierdb:no-transaction\n"
    (broken / "migration.sql").write_text(header + "CREATE TABLE second_table (id INTEGER PRIMARY KEY);\nSELECT * FROM no_such_table;\n")

    with pytest.raises(carrierdb.MigrationFailed) as info:
        carrierdb_db.migrations(migrations).deploy()

    message = str(info.value)
    assert "no_such_table" in message
    assert "the history is frozen for this test" in message  # why it could not be recorded
    assert "the attempt is recorded as failed." not in message
    status = carrierdb_db.migrations(migrations).status()
    if transactional:
        assert "could not be recorded" in message and "nothing is on record" in message
        assert "resolve --rolled-back" not in message  # nothing to resolve
        assert status.pending == ["20240102000000_broken"]
    else:
        # The attempt row written before it started is there; its error is not.
        assert "without this error, which could not be added" in message
        assert status.by_state("failed") == ["20240102000000_broken"]
        assert status.entries[-1].logs.startswith("(no error recorded")


REFUSE_RECORDS = {
    # Refuse the rows that record success: a finished attempt, a rollback.
    "postgresql": """
        CREATE FUNCTION refuse_history() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the history is frozen for this test'; END $$;
        CREATE TRIGGER freeze_finished BEFORE INSERT ON _prisma_migrations FOR EACH ROW
          WHEN (NEW.finished_at IS NOT NULL) EXECUTE FUNCTION refuse_history();
        CREATE TRIGGER freeze_rollback BEFORE UPDATE ON _prisma_migrations FOR EACH ROW
          WHEN (NEW.rolled_back_at IS NOT NULL) EXECUTE FUNCTION refuse_history();
    """,
    "sqlite": """
        CREATE TRIGGER freeze_finished BEFORE INSERT ON _prisma_migrations
          WHEN NEW.finished_at IS NOT NULL BEGIN SELECT RAISE(ABORT, 'the history is frozen for this test'); END;
        CREATE TRIGGER freeze_rollback BEFORE UPDATE ON _prisma_migrations
          WHEN NEW.rolled_back_at IS NOT NULL BEGIN SELECT RAISE(ABORT, 'the history is frozen for this test'); END;
    """,
}


def test_a_refused_history_write_after_the_sql_ran_is_reported_as_that(carrierdb_backend, carrierdb_db, tmp_path):
    migrations = tmp_path / "migrations"
    first = migrations / "20240101000000_first"
    first.mkdir(parents=True)
    (first / "migration.sql").write_text("CREATE TABLE first_table (id INTEGER PRIMARY KEY);\n")
    (first / "down.sql").write_text("DROP TABLE first_table;\n")
    carrierdb_db.migrations(migrations).deploy()
    carrierdb_db.execute_script(REFUSE_RECORDS[carrierdb_backend])
    second = migrations / "20240102000000_second"
    second.mkdir()
    (second / "migration.sql").write_text("CREATE TABLE second_table (id INTEGER PRIMARY KEY);\n")

    with pytest.raises(carrierdb.MigrationFailed) as deployed:
        carrierdb_db.migrations(migrations).deploy()
    message = str(deployed.value)
    assert "20240102000000_second ran, but recording it in _prisma_migrations failed" in message
    assert "the history is frozen for this test" in message and "nothing was recorded" in message
    assert "failed at line" not in message and "recorded as failed" not in message
    assert carrierdb_db.migrations(migrations).status().pending == ["20240102000000_second"]
    assert "second_table" not in carrierdb_db.table_names()

    with pytest.raises(carrierdb.MigrationFailed) as rolled_back:
        carrierdb_db.migrations(migrations).rollback()
    message = str(rolled_back.value)
    assert "down.sql ran, but recording the rollback in _prisma_migrations failed" in message
    assert "the history is frozen for this test" in message and "20240101000000_first is still applied" in message
    assert "failed at line" not in message
    assert carrierdb_db.migrations(migrations).status().applied == ["20240101000000_first"]
    assert "first_table" in carrierdb_db.table_names()


# -- read-only commands never create a SQLite file --------------------------------------------

READ_ONLY_COMMANDS = [("migrate", "status"), ("summary",), ("schema", "check"), ("seed", "status"),
                      ("seed", "export", "--model", "Carrier", "--to", "carriers.csv")]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=" ".join)
def test_read_only_commands_report_a_missing_sqlite_file_and_create_nothing(carrierdb_backend, tmp_path, run_cli, command):
    shutil.copy(REPO / "schema.prisma", tmp_path / "schema.prisma")
    missing = tmp_path / "data" / "typo.db"
    missing.parent.mkdir()

    done = run_cli(*command, "--url", f"sqlite:{missing}")

    assert done.returncode == 4, done.stderr
    assert f"SQLite database sqlite:{missing} does not exist" in done.stderr
    assert "carrierdb migrate deploy" in done.stderr
    assert list(missing.parent.iterdir()) == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=" ".join)
def test_read_only_commands_do_not_create_the_embedded_default(carrierdb_backend, tmp_path, run_cli, command):
    shutil.copy(REPO / "schema.prisma", tmp_path / "schema.prisma")

    done = run_cli(*command)

    assert done.returncode == 4, done.stderr
    assert "does not exist" in done.stderr and str(tmp_path / ".carrierdb") in done.stderr
    assert not (tmp_path / ".carrierdb").exists()


@pytest.mark.sqlite_only
def test_connect_without_create_reports_a_missing_file(carrierdb_backend, tmp_path):
    missing = tmp_path / "missing.db"
    with pytest.raises(carrierdb.ConnectionFailed, match="does not exist") as info:
        carrierdb.connect(f"sqlite:{missing}", create=False)
    assert str(missing) in str(info.value)
    assert not missing.exists()
    with carrierdb.connect(f"sqlite:{missing}") as db:  # the default still creates it
        assert db.query("SELECT 1 AS one") == [{"one": 1}]
    assert missing.exists()
