"""migrate diff --online (PostgreSQL): new indexes on existing tables are built CONCURRENTLY in a
second, non-transactional script; new foreign keys on them are added NOT VALID and validated there.
Deployed on a real PostgreSQL, the two migrations give the schema without drift, and lint finds
none of the hazards the plain script has."""

from __future__ import annotations

from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "migrate_diff"
BASE = DATA / "base.prisma"


def write(folder: Path, name: str, sql: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "migration.sql").write_text(sql)


def online_migrations(tmp_path: Path, case: str) -> tuple[Path, commands.SchemaDiff]:
    folder = tmp_path / "migrations"
    write(folder, "20240101000000_base", commands.migrate_diff(from_empty=True, to_schema=BASE).script)
    diff = commands.migrate_diff(from_schema=BASE, to_schema=DATA / f"{case}.prisma", online=True)
    if diff.script:
        write(folder, "20240202000000_change", diff.script)
    write(folder, "20240202000001_change_online", diff.concurrent_script)
    (folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
    return folder, diff


@pytest.mark.postgres_only
def test_online_index_is_built_concurrently_in_its_own_migration(carrierdb_url, tmp_path):
    folder, diff = online_migrations(tmp_path, "add_index")
    assert diff.script == ""  # both indexes are on existing tables: nothing left for the transaction
    assert diff.concurrent_script.startswith("-- carrierdb:no-transaction\n")
    assert 'CREATE INDEX CONCURRENTLY "carriers_status_name_idx" ON "carriers"("status", "name");' in diff.concurrent_script
    assert 'CREATE INDEX CONCURRENTLY "trucks_carrier_id_idx" ON "trucks"("carrier_id");' in diff.concurrent_script
    with carrierdb.connect(carrierdb_url, schema=carrierdb.Schema.load(str(DATA / "add_index.prisma"))) as db:
        report = db.migrations(folder).deploy()
        assert report.ok and len(report.migrations) == 2
        assert db.schema_drift() == []
        assert db.query("SELECT count(*) AS n FROM pg_index WHERE NOT indisvalid") == [{"n": 0}]
    found = commands.migrate_lint(directory=folder)
    assert [f.rule for f in found.findings if f.migration.endswith("online")] == []
    plain = commands.migrate_diff(from_schema=BASE, to_schema=DATA / "add_index.prisma")
    assert "CONCURRENTLY" not in plain.script and plain.concurrent_script == ""


@pytest.mark.postgres_only
def test_online_foreign_key_is_added_not_valid_then_validated(carrierdb_url, tmp_path):
    folder, diff = online_migrations(tmp_path, "add_relation")
    assert ('ADD CONSTRAINT "trucks_driver_id_fkey" FOREIGN KEY ("driver_id") REFERENCES "drivers"("id") '
            'ON DELETE SET NULL ON UPDATE CASCADE NOT VALID;') in diff.script
    assert 'ALTER TABLE "trucks" VALIDATE CONSTRAINT "trucks_driver_id_fkey";' in diff.concurrent_script
    with carrierdb.connect(carrierdb_url, schema=carrierdb.Schema.load(str(DATA / "add_relation.prisma"))) as db:
        assert db.migrations(folder).deploy().ok
        assert db.schema_drift() == []
        assert db.query("SELECT convalidated FROM pg_constraint WHERE conname = 'trucks_driver_id_fkey'") == [{"convalidated": True}]
    linted = commands.migrate_lint("change", directory=folder)
    assert "constraint-not-valid" not in [f.rule for f in linted.findings]


def test_online_changes_nothing_on_sqlite_or_for_new_tables():
    sqlite = commands.migrate_diff(from_schema=BASE, to_schema=DATA / "add_index.prisma", provider="sqlite", online=True)
    assert sqlite.concurrent_script == "" and "CREATE INDEX" in sqlite.script
    fresh = commands.migrate_diff(from_empty=True, to_schema=BASE, online=True)
    assert fresh.concurrent_script == "" and fresh.script == commands.migrate_diff(from_empty=True, to_schema=BASE).script
