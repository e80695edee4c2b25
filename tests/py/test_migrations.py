"""The migration engine on both backends: deploy, status, dry-run, rollback, resolve, reset."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

import carrierdb

REPO_MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
SHIPPED = sorted(p.name for p in REPO_MIGRATIONS.iterdir() if p.is_dir())


def write_migration(folder: Path, name: str, up: str, down: str | None = None, **variants: str) -> Path:
    path = folder / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "migration.sql").write_text(up)
    if down is not None:
        (path / "down.sql").write_text(down)
    for file_name, text in variants.items():
        (path / file_name.replace("_", ".", 1).replace("_sql", ".sql")).write_text(text)
    return path


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the project's migrations folder, free to edit."""
    target = tmp_path / "migrations"
    shutil.copytree(REPO_MIGRATIONS, target)
    return target


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty migrations folder without a lock file (SQL valid on both backends)."""
    target = tmp_path / "own_migrations"
    target.mkdir()
    return target


def history(db) -> list[dict]:
    return db.query("SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name")


# -- deploy and status ---------------------------------------------------------------------------


def test_deploy_applies_the_shipped_migrations(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    assert migrations.status().pending == SHIPPED
    report = migrations.deploy()
    assert report.names == SHIPPED and report.ok
    status = migrations.status()
    assert status.applied == SHIPPED and not status.needs_action
    carrierdb_db.execute("INSERT INTO carriers (name, mc_number, updated_at) VALUES ($1, $2, $3)", ["Acme", "MC1", "2024-01-01 00:00:00"])
    assert carrierdb_db.query("SELECT status FROM carriers") == [{"status": "ACTIVE"}]
    with pytest.raises(carrierdb.UniqueViolation):
        carrierdb_db.execute("INSERT INTO carriers (name, mc_number, updated_at) VALUES ($1, $2, $3)", ["B", "MC1", "2024-01-01"])
    with pytest.raises((carrierdb.CheckViolation, carrierdb.DataError)):
        carrierdb_db.execute("INSERT INTO carriers (name, updated_at, status) VALUES ('C', '2024-01-01', 'BOGUS')")


def test_deploy_on_an_up_to_date_database_changes_nothing(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    migrations.deploy()
    schema, rows = carrierdb_db.schema_snapshot(), history(carrierdb_db)
    report = migrations.deploy()
    assert report.migrations == []
    assert carrierdb_db.schema_snapshot() == schema
    assert history(carrierdb_db) == rows


def test_history_rows_are_what_prisma_writes(carrierdb_db, shipped):
    carrierdb_db.migrations(shipped).deploy()
    rows = history(carrierdb_db)
    assert [r["migration_name"] for r in rows] == SHIPPED
    for row in rows:
        folder = shipped / row["migration_name"]
        applied_file = folder / ("migration.sqlite.sql" if carrierdb_db.backend == "sqlite" else "migration.sql")
        assert row["checksum"] == hashlib.sha256(applied_file.read_bytes()).hexdigest()
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", row["id"])
        assert row["finished_at"] is not None and row["rolled_back_at"] is None and row["logs"] is None
        assert row["started_at"] <= row["finished_at"]
    assert rows[2]["applied_steps_count"] == (2 if carrierdb_db.backend == "postgresql" else 1)


def test_history_table_has_prismas_exact_layout(carrierdb_backend, carrierdb_db, shipped):
    carrierdb_db.migrations(shipped).deploy()
    if carrierdb_backend == "postgresql":
        columns = carrierdb_db.query(
            "SELECT column_name AS name, data_type, character_maximum_length AS len, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position"
        )
        assert [(c["name"], c["data_type"], c["len"], c["is_nullable"]) for c in columns] == [
            ("id", "character varying", 36, "NO"),
            ("checksum", "character varying", 64, "NO"),
            ("finished_at", "timestamp with time zone", None, "YES"),
            ("migration_name", "character varying", 255, "NO"),
            ("logs", "text", None, "YES"),
            ("rolled_back_at", "timestamp with time zone", None, "YES"),
            ("started_at", "timestamp with time zone", None, "NO"),
            ("applied_steps_count", "integer", None, "NO"),
        ]
        assert columns[6]["column_default"] == "now()" and columns[7]["column_default"] == "0"
        pk = carrierdb_db.query(
            "SELECT a.attname AS col FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = '_prisma_migrations'::regclass AND i.indisprimary"
        )
        assert pk == [{"col": "id"}]
    else:
        columns = carrierdb_db.query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('_prisma_migrations')")
        assert [(c["name"], c["type"], c["notnull"], c["dflt_value"], c["pk"]) for c in columns] == [
            ("id", "TEXT", 1, None, 1),
            ("checksum", "TEXT", 1, None, 0),
            ("finished_at", "DATETIME", 0, None, 0),
            ("migration_name", "TEXT", 1, None, 0),
            ("logs", "TEXT", 0, None, 0),
            ("rolled_back_at", "DATETIME", 0, None, 0),
            ("started_at", "DATETIME", 1, "current_timestamp", 0),
            ("applied_steps_count", "INTEGER UNSIGNED", 1, "0", 0),
        ]
        # Prisma stores SQLite DateTime values as Unix milliseconds; so does carrierdb.
        raw = carrierdb_db.query("SELECT typeof(started_at) AS t, typeof(finished_at) AS f FROM _prisma_migrations")
        assert {(r["t"], r["f"]) for r in raw} == {("integer", "integer")}


def test_a_history_written_by_prisma_is_continued(carrierdb_backend, carrierdb_db, shipped):
    """A database that Prisma migrated (table created by Prisma, its rows, its timestamp
    format) is read and continued: carrierdb applies only what is pending."""
    init = SHIPPED[0]
    applied_file = shipped / init / ("migration.sql" if carrierdb_backend == "postgresql" else "migration.sqlite.sql")
    sql = applied_file.read_text()
    if carrierdb_backend == "postgresql":
        carrierdb_db.execute_script(
            'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, '
            '"finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, '
            '"started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)'
        )
        stamp = "2024-10-01 12:00:01.5+00"
    else:
        carrierdb_db.execute_script(
            'CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, '
            '"migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, '
            '"started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)'
        )
        stamp = 1727784001500  # Prisma's SQLite DateTime: Unix milliseconds
    carrierdb_db.execute_script(sql)
    carrierdb_db.execute(
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) "
        "VALUES ('3f1e2d4c-5b6a-4789-8abc-def012345678', $1, $2, $3, NULL, NULL, $4, 1)",
        [hashlib.sha256(applied_file.read_bytes()).hexdigest(), stamp, init, stamp],
    )
    migrations = carrierdb_db.migrations(shipped)
    status = migrations.status()
    assert status.applied == [init] and status.pending == SHIPPED[1:]
    assert status.entries[0].applied_at.startswith("2024-10-01 12:00:01")
    assert migrations.deploy().names == SHIPPED[1:]
    assert not migrations.status().needs_action


# -- failures -----------------------------------------------------------------------------------


def test_failing_third_statement_leaves_no_trace_and_blocks_until_resolved(carrierdb_db, folder):
    write_migration(folder, "20240101000000_base", "CREATE TABLE base (id INTEGER PRIMARY KEY);")
    bad = write_migration(
        folder,
        "20240102000000_three_steps",
        "CREATE TABLE first_step (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO base (id) VALUES (1);\n"
        "\n"
        "INSERT INTO no_such_table (id) VALUES (1);\n",
    )
    migrations = carrierdb_db.migrations(folder)
    with pytest.raises(carrierdb.MigrationFailed) as info:
        migrations.deploy()
    error = info.value
    assert error.migration == "20240102000000_three_steps"
    assert error.line == 4 and "no_such_table" in str(error)
    assert error.file.endswith("migration.sql")
    # None of the first two statements survived.
    assert "first_step" not in carrierdb_db.table_names()
    assert carrierdb_db.query("SELECT count(*) AS n FROM base") == [{"n": 0}]
    failed = [r for r in history(carrierdb_db) if r["migration_name"] == "20240102000000_three_steps"]
    assert len(failed) == 1 and failed[0]["finished_at"] is None and failed[0]["rolled_back_at"] is None
    assert "no_such_table" in failed[0]["logs"] and "line 4" in failed[0]["logs"]
    assert [e.state for e in migrations.status().entries] == ["applied", "failed"]

    with pytest.raises(carrierdb.FailedMigrationPending) as refused:
        migrations.deploy()
    assert "20240102000000_three_steps" in str(refused.value)
    assert "--rolled-back" in refused.value.hint and "--applied" in refused.value.hint

    (bad / "migration.sql").write_text("CREATE TABLE first_step (id INTEGER PRIMARY KEY);\nINSERT INTO base (id) VALUES (1);\n")
    migrations.resolve(rolled_back="20240102000000_three_steps")
    assert migrations.deploy().names == ["20240102000000_three_steps"]
    assert carrierdb_db.query("SELECT count(*) AS n FROM base") == [{"n": 1}]
    assert not migrations.status().needs_action


def test_edited_applied_migration_is_reported_and_refused(carrierdb_db, folder):
    path = write_migration(folder, "20240101000000_t", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    migrations = carrierdb_db.migrations(folder)
    migrations.deploy()
    original = hashlib.sha256((path / "migration.sql").read_bytes()).hexdigest()
    (path / "migration.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, extra TEXT);")
    write_migration(folder, "20240102000000_u", "CREATE TABLE u (id INTEGER PRIMARY KEY);")
    status = migrations.status()
    assert [e.state for e in status.entries] == ["edited", "pending"] and status.needs_action
    with pytest.raises(carrierdb.ChecksumMismatch) as info:
        migrations.deploy()
    assert info.value.stored_checksum == original
    assert info.value.current_checksum == hashlib.sha256((path / "migration.sql").read_bytes()).hexdigest()
    assert original in str(info.value) and "20240101000000_t" in str(info.value)
    assert "u" not in carrierdb_db.table_names()
    report = migrations.deploy(allow_edited=True)
    assert report.names == ["20240102000000_u"] and any("edited" in w for w in report.warnings)


def test_crlf_checkout_does_not_look_edited(carrierdb_db, folder):
    path = write_migration(folder, "20240101000000_t", "CREATE TABLE t (\n  id INTEGER PRIMARY KEY\n);\n")
    migrations = carrierdb_db.migrations(folder)
    migrations.deploy()
    (path / "migration.sql").write_bytes(b"CREATE TABLE t (\r\n  id INTEGER PRIMARY KEY\r\n);\r\n")
    assert [e.state for e in migrations.status().entries] == ["applied"]
    assert migrations.deploy().migrations == []


def test_baseline_required_for_tables_without_history_then_resolve_applied(carrierdb_db, shipped):
    init_sql = shipped / SHIPPED[0] / ("migration.sql" if carrierdb_db.backend == "postgresql" else "migration.sqlite.sql")
    carrierdb_db.execute_script(init_sql.read_text())
    migrations = carrierdb_db.migrations(shipped)
    with pytest.raises(carrierdb.BaselineRequired) as info:
        migrations.deploy()
    assert "carriers" in str(info.value) and "resolve --applied" in info.value.hint
    assert "_prisma_migrations" not in carrierdb_db.table_names()
    migrations.resolve(applied=SHIPPED[0])
    assert migrations.deploy().names == SHIPPED[1:]
    with pytest.raises(carrierdb.MigrationStateError, match="P3008"):
        migrations.resolve(applied=SHIPPED[0])


def test_resolve_rolled_back_preconditions(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    migrations.deploy()
    with pytest.raises(carrierdb.MigrationStateError, match="P3012"):
        migrations.resolve(rolled_back=SHIPPED[0])
    with pytest.raises(carrierdb.MigrationStateError, match="P3011"):
        migrations.resolve(rolled_back="20990101000000_never")
    with pytest.raises(carrierdb.MigrationStateError, match="P3017"):
        migrations.resolve(applied="20990101000000_never")


# -- dry run ------------------------------------------------------------------------------------


def test_dry_run_changes_neither_schema_nor_history(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    migrations.resolve(applied=SHIPPED[0])  # a history exists, with one row
    carrierdb_db.execute_script(
        (shipped / SHIPPED[0] / ("migration.sql" if carrierdb_db.backend == "postgresql" else "migration.sqlite.sql")).read_text()
    )
    schema, rows = carrierdb_db.schema_snapshot(), history(carrierdb_db)
    report = migrations.deploy(dry_run=True)
    assert report.dry_run and report.names == SHIPPED[1:] and report.ok
    assert all(m["seconds"] >= 0 and not m["skipped"] for m in report.migrations)
    assert carrierdb_db.schema_snapshot() == schema
    assert history(carrierdb_db) == rows
    assert migrations.status().pending == SHIPPED[1:]


def test_dry_run_reports_the_failing_migration_and_skips_the_rest(carrierdb_db, folder):
    write_migration(folder, "20240101000000_ok", "CREATE TABLE a (id INTEGER PRIMARY KEY);")
    write_migration(folder, "20240102000000_bad", "CREATE TABLE b (id INTEGER PRIMARY KEY);\nSELECT * FROM missing_table;")
    write_migration(folder, "20240103000000_later", "CREATE TABLE c (id INTEGER PRIMARY KEY);")
    write_migration(folder, "20240104000000_outside", "-- carrierdb:no-transaction\nCREATE TABLE d (id INTEGER PRIMARY KEY);")
    migrations = carrierdb_db.migrations(folder)
    report = migrations.deploy(dry_run=True)
    by_name = {m["name"]: m for m in report.migrations}
    assert by_name["20240101000000_ok"]["ok"]
    assert not by_name["20240102000000_bad"]["ok"] and "missing_table" in by_name["20240102000000_bad"]["error"]
    assert by_name["20240103000000_later"]["skipped"]
    assert by_name["20240104000000_outside"]["skipped"] and "no-transaction" in by_name["20240104000000_outside"]["error"]
    assert not report.ok
    assert carrierdb_db.table_names() == []


# -- rollback -----------------------------------------------------------------------------------


def test_up_down_up_yields_the_same_schema_for_every_shipped_migration(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    snapshots = [carrierdb_db.schema_snapshot()]
    for name in SHIPPED:
        # Apply exactly one more migration by hiding the later folders.
        hidden = [p for p in shipped.iterdir() if p.is_dir() and p.name > name]
        for p in hidden:
            p.rename(p.with_name("." + p.name))
        try:
            assert migrations.deploy().names == [name]
        finally:
            for p in hidden:
                p.with_name("." + p.name).rename(p)
        snapshots.append(carrierdb_db.schema_snapshot())
    history_only = [line for line in snapshots[1] if "_prisma_migrations" in line]
    for k, name in reversed(list(enumerate(SHIPPED, start=1))):
        assert migrations.rollback().names == [name]
        expected = snapshots[k - 1] if k > 1 else history_only
        assert carrierdb_db.schema_snapshot() == expected, f"down of {name}"
    assert migrations.deploy().names == SHIPPED
    assert carrierdb_db.schema_snapshot() == snapshots[-1]


def test_rollback_marks_rolled_back_and_the_migration_is_pending_again(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    migrations.deploy()
    report = migrations.rollback(to=SHIPPED[0])
    assert report.names == list(reversed(SHIPPED[1:]))
    status = migrations.status()
    assert [e.state for e in status.entries] == ["applied", "rolled_back", "rolled_back"]
    assert "status" not in {line.split()[1].split(".")[-1] for line in carrierdb_db.schema_snapshot() if line.startswith("column carriers")}
    rolled = [r for r in history(carrierdb_db) if r["rolled_back_at"] is not None]
    assert sorted(r["migration_name"] for r in rolled) == SHIPPED[1:]
    assert migrations.deploy().names == SHIPPED[1:]


def test_rollback_without_down_sql_changes_nothing(carrierdb_db, folder):
    write_migration(folder, "20240101000000_a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", "DROP TABLE a;")
    write_migration(folder, "20240102000000_b", "CREATE TABLE b (id INTEGER PRIMARY KEY);")
    migrations = carrierdb_db.migrations(folder)
    migrations.deploy()
    schema, rows = carrierdb_db.schema_snapshot(), history(carrierdb_db)
    with pytest.raises(carrierdb.DownMigrationMissing) as info:
        migrations.rollback(steps=2)
    assert "20240102000000_b" in str(info.value) and "nothing was changed" in str(info.value)
    assert carrierdb_db.schema_snapshot() == schema and history(carrierdb_db) == rows


def test_rollback_to_an_unapplied_migration_is_refused(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    with pytest.raises(carrierdb.MigrationStateError):
        migrations.rollback()
    migrations.deploy()
    with pytest.raises(carrierdb.MigrationStateError, match="not an applied migration"):
        migrations.rollback(to="20990101000000_x")


# -- reset --------------------------------------------------------------------------------------


def test_reset_drops_everything_and_reapplies(carrierdb_db, shipped):
    migrations = carrierdb_db.migrations(shipped)
    migrations.deploy()
    carrierdb_db.execute("CREATE TABLE stray (id INTEGER)")
    carrierdb_db.execute("CREATE VIEW stray_view AS SELECT id FROM stray")
    carrierdb_db.execute("INSERT INTO carriers (name, updated_at) VALUES ('x', '2024-01-01')")
    report = migrations.reset()
    assert report.names == SHIPPED
    assert sorted(carrierdb_db.table_names()) == ["_prisma_migrations", "carriers"]
    assert carrierdb_db.query("SELECT count(*) AS n FROM carriers") == [{"n": 0}]
    assert len(history(carrierdb_db)) == len(SHIPPED)


def test_reset_is_refused_in_production(carrierdb_url, shipped, monkeypatch):
    db = carrierdb.connect(carrierdb_url, env="production")
    migrations = db.migrations(shipped)
    migrations.deploy()
    with pytest.raises(carrierdb.MigrationStateError, match="production"):
        migrations.reset()
    assert "carriers" in db.table_names()
    assert migrations.reset(allow_production=True).names == SHIPPED


# -- files --------------------------------------------------------------------------------------


def test_malformed_folder_name_is_a_clear_error(carrierdb_db, folder):
    (folder / "add_things").mkdir()
    with pytest.raises(carrierdb.MigrationFileError, match="YYYYMMDDHHMMSS"):
        carrierdb_db.migrations(folder).status()


def test_unsupported_provider_is_refused(carrierdb_db, folder):
    (folder / "migration_lock.toml").write_text('provider = "mysql"\n')
    write_migration(folder, "20240101000000_a", "CREATE TABLE a (id INTEGER);")
    with pytest.raises(carrierdb.ProviderMismatch, match="mysql"):
        carrierdb_db.migrations(folder).deploy()


@pytest.mark.sqlite_only
def test_provider_mismatch_without_a_variant_is_refused(carrierdb_backend, carrierdb_db, folder):
    (folder / "migration_lock.toml").write_text('# Prisma\nprovider = "postgresql"\n')
    write_migration(folder, "20240101000000_a", "CREATE TABLE a (id SERIAL PRIMARY KEY);")
    with pytest.raises(carrierdb.ProviderMismatch) as info:
        carrierdb_db.migrations(folder).deploy()
    assert "migration.sqlite.sql" in str(info.value) and "P3019" in str(info.value)
    assert carrierdb_db.table_names() == []


def test_backend_variant_takes_precedence(carrierdb_backend, carrierdb_db, folder):
    (folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
    path = write_migration(folder, "20240101000000_a", "CREATE TABLE from_default (id INTEGER);")
    (path / "migration.sqlite.sql").write_text("CREATE TABLE from_sqlite_variant (id INTEGER);")
    carrierdb_db.migrations(folder).deploy()
    expected = "from_default" if carrierdb_backend == "postgresql" else "from_sqlite_variant"
    assert expected in carrierdb_db.table_names()


def test_no_transaction_directive_runs_outside_a_transaction(carrierdb_backend, carrierdb_db, folder):
    write_migration(folder, "20240101000000_t", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);")
    concurrently = "CONCURRENTLY " if carrierdb_backend == "postgresql" else ""
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction block: this only works outside one.
    write_migration(
        folder,
        "20240102000000_index",
        f"-- carrierdb:no-transaction\nCREATE INDEX {concurrently}t_name_idx ON t (name);\nCREATE TABLE after_index (id INTEGER);\nSELECT * FROM missing;",
    )
    migrations = carrierdb_db.migrations(folder)
    with pytest.raises(carrierdb.MigrationFailed, match="outside a transaction"):
        migrations.deploy()
    # Outside a transaction the statements before the failure stay; the attempt is recorded.
    assert "after_index" in carrierdb_db.table_names()
    failed = migrations.status().entries[1]
    assert failed.state == "failed" and not failed.transactional
    row = [r for r in history(carrierdb_db) if r["migration_name"] == "20240102000000_index"][0]
    assert row["applied_steps_count"] == 2


def test_migrate_new_creates_the_folder(tmp_path: Path):
    db = carrierdb.connect(f"sqlite:{tmp_path}/x.db")
    migrations = db.migrations(tmp_path / "m")
    path = migrations.new("add_carrier_rating")
    assert re.fullmatch(r"\d{14}_add_carrier_rating", path.name)
    assert (path / "migration.sql").read_text() == "" and (path / "down.sql").read_text() == ""
    assert 'provider = "sqlite"' in (tmp_path / "m" / "migration_lock.toml").read_text()
    second = migrations.new("add_carrier_rating")
    assert second.name != path.name
    with pytest.raises(carrierdb.MigrationFileError, match="invalid migration name"):
        migrations.new("bad-name!")
    with pytest.raises(carrierdb.MigrationFileError, match="too long"):
        migrations.new("x" * 190)
