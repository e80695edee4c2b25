"""Behaviours found missing in review: each pinned by a test."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import carrierdb


def write(folder: Path, name: str, up: str, down: str | None = None) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "migration.sql").write_bytes(up.encode() if isinstance(up, str) else up)
    if down is not None:
        (folder / name / "down.sql").write_text(down)


@pytest.mark.postgres_only
def test_migration_with_its_own_begin_commit_is_not_run_in_a_dry_run(carrierdb_backend, carrierdb_db, tmp_path: Path):
    """Prisma writes BEGIN; ... COMMIT; into enum migrations: inside our transaction that COMMIT
    would end it and make the dry run real."""
    folder = tmp_path / "m"
    write(folder, "20240101000000_enum", "BEGIN;\nCREATE TYPE \"Mood\" AS ENUM ('OK', 'BAD');\nCOMMIT;\n")
    write(folder, "20240102000000_table", "CREATE TABLE t (id INTEGER);")
    migrations = carrierdb_db.migrations(folder)
    report = migrations.deploy(dry_run=True)
    first = report.migrations[0]
    assert first["skipped"] and "BEGIN/COMMIT" in first["error"]
    assert carrierdb_db.query("SELECT count(*) AS n FROM pg_type WHERE typname = 'Mood'") == [{"n": 0}]
    assert carrierdb_db.table_names() == []
    entries = migrations.status().entries
    assert not entries[0].transactional
    assert migrations.deploy().names == ["20240101000000_enum", "20240102000000_table"]
    assert carrierdb_db.query("SELECT count(*) AS n FROM pg_type WHERE typname = 'Mood'") == [{"n": 1}]


@pytest.mark.postgres_only
def test_down_migration_honours_the_no_transaction_directive(carrierdb_backend, carrierdb_db, tmp_path: Path):
    folder = tmp_path / "m"
    write(folder, "20240101000000_t", "CREATE TABLE t (id INTEGER, name TEXT);")
    write(
        folder,
        "20240102000000_idx",
        "-- carrierdb:no-transaction\nCREATE INDEX CONCURRENTLY t_name ON t (name);",
        "-- carrierdb:no-transaction\nDROP INDEX CONCURRENTLY t_name;",
    )
    migrations = carrierdb_db.migrations(folder)
    migrations.deploy()
    assert migrations.rollback().names == ["20240102000000_idx"]
    assert carrierdb_db.query("SELECT count(*) AS n FROM pg_indexes WHERE indexname = 't_name'") == [{"n": 0}]


@pytest.mark.postgres_only
def test_reset_leaves_extension_objects_alone(carrierdb_backend, carrierdb_db, tmp_path: Path):
    carrierdb_db.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"')
    folder = tmp_path / "m"
    write(folder, "20240101000000_t", "CREATE TABLE t (id UUID DEFAULT uuid_generate_v4());")
    migrations = carrierdb_db.migrations(folder)
    migrations.deploy()
    assert migrations.reset().names == ["20240101000000_t"]
    assert carrierdb_db.query("SELECT count(*) AS n FROM pg_extension WHERE extname = 'uuid-ossp'") == [{"n": 1}]


def test_password_variants_never_reach_messages():
    shown = carrierdb._core.parse_url("postgresql://u:pw@h:5432/db?sslpassword=key-secret&sslmode=require")["display"]
    assert "key-secret" not in shown and "sslmode=require" in shown
    assert "key-secret" not in carrierdb.mask_url("postgresql://u@h/db?sslpassword=key-secret")
    # A raw '@' or '/' in the password is a malformed URL; no part of the password is echoed.
    for url, secret in [("postgresql://u:p@ss@h/db", "ss"), ("postgresql://u:abc/def@h/db", "abc")]:
        with pytest.raises(carrierdb.ConfigurationError) as info:
            carrierdb.connect(url)
        assert secret not in str(info.value).replace("postgresql", "").replace("password", "").replace("%", "")
        assert "percent-encode" in info.value.hint
    assert carrierdb.mask_url("postgresql://u:p@ss@h/db") == "postgresql://u:****@h/db"


def test_a_raw_begin_does_not_leak_into_the_pool(carrierdb_db):
    carrierdb_db.execute("CREATE TABLE t (id INTEGER)")
    carrierdb_db.execute("BEGIN")  # no transaction() block: the connection goes back to the pool
    carrierdb_db.execute("INSERT INTO t VALUES (1)")
    other = carrierdb.connect(carrierdb_db.resolution.url)
    assert other.query("SELECT count(*) AS n FROM t") == [{"n": 1}]  # committed, not stuck in a transaction
    assert not carrierdb_db.in_transaction


def test_a_thread_that_dies_inside_a_transaction_rolls_it_back(carrierdb_db):
    carrierdb_db.execute("CREATE TABLE t (id INTEGER)")

    def forgetful() -> None:
        carrierdb_db._db.begin()
        carrierdb_db.execute("INSERT INTO t VALUES (1)")
        # returns without commit or rollback

    for _ in range(6):  # more threads than the pool has connections
        worker = threading.Thread(target=forgetful)
        worker.start()
        worker.join()
    assert carrierdb_db.query("SELECT count(*) AS n FROM t") == [{"n": 0}]
    assert carrierdb_db._db.transaction_depth == 0
    assert carrierdb_db._db.open_connections <= carrierdb_db._db.pool_size


@pytest.mark.sqlite_only
def test_non_utf8_migration_error_still_raises_migration_failed(carrierdb_backend, carrierdb_db, tmp_path: Path):
    folder = tmp_path / "m"
    write(folder, "20240101000000_latin1", b"SELECT * FROM caf\xe9_table;")
    with pytest.raises(carrierdb.MigrationFailed) as info:
        carrierdb_db.migrations(folder).deploy()
    assert "caf" in str(info.value)


@pytest.mark.sqlite_only
def test_sqlite_ddl_reports_no_affected_rows(carrierdb_backend, carrierdb_db):
    carrierdb_db.execute("CREATE TABLE t (id INTEGER)")
    carrierdb_db.execute_script("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);")
    assert carrierdb_db.execute("UPDATE t SET id = id + 1") == 2
    assert carrierdb_db.execute("CREATE TABLE u (id INTEGER)") == 0
