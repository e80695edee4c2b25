"""`carrierdb migrate ...`: JSON output and exit codes, DIRECT_URL, reset confirmation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import carrierdb

REPO_MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO_MIGRATIONS, tmp_path / "migrations")
    return tmp_path


def test_status_exit_code_says_whether_action_is_needed(run_cli, carrierdb_url, project):
    # An empty database: status never creates a SQLite file (a missing one is an error, see
    # test_read_only.py), so the file is made here as deploy would make it.
    carrierdb.connect(carrierdb_url).close()
    pending = run_cli("migrate", "status", "--json", "--url", carrierdb_url)
    assert pending.returncode == 1, pending.stderr
    data = json.loads(pending.stdout)
    assert data["needs_action"] and {m["state"] for m in data["migrations"]} == {"pending"}
    deploy = run_cli("migrate", "deploy", "--json", "--url", carrierdb_url)
    assert deploy.returncode == 0, deploy.stderr
    assert len(json.loads(deploy.stdout)["migrations"]) == 3
    clean = run_cli("migrate", "status", "--url", carrierdb_url)
    assert clean.returncode == 0 and "up to date" in clean.stdout


def test_failed_deploy_exits_5_with_the_error(run_cli, carrierdb_url, project):
    bad = project / "migrations" / "20250101000000_bad"
    bad.mkdir()
    (bad / "migration.sql").write_text("SELECT * FROM nowhere;")
    (bad / "migration.sqlite.sql").write_text("SELECT * FROM nowhere;")
    result = run_cli("migrate", "deploy", "--json", "--url", carrierdb_url)
    assert result.returncode == 5
    error = json.loads(result.stdout)
    assert error["error"] == "MigrationFailed" and "nowhere" in error["message"]
    assert run_cli("migrate", "status", "--url", carrierdb_url).returncode == 1


def test_reset_needs_force_without_a_terminal(run_cli, carrierdb_url, project):
    assert run_cli("migrate", "deploy", "--url", carrierdb_url).returncode == 0
    refused = run_cli("migrate", "reset", "--url", carrierdb_url)
    assert refused.returncode == 2 and "--force" in refused.stderr
    done = run_cli("migrate", "reset", "--force", "--json", "--url", carrierdb_url)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["migrations"]) == 3
    production = run_cli("migrate", "reset", "--force", "--url", carrierdb_url, "--env", "production")
    assert production.returncode == 5 and "production" in production.stderr


def test_direct_url_is_used_for_migrations(run_cli, carrierdb_url, project):
    # DATABASE_URL points at a pooler that is not there; DIRECT_URL at the real database.
    (project / ".env").write_text(f"DATABASE_URL=postgresql://app:pw@127.0.0.1:1/pooled\nDIRECT_URL={carrierdb_url}\n")
    result = run_cli("migrate", "deploy", "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    assert len(json.loads(result.stdout)["migrations"]) == 3


def test_migrate_new_and_rollback_from_the_cli(run_cli, carrierdb_url, project):
    created = run_cli("migrate", "new", "add_rating", "--json")
    assert created.returncode == 0, created.stderr
    folder = Path(json.loads(created.stdout)["created"])
    assert folder.parent == project / "migrations" and folder.name.endswith("_add_rating")
    (folder / "migration.sql").write_text("CREATE TABLE rating (id INTEGER);")
    (folder / "down.sql").write_text("DROP TABLE rating;")
    (folder / "migration.sqlite.sql").write_text("CREATE TABLE rating (id INTEGER);")
    (folder / "down.sqlite.sql").write_text("DROP TABLE rating;")
    assert run_cli("migrate", "deploy", "--url", carrierdb_url).returncode == 0
    rolled = run_cli("migrate", "rollback", "--json", "--url", carrierdb_url)
    assert rolled.returncode == 0 and json.loads(rolled.stdout)["migrations"][0]["name"] == folder.name


def test_migrate_new_writes_the_variant_for_the_database_in_use(run_cli, carrierdb_url, carrierdb_backend, project):
    # The lock says postgresql (as Prisma writes it); .env points at this backend's database.
    assert 'provider = "postgresql"' in (project / "migrations" / "migration_lock.toml").read_text()
    (project / ".env").write_text(f"DATABASE_URL={carrierdb_url}\n")
    created = run_cli("migrate", "new", "add_rating", "--json")
    assert created.returncode == 0, created.stderr
    folder = Path(json.loads(created.stdout)["created"])
    variant = {"migration.sqlite.sql", "down.sqlite.sql"} if carrierdb_backend == "sqlite" else set()
    assert {p.name for p in folder.iterdir()} == {"migration.sql", "down.sql"} | variant
    carrierdb.connect(carrierdb_url).close()  # status reads; it never creates a SQLite file
    status = run_cli("migrate", "status", "--json")
    assert status.returncode == 1, status.stderr
    assert [m["state"] for m in json.loads(status.stdout)["migrations"]] == ["pending"] * 4
    deploy = run_cli("migrate", "deploy", "--json")
    assert deploy.returncode == 0, deploy.stderr
    assert json.loads(deploy.stdout)["migrations"][-1]["name"] == folder.name
    assert run_cli("migrate", "status").returncode == 0
    # The Python API does the same.
    with carrierdb.connect(carrierdb_url) as db:
        second = db.migrations(project / "migrations").new("second")
    assert {p.name for p in second.iterdir()} == {"migration.sql", "down.sql"} | variant


def test_migrate_new_on_the_embedded_default_keeps_status_and_deploy_working(run_cli, project):
    created = run_cli("migrate", "new", "add_rating", "--json")
    assert created.returncode == 0, created.stderr
    folder = Path(json.loads(created.stdout)["created"])
    assert (folder / "migration.sqlite.sql").is_file() and (folder / "down.sqlite.sql").is_file()
    assert run_cli("info").returncode == 0  # creates the embedded database; status never does
    assert run_cli("migrate", "status").returncode == 1  # pending, not refused (P3019)
    deploy = run_cli("migrate", "deploy", "--json")
    assert deploy.returncode == 0, deploy.stderr
    assert len(json.loads(deploy.stdout)["migrations"]) == 4
    assert list((project / ".carrierdb").glob("*.db"))  # the embedded default, not a server
    assert run_cli("migrate", "status").returncode == 0
