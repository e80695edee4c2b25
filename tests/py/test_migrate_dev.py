"""migrate dev, migrate diff --from-migrations and db push on the fleet example, on both backends.

What a user relies on: the schema's change is written once per dialect with its down.sql, applied,
and leaves no drift; the development database is refused (before anything is written) when it has
drift or a history migrate dev cannot build on; the shadow database never outlives the command.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands
from carrierdb.develop import DOWN_NOTE, IN_SYNC
from carrierdb.pytest_plugin import empty_database
from carrierdb.shadow import PREFIX

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"
FILES = ["down.sql", "down.sqlite.sql", "migration.sql", "migration.sqlite.sql"]
DEPOT = """
model Depot {
  id   Int     @id @default(autoincrement())
  name String  @unique @db.VarChar(80)
  city String?

  @@map("depots")
}
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A copy of examples/fleet (schema.prisma and migrations/) a test may change."""
    shutil.copytree(FLEET, tmp_path / "fleet", ignore=shutil.ignore_patterns("seeds"))
    return tmp_path / "fleet"


@pytest.fixture
def shadow_url(carrierdb_backend, tmp_path, request):
    """The PostgreSQL shadow a SQLite development database needs for the fleet's provider
    (postgresql); None on PostgreSQL, where migrate dev creates its own."""
    if carrierdb_backend == "postgresql":
        yield None
        return
    with empty_database("postgresql", tmp_path, request, stem="shadow") as url:
        yield url


def dev(fleet: Path, url: str, shadow_url, name: str = "add_depot", **options):
    return commands.migrate_dev(name, url, directory=fleet / "migrations", schema=fleet / "schema.prisma", shadow_url=shadow_url,
                                **options)


def add_depot(fleet: Path) -> None:
    with open(fleet / "schema.prisma", "a", encoding="utf-8") as schema:
        schema.write(DEPOT)


def folders(fleet: Path) -> list[str]:
    return sorted(p.name for p in (fleet / "migrations").iterdir() if p.is_dir())


def shadows_left(admin_url: str) -> list[str]:
    with carrierdb.connect(admin_url, pool_size=1) as admin:
        return [r["datname"] for r in admin.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [PREFIX])]


def test_migrate_dev_writes_both_dialects_applies_and_leaves_no_drift(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url, name="init_all")  # the fleet's own migrations first
    add_depot(fleet)
    result = dev(fleet, carrierdb_url, shadow_url)
    assert result.folder is not None and result.folder.name.endswith("_add_depot")
    assert result.files == FILES
    assert 'CREATE TABLE "depots"' in (result.folder / "migration.sql").read_text()
    assert 'CREATE TABLE "depots"' in (result.folder / "migration.sqlite.sql").read_text()
    for down in ("down.sql", "down.sqlite.sql"):
        text = (result.folder / down).read_text()
        assert text.startswith(DOWN_NOTE) and 'DROP TABLE "depots"' in text
    assert result.applied == [result.folder.name]
    assert "Added table depots" in " ".join(result.summary) or result.summary
    check = commands.schema_check(carrierdb_url, schema=fleet / "schema.prisma")
    assert check.drift == []
    assert commands.migrate_status(carrierdb_url, directory=fleet / "migrations").pending == []


def test_migrate_dev_applies_pending_migrations_and_writes_nothing_without_a_change(carrierdb_url, fleet, shadow_url):
    first = dev(fleet, carrierdb_url, shadow_url)
    assert first.folder is None and first.applied == folders(fleet)  # the three pending ones, applied
    again = dev(fleet, carrierdb_url, shadow_url)
    assert again.folder is None and again.applied == [] and str(again) == IN_SYNC
    assert folders(fleet) == sorted(p.name for p in (FLEET / "migrations").iterdir() if p.is_dir())


def test_down_then_up_again_restores_each_catalog(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url)
    with carrierdb.connect(carrierdb_url) as db:
        before = db.schema_snapshot()
        add_depot(fleet)
        dev(fleet, carrierdb_url, shadow_url)
        after = db.schema_snapshot()
        assert after != before
        migrations = db.migrations(fleet / "migrations")
        migrations.rollback()  # down.sql (or down.sqlite.sql)
        assert db.schema_snapshot() == before
        migrations.deploy()  # migration.sql again
        assert db.schema_snapshot() == after


def test_create_only_writes_but_does_not_apply(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url)
    add_depot(fleet)
    result = dev(fleet, carrierdb_url, shadow_url, create_only=True)
    assert result.files == FILES and result.applied == []
    assert commands.migrate_status(carrierdb_url, directory=fleet / "migrations").pending == [result.folder.name]
    assert "not applied" in str(result)


def test_diff_from_migrations_is_what_migrate_dev_writes(carrierdb_backend, carrierdb_url, fleet, shadow_url, monkeypatch):
    # The diff replays into a shadow on DATABASE_URL's server (or SHADOW_DATABASE_URL): never writes there.
    monkeypatch.setenv("DATABASE_URL", carrierdb_url)
    if shadow_url:
        monkeypatch.setenv("SHADOW_DATABASE_URL", shadow_url)
    add_depot(fleet)
    provider = carrierdb_backend  # on SQLite, the variant a shadow in memory gives
    diff = commands.migrate_diff(from_migrations=fleet / "migrations", to_schema=fleet / "schema.prisma", provider=provider)
    assert not diff.empty
    with carrierdb.connect(carrierdb_url) as db:
        assert db.table_names() == []  # read-only towards the development database
    result = dev(fleet, carrierdb_url, shadow_url, create_only=True)
    written = result.folder / ("migration.sql" if provider == "postgresql" else "migration.sqlite.sql")
    assert written.read_text() == diff.warnings_comment + diff.script


@pytest.mark.parametrize("kind", ["drift", "edited", "failed", "missing"])
def test_migrate_dev_refuses_a_development_database_it_cannot_build_on(carrierdb_backend, carrierdb_url, fleet, shadow_url, kind):
    dev(fleet, carrierdb_url, shadow_url)
    variant = "migration.sql" if carrierdb_backend == "postgresql" else "migration.sqlite.sql"
    last = fleet / "migrations" / folders(fleet)[-1]
    with carrierdb.connect(carrierdb_url) as db:
        if kind == "drift":
            db.execute("ALTER TABLE tags ADD COLUMN color VARCHAR(10)")
        elif kind == "edited":
            (last / variant).write_text((last / variant).read_text() + "\n-- edited\n")
        elif kind == "missing":
            shutil.rmtree(last)
        else:
            broken = fleet / "migrations" / "20991231000000_broken"
            broken.mkdir()
            for name in ("migration.sql", "migration.sqlite.sql"):
                (broken / name).write_text("CREATE TABLE nothing_here (id INTEGER);\nSELECT * FROM no_such_table;\n")
            with pytest.raises(carrierdb.MigrationError):
                db.migrations(fleet / "migrations").deploy()
    add_depot(fleet)
    expected = {"drift": "(?s)drifted.*migrate reset", "edited": "(?s)were edited.*restore them",
                "failed": "failed on it.*migrate resolve --rolled-back 20991231000000_broken", "missing": "(?s)missing from.*pull them"}[kind]
    with pytest.raises(carrierdb.MigrationError, match=expected):
        dev(fleet, carrierdb_url, shadow_url)
    assert not any(name.endswith("_add_depot") for name in folders(fleet))


def test_a_failing_migration_in_the_shadow_is_named_and_leaves_no_shadow(carrierdb_backend, carrierdb_url, fleet, shadow_url, request):
    dev(fleet, carrierdb_url, shadow_url)
    broken = fleet / "migrations" / "20991231000000_broken"
    broken.mkdir()
    for name in ("migration.sql", "migration.sqlite.sql"):
        (broken / name).write_text("CREATE TABLE fine (id INTEGER);\nSELECT * FROM no_such_table;\n")
    with pytest.raises(carrierdb.MigrationError, match=r"shadow database.*20991231000000_broken.*line 2") as refused:
        dev(fleet, carrierdb_url, shadow_url)
    assert "no_such_table" in str(refused.value)
    with carrierdb.connect(carrierdb_url) as db:
        assert "fine" not in db.table_names()  # the development database never saw it
    if carrierdb_backend == "postgresql":
        assert shadows_left(request.getfixturevalue("carrierdb_admin_url")) == []


def test_migrate_dev_needs_a_postgresql_shadow_for_a_postgresql_provider_on_sqlite(fleet, tmp_path):
    add_depot(fleet)
    with pytest.raises(carrierdb.ConfigurationError, match="SHADOW_DATABASE_URL"):
        dev(fleet, f"sqlite:{tmp_path / 'dev.db'}", None)
    assert not any(name.endswith("_add_depot") for name in folders(fleet))


@pytest.mark.postgres_only
def test_no_shadow_database_outlives_a_successful_run(carrierdb_url, carrierdb_admin_url, fleet):
    dev(fleet, carrierdb_url, None)
    add_depot(fleet)
    dev(fleet, carrierdb_url, None)
    assert shadows_left(carrierdb_admin_url) == []


@pytest.mark.postgres_only
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_migrate_dev_drops_its_shadow(carrierdb_url, carrierdb_admin_url, fleet, signum):
    slow = fleet / "migrations" / "20991231000000_slow"
    slow.mkdir()
    (slow / "migration.sql").write_text("SELECT pg_sleep(30);\n")
    (slow / "migration.sqlite.sql").write_text("SELECT 1;\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    child = subprocess.Popen([sys.executable, "-m", "carrierdb.cli", "migrate", "dev", "--name", "x", "--url", carrierdb_url, "--dir",
                              str(fleet / "migrations"), "--schema", str(fleet / "schema.prisma")],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        with carrierdb.connect(carrierdb_admin_url, pool_size=1) as admin:
            # Mid-replay: the shadow exists and runs the slow migration.
            # (The replay sends the history as one batch, whose text pg_stat_activity cuts: the wait tells.)
            while not admin.query("SELECT 1 FROM pg_stat_activity WHERE starts_with(datname, $1) AND wait_event = 'PgSleep'", [PREFIX]):
                assert child.poll() is None and time.monotonic() < deadline, child.communicate()
                time.sleep(0.05)
        child.send_signal(signum)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 128 + signum, err
    assert shadows_left(carrierdb_admin_url) == []
    assert commands.migrate_status(carrierdb_url, directory=fleet / "migrations").applied == []  # dev database untouched


def test_db_push_applies_the_schema_without_a_migration(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url)
    add_depot(fleet)
    pushed = commands.db_push(carrierdb_url, schema=fleet / "schema.prisma")
    assert not pushed.in_sync and pushed.statements > 0
    assert commands.schema_check(carrierdb_url, schema=fleet / "schema.prisma").drift == []
    assert not any(name.endswith("depot") for name in folders(fleet))
    assert commands.db_push(carrierdb_url, schema=fleet / "schema.prisma").in_sync


def test_db_push_is_refused_in_production(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url)
    add_depot(fleet)
    with pytest.raises(carrierdb.MigrationError, match="production"):
        commands.db_push(carrierdb_url, env="production", schema=fleet / "schema.prisma")
    with carrierdb.connect(carrierdb_url) as db:
        assert "depots" not in db.table_names()


def test_db_push_refuses_data_loss_unless_accepted(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url)
    schema = fleet / "schema.prisma"
    text = schema.read_text()
    schema.write_text(text.replace('  name     String    @unique @db.VarChar(40)\n  carriers Carrier[]\n',
                                   '  carriers Carrier[]\n'))
    assert schema.read_text() != text
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO tags (name) VALUES ('hazmat')")
        with pytest.raises(carrierdb.DataLossError, match="name") as refused:
            commands.db_push(carrierdb_url, schema=schema)
        assert refused.value.losses
        assert "name" in {c for c in db.query("SELECT * FROM tags")[0]}  # nothing changed
        pushed = commands.db_push(carrierdb_url, schema=schema, accept_data_loss=True)
        assert pushed.warnings
    with carrierdb.connect(carrierdb_url) as db:
        assert db.query("SELECT * FROM tags") == [{"id": 1}]


# The scripted series: (what, the schema text replaced, its replacement). Each is one `migrate dev`.
SERIES = [
    ("add a model", "\nmodel Tag {", DEPOT + "\nmodel Tag {"),
    ("add a required field with a default", '  carriers Carrier[]\n\n  @@map("tags")',
     '  carriers Carrier[]\n  color    String    @default("grey")\n\n  @@map("tags")'),
    ("add a relation", '  city String?\n\n  @@map("depots")',
     '  city String?\n  carrierId Int? @map("carrier_id")\n  carrier Carrier? @relation(fields: [carrierId], references: [id])\n\n'
     '  @@map("depots")'),
    ("add an index", '  @@map("depots")', '  @@index([city])\n  @@map("depots")'),
    ("change a native type", "name     String    @unique @db.VarChar(40)", "name     String    @unique @db.VarChar(60)"),
    ("add an enum value", "  SUSPENDED\n  REVOKED\n}", "  SUSPENDED\n  REVOKED\n  PENDING\n}"),
    ("remove an enum value", "  REVOKED\n  PENDING\n}", "  REVOKED\n}"),
    ("add a many-to-many", '  carriers Carrier[]\n  color', '  carriers Carrier[]\n  depots   Depot[]\n  color'),
    ("drop a field", '  city String?\n', ""),
]


def apply_edit(fleet: Path, old: str, new: str) -> None:
    schema = fleet / "schema.prisma"
    text = schema.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    schema.write_text(text)


def differences(db, model) -> list[str]:
    """What the database's catalog has that ``model`` (one read before) has not, or the reverse."""
    now = carrierdb._core.read_target_model(db._db, ["_prisma_migrations"])
    return carrierdb._core.diff_target_models(model, now)["summary"]


