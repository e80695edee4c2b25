"""The migration lock across processes: concurrent deploys, a killed deploy, lock timeouts."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import carrierdb


def slow_sql(backend: str, seconds: int) -> str:
    """A statement that keeps the database busy for roughly `seconds`."""
    if backend == "postgresql":
        return f"SELECT pg_sleep({seconds})"
    rows = 4_000_000 * seconds
    return f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) SELECT count(*) FROM c"


def make_migrations(folder: Path, backend: str, slow_seconds: int) -> list[str]:
    names = ["20240101000000_carriers", "20240102000000_slow", "20240103000000_index"]
    sql = [
        "CREATE TABLE carriers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
        f"CREATE TABLE slow_marker (id INTEGER);\nINSERT INTO slow_marker (id) VALUES (1);\n{slow_sql(backend, slow_seconds)};",
        "CREATE INDEX carriers_name_idx ON carriers (name);",
    ]
    for name, text in zip(names, sql):
        (folder / name).mkdir(parents=True)
        (folder / name / "migration.sql").write_text(text)
    return names


def history(url: str) -> list[dict]:
    db = carrierdb.connect(url)
    try:
        return db.query("SELECT migration_name, finished_at, rolled_back_at, logs FROM _prisma_migrations")
    finally:
        db.close()


def test_eight_concurrent_deploys_apply_each_migration_exactly_once(carrierdb_backend, carrierdb_url, tmp_path: Path):
    folder = tmp_path / "migrations"
    names = make_migrations(folder, carrierdb_backend, slow_seconds=1)
    start_at = time.time() + 3.0  # every process imports first, then all start together
    launcher = textwrap.dedent(
        """
        import sys, time
        from carrierdb.cli import main
        time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
        sys.exit(main(sys.argv[2:]))
        """
    )
    procs = []
    for k in range(8):
        # Half wait patiently, half give up quickly: both outcomes must be clean.
        lock_timeout = "30" if k % 2 == 0 else "0.05"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", launcher, str(start_at), "migrate", "deploy", "--json", "--url", carrierdb_url,
                 "--dir", str(folder), "--lock-timeout", lock_timeout],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = [code for code, _, _ in results]
    assert set(codes) <= {0, 4}, results
    assert codes.count(0) >= 4  # the patient ones all succeed
    for code, out, _ in results:
        payload = json.loads(out)
        if code == 4:
            assert payload["error"] == "OperationTimeout" and "lock" in payload["message"]
    applied_by = [json.loads(out)["migrations"] for code, out, _ in results if code == 0]
    assert sorted(m["name"] for run in applied_by for m in run) == names  # each applied by exactly one process
    rows = history(carrierdb_url)
    assert sorted(r["migration_name"] for r in rows) == names
    assert all(r["finished_at"] is not None and r["rolled_back_at"] is None and r["logs"] is None for r in rows)
    db = carrierdb.connect(carrierdb_url)
    assert db.query("SELECT count(*) AS n FROM slow_marker") == [{"n": 1}]


def test_deploy_killed_mid_migration_leaves_nothing_and_the_next_deploy_completes(carrierdb_backend, carrierdb_url, tmp_path: Path):
    folder = tmp_path / "migrations"
    names = make_migrations(folder, carrierdb_backend, slow_seconds=3)
    child = textwrap.dedent(
        """
        import sys, carrierdb
        db = carrierdb.connect(sys.argv[1])
        def progress(index, total, name, finished, seconds):
            if not finished:
                print("START", name, flush=True)
        db.migrations(sys.argv[2]).deploy(progress=progress)
        print("DONE", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child, carrierdb_url, str(folder)], stdout=subprocess.PIPE, text=True)
    while True:
        line = proc.stdout.readline()
        assert line, "the deploy ended before the slow migration started"
        if line.strip() == f"START {names[1]}":
            break
    time.sleep(0.7)  # well inside the slow statement
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    db = carrierdb.connect(carrierdb_url)
    # The killed migration's first statements never became visible.
    assert "slow_marker" not in db.table_names()
    status = db.migrations(folder, lock_timeout=30).status()
    assert [e.state for e in status.entries] == ["applied", "pending", "pending"]  # no orphaned attempt
    report = db.migrations(folder, lock_timeout=30).deploy()
    assert report.names == names[1:]
    assert db.query("SELECT count(*) AS n FROM slow_marker") == [{"n": 1}]
    rows = history(carrierdb_url)
    assert sorted(r["migration_name"] for r in rows) == names and all(r["finished_at"] for r in rows)


@pytest.mark.postgres_only
def test_prisma_holding_the_advisory_lock_makes_deploy_wait_then_time_out(carrierdb_backend, carrierdb_url, tmp_path: Path):
    folder = tmp_path / "migrations"
    make_migrations(folder, carrierdb_backend, slow_seconds=0)
    prisma = carrierdb.connect(carrierdb_url, pool_size=1, application_name="prisma-migrate")
    with prisma.transaction():  # keep one session: the lock is session-level
        prisma.query("SELECT pg_advisory_lock(72707369)")
        db = carrierdb.connect(carrierdb_url)
        with pytest.raises(carrierdb.OperationTimeout) as info:
            db.migrations(folder, lock_timeout=0.3).deploy()
        assert "72707369" in str(info.value) and "prisma-migrate" in str(info.value)
        assert "_prisma_migrations" not in db.table_names()
        prisma.query("SELECT pg_advisory_unlock(72707369)")
    assert db.migrations(folder).deploy().ok


@pytest.mark.sqlite_only
def test_sqlite_lock_held_by_another_process_times_out(carrierdb_backend, carrierdb_url, tmp_path: Path):
    folder = tmp_path / "migrations"
    make_migrations(folder, carrierdb_backend, slow_seconds=0)
    db_path = carrierdb_url.removeprefix("sqlite:")
    with open(db_path + ".lock", "w") as held:  # what a running deploy holds
        fcntl.flock(held, fcntl.LOCK_EX)
        db = carrierdb.connect(carrierdb_url)
        with pytest.raises(carrierdb.OperationTimeout, match="lock"):
            db.migrations(folder, lock_timeout=0.2).deploy()
        fcntl.flock(held, fcntl.LOCK_UN)
    assert db.migrations(folder).deploy().ok


def test_lock_is_released_after_a_failed_migration(carrierdb_backend, carrierdb_url, tmp_path: Path):
    """Prisma has been known to keep its lock after a failure; carrierdb must not."""
    folder = tmp_path / "migrations"
    (folder / "20240101000000_bad").mkdir(parents=True)
    (folder / "20240101000000_bad" / "migration.sql").write_text("SELECT * FROM nowhere;")
    db = carrierdb.connect(carrierdb_url)
    with pytest.raises(carrierdb.MigrationFailed):
        db.migrations(folder).deploy()
    other = carrierdb.connect(carrierdb_url)
    with pytest.raises(carrierdb.FailedMigrationPending):  # not a lock timeout
        other.migrations(folder, lock_timeout=0.2).deploy()
