"""Migrations through a transaction-mode connection pooler (a real PgBouncer): correct or refused, never corrupt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

import carrierdb
from carrierdb.pytest_plugin import with_database

LOCK_KEY = 72707369

MIGRATIONS = {
    "20240101000000_carriers": "CREATE TYPE carrier_status AS ENUM ('ACTIVE', 'SUSPENDED');\n"
    "CREATE TABLE carriers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status carrier_status NOT NULL DEFAULT 'ACTIVE');",
    "20240102000000_slow": "CREATE TABLE slow_marker (id INTEGER);\nINSERT INTO slow_marker (id) VALUES (1);\nSELECT pg_sleep(0.2);",
    "20240103000000_index": "CREATE UNIQUE INDEX carriers_name_key ON carriers (name);",
    "20240104000000_lanes": "CREATE TABLE lanes (id INTEGER PRIMARY KEY, carrier_id INTEGER NOT NULL REFERENCES carriers (id));",
    # Waits for every transaction holding a snapshot in the database: the lock's must hold none.
    "20240105000000_lanes_index": "-- carrierdb:no-transaction\nCREATE INDEX CONCURRENTLY lanes_carrier_idx ON lanes (carrier_id);",
}

LAUNCHER = textwrap.dedent(
    """
    import sys, time
    from carrierdb.cli import main
    time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
    sys.exit(main(sys.argv[2:]))
    """
)


def write_migrations(folder: Path, names=None) -> list[str]:
    names = list(names or MIGRATIONS)
    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "migration.sql").write_text(MIGRATIONS[name])
    return names


def cli_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DIRECT_URL") and not k.startswith("CARRIERDB_PROJECT")}
    env["CARRIERDB_PROJECT_DIR"] = str(tmp_path)
    env.update(variables)
    return env


def advisory_locks(admin_url: str) -> list[dict]:
    """Every advisory lock on the migration key, seen on the server itself (not through the pooler)."""
    admin = carrierdb.connect(admin_url, pool_size=1)
    try:
        return admin.query(
            "SELECT pid, granted, datname FROM pg_locks l LEFT JOIN pg_database d ON d.oid = l.database "
            "WHERE locktype = 'advisory' AND classid = 0 AND objid = $1",
            [LOCK_KEY],
        )
    finally:
        admin.close()


def assert_prisma_could_lock_at_once(direct_url: str) -> None:
    """Prisma takes a session lock on the key: it must be free now, without waiting."""
    prisma = carrierdb.connect(direct_url, pool_size=1, application_name="prisma-migrate")
    try:
        with prisma.transaction():  # one session for lock and unlock
            assert prisma.query("SELECT pg_try_advisory_lock($1) AS ok", [LOCK_KEY]) == [{"ok": True}]
            assert prisma.query("SELECT pg_advisory_unlock($1) AS ok", [LOCK_KEY]) == [{"ok": True}]
    finally:
        prisma.close()


def assert_history_exactly_once(direct_url: str, names: list[str]) -> None:
    db = carrierdb.connect(direct_url, pool_size=1)
    try:
        rows = db.query("SELECT migration_name, finished_at, rolled_back_at, logs FROM _prisma_migrations ORDER BY migration_name")
        assert [r["migration_name"] for r in rows] == names, rows
        assert all(r["finished_at"] is not None and r["rolled_back_at"] is None and r["logs"] is None for r in rows), rows
        assert db.query("SELECT count(*) AS n FROM slow_marker") == [{"n": 1}]
    finally:
        db.close()


@pytest.fixture
def fresh_database(carrierdb_admin_url):
    """Creates empty databases on the test server on demand; drops them all at the end."""
    admin = carrierdb.connect(carrierdb_admin_url, pool_size=1)
    created: list[str] = []

    def create() -> str:
        name = f"carrierdb_pool_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return with_database(carrierdb_admin_url, name)

    try:
        yield create
    finally:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.parametrize("direct_url_for", ["none", "half"])
def test_concurrent_deploys_through_pgbouncer_apply_each_migration_once_and_leave_no_lock(
    direct_url_for, pgbouncer_url, fresh_database, carrierdb_admin_url, tmp_path: Path
):
    folder = tmp_path / "migrations"
    names = write_migrations(folder)
    for round_ in range(5):
        direct = fresh_database()
        pooled = pgbouncer_url(direct)
        start_at = time.time() + 1.5  # every process imports first, then all start together
        procs = []
        for k in range(8):
            variables = {"DATABASE_URL": pooled}
            if direct_url_for == "half" and k % 2:
                variables["DIRECT_URL"] = direct
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", LAUNCHER, str(start_at), "migrate", "deploy", "--json", "--dir", str(folder),
                     "--lock-timeout", "30"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path, **variables),
                )
            )
        results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
        assert [code for code, _, _ in results] == [0] * 8, (round_, results)
        applied = sorted(m["name"] for _, out, _ in results for m in json.loads(out)["migrations"])
        assert applied == names, (round_, results)  # each migration applied by exactly one process
        assert_history_exactly_once(direct, names)
        assert advisory_locks(carrierdb_admin_url) == []
        assert_prisma_could_lock_at_once(direct)


def assert_no_lock_left(admin_url: str, direct_url: str) -> None:
    assert advisory_locks(admin_url) == []
    assert_prisma_could_lock_at_once(direct_url)


def test_rollback_resolve_and_reset_through_pgbouncer_keep_history_intact_and_leave_no_lock(
    pgbouncer_url, fresh_database, carrierdb_admin_url, tmp_path: Path
):
    folder = tmp_path / "migrations"
    names = write_migrations(folder, list(MIGRATIONS)[:4])
    (folder / names[-1] / "down.sql").write_text("DROP TABLE lanes;")
    direct = fresh_database()
    db = carrierdb.connect(pgbouncer_url(direct))
    assert db.capabilities["behind_pooler"]
    migrations = db.migrations(folder, lock_timeout=10)

    assert migrations.deploy().names == names
    assert migrations.rollback().names == [names[-1]]
    assert "lanes" not in db.table_names()
    assert_no_lock_left(carrierdb_admin_url, direct)
    assert [e.state for e in migrations.status().entries] == ["applied"] * 3 + ["rolled_back"]
    assert migrations.deploy().names == [names[-1]]

    # A failed migration, resolved as rolled back through the pooler, then fixed and deployed.
    (folder / "20240107000000_broken").mkdir()
    (folder / "20240107000000_broken" / "migration.sql").write_text("CREATE TABLE broken (id INTEGER);\nSELECT no_such_function();")
    with pytest.raises(carrierdb.MigrationFailed):
        migrations.deploy()
    assert "broken" not in db.table_names()
    migrations.resolve(rolled_back="20240107000000_broken")
    (folder / "20240107000000_broken" / "migration.sql").write_text("CREATE TABLE broken (id INTEGER);")
    assert migrations.deploy().names == ["20240107000000_broken"]
    assert_no_lock_left(carrierdb_admin_url, direct)

    # Baselining: resolve --applied records a migration without running it.
    (folder / "20240108000000_baselined").mkdir()
    (folder / "20240108000000_baselined" / "migration.sql").write_text("CREATE TABLE never_run (id INTEGER);")
    migrations.resolve(applied="20240108000000_baselined")
    assert "never_run" not in db.table_names()
    assert migrations.status().needs_action is False

    report = migrations.reset()
    assert report.names == names + ["20240107000000_broken", "20240108000000_baselined"]
    assert_no_lock_left(carrierdb_admin_url, direct)
    direct_db = carrierdb.connect(direct, pool_size=1)
    rows = direct_db.query("SELECT migration_name, count(*) AS n FROM _prisma_migrations GROUP BY 1 ORDER BY 1")
    assert rows == [{"migration_name": n, "n": 1} for n in report.names]
    assert direct_db.query("SELECT count(*) AS n FROM _prisma_migrations WHERE finished_at IS NULL OR rolled_back_at IS NOT NULL") == [{"n": 0}]
    direct_db.close()
    db.close()


@pytest.mark.parametrize("through", ["server", "pgbouncer"])
def test_lock_lost_before_release_is_an_error_that_says_so(through, pgbouncer_url, fresh_database, carrierdb_admin_url, tmp_path: Path):
    """A migration that kills the connection holding the lock: the deploy must not report a clean
    finish, because the lock was not held to the end; the next deploy works and no lock remains."""
    folder = tmp_path / "migrations"
    write_migrations(folder, ["20240101000000_carriers"])
    (folder / "20240102000000_kill_lock").mkdir()
    (folder / "20240102000000_kill_lock" / "migration.sql").write_text(
        f"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = {LOCK_KEY} AND granted "
        "AND pid <> pg_backend_pid();\nSELECT pg_sleep(0.3);"
    )
    direct = fresh_database()
    db = carrierdb.connect(direct if through == "server" else pgbouncer_url(direct))
    with pytest.raises(carrierdb.OperationalError) as info:
        db.migrations(folder).deploy()
    message = str(info.value)
    assert f"advisory lock {LOCK_KEY}" in message and "not released cleanly" in message and "migrate status" in message
    assert_no_lock_left(carrierdb_admin_url, direct)
    status = db.migrations(folder).status()
    assert [e.state for e in status.entries] == ["applied", "applied"]
    assert db.query("SELECT 1 AS one") == [{"one": 1}]  # the pool still serves: the broken connection was dropped
    db.close()


@pytest.mark.postgres_only
def test_deploy_killed_through_pgbouncer_leaves_no_lock_behind(pgbouncer_url, fresh_database, carrierdb_admin_url, tmp_path: Path):
    folder = tmp_path / "migrations"
    (folder / "20240101000000_slow").mkdir(parents=True)
    (folder / "20240101000000_slow" / "migration.sql").write_text("CREATE TABLE slow_marker (id INTEGER);\nSELECT pg_sleep(5);")
    direct = fresh_database()
    proc = subprocess.Popen(
        [sys.executable, "-m", "carrierdb.cli", "migrate", "deploy", "--dir", str(folder)],
        env=cli_env(tmp_path, DATABASE_URL=pgbouncer_url(direct)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not any(lock["granted"] for lock in advisory_locks(carrierdb_admin_url)):
        assert time.monotonic() < deadline and proc.poll() is None, "the deploy never took the lock"
        time.sleep(0.05)
    time.sleep(0.3)
    proc.kill()
    proc.wait(timeout=10)
    # PgBouncer closes a server connection whose client vanished mid-transaction: the lock goes with it.
    deadline = time.monotonic() + 5
    while advisory_locks(carrierdb_admin_url):
        assert time.monotonic() < deadline, advisory_locks(carrierdb_admin_url)
        time.sleep(0.05)
    assert_prisma_could_lock_at_once(direct)


@pytest.mark.postgres_only
def test_pooler_is_detected_and_statements_are_never_prepared_through_it(carrierdb_backend, pgbouncer_url, carrierdb_url, run_cli):
    pooled = pgbouncer_url(carrierdb_url)
    direct = carrierdb.connect(carrierdb_url)
    assert direct.capabilities["behind_pooler"] is False
    clients = [carrierdb.connect(pooled, pool_size=1) for _ in range(3)]
    assert all(c.capabilities["behind_pooler"] for c in clients)
    # Each client runs its own statement often enough to be prepared, interleaved with the others
    # on shared server connections: every answer must be its own.
    for round_ in range(12):
        for k, client in enumerate(clients):
            assert client.query(f"SELECT $1::int + {k} AS v", [round_]) == [{"v": round_ + k}]
    for c in clients:
        c.close()
    out = run_cli("info", "--json", "--url", pooled)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["capabilities"]["behind_pooler"] is True
    human = run_cli("info", "--url", pooled)
    assert "connection pooler" in human.stdout
    direct.close()


@pytest.mark.postgres_only
def test_concurrent_seeds_through_pgbouncer_leave_no_seed_lock(carrierdb_backend, carrierdb_url, pgbouncer_url, carrierdb_admin_url):
    direct = carrierdb.connect(carrierdb_url)
    direct.migrations().deploy()
    pooled = carrierdb.connect(pgbouncer_url(carrierdb_url))
    errors: list[BaseException] = []

    def seed() -> None:
        try:
            pooled.seeds.apply("testing", force=True)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    for _ in range(3):
        threads = [threading.Thread(target=seed) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert direct.query("SELECT count(*) AS n FROM _carrierdb_seeds") == [{"n": 18}]
    admin = carrierdb.connect(carrierdb_admin_url, pool_size=1)
    assert admin.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid IN ($1, $2)", [LOCK_KEY, LOCK_KEY + 1]) == [{"n": 0}]
    admin.close()
    pooled.close()
    direct.close()


@pytest.mark.postgres_only
def test_a_prepared_statement_missing_on_the_server_is_rerun_unprepared(carrierdb_backend, carrierdb_url):
    """What an undetected pooler looks like: the server connection that runs the statement does
    not have it prepared. Outside a transaction the statement runs again, unprepared, and
    preparation stops for that connection."""
    db = carrierdb.connect(carrierdb_url, pool_size=1)
    for k in range(6):
        assert db.query("SELECT $1::int * 2 AS v", [k]) == [{"v": 2 * k}]
    db.execute("DEALLOCATE ALL")
    assert db.query("SELECT $1::int * 2 AS v", [21]) == [{"v": 42}]
    assert db.capabilities["behind_pooler"] is True
    with db.transaction():
        for k in range(8):
            db.query("SELECT $1::int * 3 AS v", [k])
        assert db.query("SELECT count(*) AS n FROM pg_prepared_statements") == [{"n": 0}]
    db.close()