def test_a_series_of_schema_edits_each_migrates_without_drift_and_rolls_back(carrierdb_backend, carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url)
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO carriers (name, mc_number, dot_number, updated_at) VALUES ('Acme', 'MC1', '1', CURRENT_TIMESTAMP)")
        db.execute("INSERT INTO tags (name) VALUES ('hazmat')")
    for step, (what, old, new) in enumerate(SERIES):
        apply_edit(fleet, old, new)
        if what == "add a relation":  # Prisma wants both sides of a relation
            apply_edit(fleet, "  tags            Tag[]\n", "  tags            Tag[]\n  depots          Depot[]\n")
        if what == "add a many-to-many":
            apply_edit(fleet, '  carrier Carrier?', '  tags Tag[]\n  carrier Carrier?')
        if what == "drop a field":
            apply_edit(fleet, "  @@index([city])\n", "")
        with carrierdb.connect(carrierdb_url) as db:
            before = carrierdb._core.read_target_model(db._db, ["_prisma_migrations"])
        result = dev(fleet, carrierdb_url, shadow_url, name=f"step_{step}", accept_data_loss=True)
        assert result.folder is not None and result.files == FILES, what
        assert commands.schema_check(carrierdb_url, schema=fleet / "schema.prisma").drift == [], what
        with carrierdb.connect(carrierdb_url) as db:
            after = carrierdb._core.read_target_model(db._db, ["_prisma_migrations"])
            if not (what == "change a native type" and carrierdb_backend == "sqlite"):  # SQLite keeps TEXT either way
                assert differences(db, before), what  # the step changed the catalog
            migrations = db.migrations(fleet / "migrations")
            migrations.rollback(accept_data_loss=True)
            assert differences(db, before) == [], what
            migrations.deploy()
            assert differences(db, after) == [], what
        with carrierdb.connect(carrierdb_url) as db:  # the data in untouched columns survives (SQLite: the rebuilds)
            assert [(r["name"], r["mc_number"]) for r in db.query("SELECT name, mc_number FROM carriers")] == [("Acme", "MC1")], what
            assert [r["name"] for r in db.query("SELECT name FROM tags")] == ["hazmat"], what
    assert dev(fleet, carrierdb_url, shadow_url, name="nothing").folder is None


