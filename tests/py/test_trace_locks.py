"""`carrierdb migrate deploy --dry-run --trace-locks`: the locks each statement of the pending
migrations took on a real PostgreSQL (pg_locks), what they block, and that nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands

INIT = 'CREATE TABLE "Truck" ("id" SERIAL PRIMARY KEY, "plate" TEXT NOT NULL);\n'


def add(migrations: Path, name: str, sql: str) -> None:
    (migrations / name).mkdir(parents=True)
    (migrations / name / "migration.sql").write_text(sql)
    (migrations / name / "migration.sqlite.sql").write_text(sql)


@pytest.fixture
def migrations(tmp_path: Path, carrierdb_url: str) -> Path:
    folder = tmp_path / "migrations"
    add(folder, "20240101000000_init", INIT)
    with carrierdb.connect(carrierdb_url) as db:
        db.migrations(folder).deploy()
    add(folder, "20240202000000_axles", 'SET lock_timeout = \'5s\';\nALTER TABLE "Truck" ADD COLUMN "axles" INTEGER;\n')
    add(folder, "20240303000000_plate_index", 'CREATE INDEX "Truck_plate_idx" ON "Truck"("plate");\n')
    add(folder, "20240404000000_concurrent", '-- carrierdb:no-transaction\nCREATE INDEX CONCURRENTLY "Truck_axles_idx" ON "Truck"("axles");\n')
    return folder


def locks_of(report, migration: str) -> list[tuple[int, str, str, bool]]:
    [trace] = [t for t in report.lock_traces if t.migration == migration]
    return [(s.line, lock.relation, lock.mode, lock.created) for s in trace.statements for lock in s.locks]


@pytest.mark.postgres_only
def test_trace_reports_each_statements_locks_and_changes_nothing(carrierdb_url, migrations):
    with carrierdb.connect(carrierdb_url) as db:
        before = db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'Truck' ORDER BY 1")
    report = commands.migrate_deploy(carrierdb_url, directory=migrations, dry_run=True, trace_locks=True)
    assert [t.migration for t in report.lock_traces] == ["20240202000000_axles", "20240303000000_plate_index", "20240404000000_concurrent"]
    assert locks_of(report, "20240202000000_axles") == [(2, '"Truck"', "AccessExclusiveLock", False)]
    assert locks_of(report, "20240303000000_plate_index") == [(1, '"Truck"', "ShareLock", False),
                                                              (1, '"Truck_plate_idx"', "AccessExclusiveLock", True)]
    axles = report.lock_traces[0]
    assert axles.traced and axles.statements[0].locks == [] and axles.statements[1].held_seconds > 0
    assert "all reads and writes" in axles.statements[1].locks[0].blocks
    share = report.lock_traces[1].statements[0].locks[0]
    assert "all writes" in share.blocks and "reads (SELECT) go on" in share.blocks
    concurrent = report.lock_traces[2]
    assert not concurrent.traced and concurrent.statements == [] and "no-transaction" in concurrent.not_traced
    with carrierdb.connect(carrierdb_url) as db:
        assert db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'Truck' ORDER BY 1") == before
        assert db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'Truck' AND indexname <> 'Truck_pkey'") == []
        assert db.migrations(migrations).status().pending == ["20240202000000_axles", "20240303000000_plate_index",
                                                               "20240404000000_concurrent"]


@pytest.mark.postgres_only
def test_cli_prints_the_trace_and_its_json(run_cli, carrierdb_url, migrations):
    text = run_cli("migrate", "deploy", "--dry-run", "--trace-locks", "--url", carrierdb_url, "--dir", str(migrations))
    assert text.returncode == 0, text.stderr
    assert 'AccessExclusiveLock on "Truck"' in text.stdout and 'ShareLock on "Truck"' in text.stdout
    assert "20240404000000_concurrent: not traced: not run: cannot run inside the dry run's transaction" in text.stdout
    data = json.loads(run_cli("migrate", "deploy", "--dry-run", "--trace-locks", "--json", "--url", carrierdb_url,
                              "--dir", str(migrations)).stdout)
    lock = data["lock_traces"][1]["statements"][0]["locks"][0]
    assert lock == {"relation": '"Truck"', "mode": "ShareLock", "blocks": lock["blocks"], "created": False}
    assert data["lock_traces"][2]["traced"] is False


def test_trace_locks_is_refused_without_dry_run_and_on_sqlite(carrierdb_url, carrierdb_backend, migrations):
    with pytest.raises(carrierdb.ConfigurationError, match="--dry-run"):
        commands.migrate_deploy(carrierdb_url, directory=migrations, trace_locks=True)
    if carrierdb_backend == "sqlite":
        with pytest.raises(carrierdb.ConfigurationError, match="SQLite takes one database-wide write lock"):
            commands.migrate_deploy(carrierdb_url, directory=migrations, dry_run=True, trace_locks=True)
    with carrierdb.connect(carrierdb_url) as db:
        assert len(db.migrations(migrations).status().pending) == 3


@pytest.mark.postgres_only
def test_a_dropped_table_keeps_its_lock_under_its_name(carrierdb_url, tmp_path):
    """DROP TABLE's ACCESS EXCLUSIVE lock is the one that matters, though the table's catalog row is gone."""
    folder = tmp_path / "migrations"
    add(folder, "20240101000000_init", INIT + 'CREATE TABLE "Old" ("id" INTEGER);\n')
    with carrierdb.connect(carrierdb_url) as db:
        db.migrations(folder).deploy()
    add(folder, "20240202000000_drop", 'DROP TABLE "Old";\n')
    report = commands.migrate_deploy(carrierdb_url, directory=folder, dry_run=True, trace_locks=True)
    assert (1, '"Old"', "AccessExclusiveLock", False) in locks_of(report, "20240202000000_drop")
    with carrierdb.connect(carrierdb_url) as db:
        assert "Old" in db.table_names()