def test_the_cli_pushes_and_migrates_with_json_and_exit_codes(run_cli, carrierdb_url, fleet, shadow_url):
    common = ["--url", carrierdb_url, "--json"]
    dev_args = ["migrate", "dev", *common, "--dir", str(fleet / "migrations"), "--schema", str(fleet / "schema.prisma")]
    shadow = ["--shadow-database-url", shadow_url] if shadow_url else []
    first = run_cli(*dev_args, "--name", "noop", *shadow)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["folder"] is None
    add_depot(fleet)
    refused = run_cli("db", "push", *common, "--env", "production", "--schema", str(fleet / "schema.prisma"))
    assert refused.returncode == 5 and "production" in refused.stdout
    pushed = run_cli("db", "push", *common, "--schema", str(fleet / "schema.prisma"))
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["summary"] and not json.loads(pushed.stdout)["in_sync"]


def test_migrate_dev_counts_the_rows_it_would_lose_and_refuses_without_acceptance(carrierdb_url, fleet, shadow_url):
    """Dropping a column that holds values is refused with the count from the development database,
    and nothing is written; accepted, the count is in the result. An empty table dropped needs no
    acceptance (nothing is lost)."""
    add_depot(fleet)
    dev(fleet, carrierdb_url, shadow_url, name="init")
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO tags (name) VALUES ('hazmat'), ('reefer'), ('flatbed')")
    schema = fleet / "schema.prisma"
    text = schema.read_text()
    schema.write_text(text.replace('  name     String    @unique @db.VarChar(40)\n  carriers Carrier[]\n', '  carriers Carrier[]\n')
                      .replace(DEPOT, ""))
    before = folders(fleet)
    with pytest.raises(carrierdb.DataLossError, match=r"column `name` on the `tags` table, which still contains 3 non-null values") as refused:
        dev(fleet, carrierdb_url, shadow_url, name="drop_tag_name")
    assert [(loss["table"], loss["column"], loss["rows"]) for loss in refused.value.losses] == [("tags", "name", 3)]
    assert "depots" not in str(refused.value)  # empty: dropping it loses nothing
    assert folders(fleet) == before  # nothing written
    done = dev(fleet, carrierdb_url, shadow_url, name="drop_tag_name", accept_data_loss=True)
    assert done.data_loss and "3 non-null values" in done.data_loss[0]
    assert "accepted" in str(done)
    with carrierdb.connect(carrierdb_url) as db:
        assert "depots" not in db.table_names()


def test_migrate_dev_renames_an_enum_value_keeping_its_rows(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url, name="init")
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO carriers (name, mc_number, dot_number, status, updated_at) VALUES ('Acme', 'MC1', '1', 'REVOKED', CURRENT_TIMESTAMP)")
    schema = fleet / "schema.prisma"
    schema.write_text(schema.read_text().replace("  REVOKED\n", "  DEREGISTERED\n", 1))
    with pytest.raises(carrierdb.DataLossError, match="REVOKED"):  # as a removal: the row holding it would fail
        dev(fleet, carrierdb_url, shadow_url, name="rename_revoked")
    result = dev(fleet, carrierdb_url, shadow_url, name="rename_revoked", rename_enum_values=["CarrierStatus.REVOKED=DEREGISTERED"])
    assert result.data_loss == [] and result.folder is not None
    assert not any("will be cast" in w for w in result.warnings), result.warnings  # SQLite: TEXT stays TEXT
    with carrierdb.connect(carrierdb_url) as db:
        assert [r["status"] for r in db.query("SELECT status FROM carriers")] == ["DEREGISTERED"]
        db.migrations(fleet / "migrations").rollback()  # down.sql renames it back
        assert [r["status"] for r in db.query("SELECT status FROM carriers")] == ["REVOKED"]
    assert commands.schema_check(carrierdb_url, schema=FLEET / "schema.prisma").in_sync


def test_migrate_dev_online_puts_concurrent_indexes_in_a_migration_of_their_own(carrierdb_backend, carrierdb_url, fleet, shadow_url):
    """--online (PostgreSQL's lock-safe forms): a new index on an existing table goes to a second,
    non-transactional migration as CREATE INDEX CONCURRENTLY; both apply, leave no drift, and roll
    back one by one. On SQLite the second migration's variant does nothing (the first did it all)."""
    dev(fleet, carrierdb_url, shadow_url, name="init")
    schema = fleet / "schema.prisma"
    schema.write_text(schema.read_text().replace('  @@map("tags")', '  @@index([name], map: "tags_name_idx")\n  @@map("tags")', 1))
    result = dev(fleet, carrierdb_url, shadow_url, name="index_tag_names", online=True)
    assert result.concurrent_folder is not None and result.concurrent_folder.name.endswith("_index_tag_names_concurrently")
    concurrent = (result.concurrent_folder / "migration.sql").read_text()
    assert concurrent.startswith("-- carrierdb:no-transaction") and 'CREATE INDEX CONCURRENTLY "tags_name_idx"' in concurrent
    assert "tags_name_idx" not in (result.folder / "migration.sql").read_text()
    assert "--online put this change's statements in" in (result.folder / "migration.sql").read_text()  # not an empty file
    assert "tags_name_idx" in (result.folder / "migration.sqlite.sql").read_text()
    assert result.concurrent_folder.name in result.applied
    assert commands.schema_check(carrierdb_url, schema=schema).in_sync
    with carrierdb.connect(carrierdb_url) as db:
        migrations = db.migrations(fleet / "migrations")
        migrations.rollback(steps=2)
        assert commands.schema_check(carrierdb_url, schema=FLEET / "schema.prisma").in_sync
        assert [m.name for m in migrations.deploy().migrations] == [result.folder.name, result.concurrent_folder.name]
    assert commands.schema_check(carrierdb_url, schema=schema).in_sync
    if carrierdb_backend == "postgresql":
        assert commands.migrate_lint(result.concurrent_folder.name, directory=fleet / "migrations").ok


def test_db_push_counts_the_rows_it_would_lose(carrierdb_url, fleet, shadow_url):
    dev(fleet, carrierdb_url, shadow_url, name="init")
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO tags (name) VALUES ('hazmat'), ('reefer')")
    schema = fleet / "schema.prisma"
    schema.write_text(schema.read_text().replace('  name     String    @unique @db.VarChar(40)\n  carriers Carrier[]\n', '  carriers Carrier[]\n'))
    with pytest.raises(carrierdb.DataLossError, match="2 non-null values"):
        commands.db_push(carrierdb_url, schema=schema)
    pushed = commands.db_push(carrierdb_url, schema=schema, accept_data_loss=True)
    assert pushed.data_loss and "2 non-null values" in pushed.data_loss[0]


def test_a_shadow_url_naming_the_development_database_is_refused_however_it_is_spelled(carrierdb_backend, carrierdb_url, fleet):
    """migrate dev resets a configured shadow: one that is the development database under another
    spelling (extra parameters and localhost for 127.0.0.1; a path through "."), must be refused,
    its rows untouched."""
    commands.migrate_deploy(carrierdb_url, directory=fleet / "migrations")
    if carrierdb_backend == "postgresql":
        same = (carrierdb_url + ("&" if "?" in carrierdb_url else "?") + "connect_timeout=5").replace("127.0.0.1", "localhost")
    else:
        path = Path(carrierdb_url.split(":", 1)[1])
        same = f"sqlite:{path.parent}/./{path.name}"
    assert same != carrierdb_url
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("INSERT INTO tags (name) VALUES ('hazmat')")
    add_depot(fleet)
    with pytest.raises(carrierdb.ConfigurationError, match="the shadow database is the development database"):
        dev(fleet, carrierdb_url, same, create_only=True)
    with carrierdb.connect(carrierdb_url) as db:
        assert [r["name"] for r in db.query("SELECT name FROM tags")] == ["hazmat"]


@pytest.mark.postgres_only
def test_a_prisma_folder_without_sqlite_variants_still_migrates(carrierdb_url, fleet):
    """A team arriving from Prisma has migration.sql only: the SQLite variant is then not written
    (a note says so), and migrate dev still writes and applies the PostgreSQL migration."""
    for variant in (fleet / "migrations").glob("*/*.sqlite.sql"):
        variant.unlink()
    add_depot(fleet)
    result = dev(fleet, carrierdb_url, None)
    assert result.folder is not None and result.folder.name in result.applied
    assert any("migration.sqlite.sql" in note for note in result.notes), result.notes
    assert commands.schema_check(carrierdb_url, schema=fleet / "schema.prisma").in_sync


def test_diff_from_migrations_to_a_live_database(carrierdb_backend, carrierdb_url, fleet, shadow_url, monkeypatch):
    """--from-migrations --to-url: what the folder builds against what a database holds (read only),
    in that database's dialect: nothing for one deployed from it; a hand-made table shows."""
    monkeypatch.setenv("DATABASE_URL", carrierdb_url)
    if shadow_url:
        monkeypatch.setenv("SHADOW_DATABASE_URL", shadow_url)
    commands.migrate_deploy(carrierdb_url, directory=fleet / "migrations")
    assert commands.migrate_diff(from_migrations=fleet / "migrations", to_url=carrierdb_url).empty
    with carrierdb.connect(carrierdb_url) as db:
        db.execute("CREATE TABLE extra (id INTEGER PRIMARY KEY)")
    diff = commands.migrate_diff(from_migrations=fleet / "migrations", to_url=carrierdb_url)
    assert diff.summary == ["Added table extra"] and diff.provider == carrierdb_backend
