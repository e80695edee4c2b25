"""The pytest plugin's server is private, its sweeps touch only what is theirs, and its URL,
template and transaction handling hold up (the reviewers' defects of issue 13, each pinned here)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

import carrierdb
from carrierdb import _core
from carrierdb.pytest_plugin import empty_database
from carrierdb.testing import owners, server as servers, templates
from carrierdb.testing.session import TestDatabases
from carrierdb.testing.urls import database_of, with_database

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def project_root(monkeypatch):
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(REPO))


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.fixture(scope="module")
def own_server():
    """A throwaway server of the plugin's kind, started for this module (the session's may be a configured one)."""
    bin_dir = servers.server_bin()
    if bin_dir is None:
        pytest.fail(f"no PostgreSQL server binaries: {servers.INSTALL_HINT}")
    server = servers.Server(bin_dir)
    server.start()
    yield server
    server.stop()


def test_the_server_folder_is_private_and_keeps_no_password_file(own_server):
    base = own_server.base
    assert stat.S_IMODE(base.stat().st_mode) == 0o700
    assert not (base / "pwfile").exists()
    if os.geteuid() == 0:
        assert base.owner() == "postgres"
    sockets = list(base.glob(".s.PGSQL.*[0-9]"))
    assert sockets and all(stat.S_IMODE(s.stat().st_mode) == 0o700 for s in sockets)
    hba = (base / "data" / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert rules and all(rule[-1] != "trust" for rule in rules), hba


def test_the_scratch_folder_needs_a_gib_free_and_the_variable_overrides_it(monkeypatch, tmp_path):
    monkeypatch.delenv(servers.TMPDIR_ENV, raising=False)
    monkeypatch.setattr(servers, "MIN_FREE", 1 << 62)  # more than any /dev/shm has free
    assert servers.scratch_root() != Path("/dev/shm")
    monkeypatch.setenv(servers.TMPDIR_ENV, str(tmp_path))
    assert servers.scratch_root() == tmp_path


def test_the_server_sweep_leaves_other_users_folders_and_foreign_servers_alone(own_server):
    root = servers.scratch_root()
    foreign = root / f"{servers.DIR_PREFIX}{_dead_pid()}.foreign"
    planted = root / f"{servers.DIR_PREFIX}{_dead_pid()}.planted"
    try:
        foreign.mkdir()
        os.chown(foreign, 65534, 65534) if os.geteuid() == 0 else None
        # A postmaster.pid naming the live server's data directory: pg_ctl stop on it would kill that server.
        (planted / "data").mkdir(parents=True)
        shutil.copyfile(own_server.base / "data" / "postmaster.pid", planted / "data" / "postmaster.pid")
        if os.geteuid() == 0:
            for path in (planted, planted / "data", planted / "data" / "postmaster.pid"):
                shutil.chown(path, "postgres", "postgres")
        done = dict(servers.sweep_servers())
        assert foreign.exists() or os.geteuid() != 0
        assert str(foreign) not in done
        assert done[str(planted)] == "did not stop (its postmaster.pid names another data directory) and removed the PostgreSQL"
        with carrierdb.connect(own_server.url, pool_size=1) as admin:
            assert admin.query("SELECT 1 AS alive")[0]["alive"] == 1
    finally:
        shutil.rmtree(foreign, ignore_errors=True)
        shutil.rmtree(planted, ignore_errors=True)


def test_the_database_sweep_spares_a_session_that_holds_its_lock(carrierdb_admin_url):
    prefix = owners.owner_prefix(_dead_pid())
    name = f"{prefix}t_1_aaaaaa"
    holder = _core.Database.open(carrierdb_admin_url)
    with carrierdb.connect(carrierdb_admin_url, pool_size=1) as admin:
        admin.execute(f"CREATE DATABASE {owners.quoted(name)}")
        try:
            holder.query("SELECT pg_advisory_lock($1::bigint)", [owners.lock_key(prefix)])
            assert name not in owners.sweep_databases(admin)
            assert admin.query("SELECT 1 AS x FROM pg_database WHERE datname = $1", [name])
            holder.close()
            assert name in owners.sweep_databases(admin)
            assert not admin.query("SELECT 1 AS x FROM pg_database WHERE datname = $1", [name])
        finally:
            holder.close()
            admin.execute(f"DROP DATABASE IF EXISTS {owners.quoted(name)}")


def test_this_session_holds_its_owner_lock(carrierdb_admin_url):
    with carrierdb.connect(carrierdb_admin_url, pool_size=1) as other:
        taken = other.query("SELECT pg_try_advisory_lock($1::bigint) AS ok", [owners.lock_key(owners.owner_prefix())])
        if taken[0]["ok"]:
            other.query("SELECT pg_advisory_unlock($1::bigint)", [owners.lock_key(owners.owner_prefix())])
        assert not taken[0]["ok"]


def test_with_database_keeps_the_empty_host_and_the_query():
    assert with_database("postgresql:///postgres?host=/run/postgresql", "x") == "postgresql:///x?host=/run/postgresql"
    assert with_database("postgresql://u:p@h:5/postgres?sslmode=disable", "x") == "postgresql://u:p@h:5/x?sslmode=disable"
    assert database_of("postgresql://u:p@h:5/cdbt_x?sslmode=disable") == "cdbt_x"


def test_empty_database_is_dropped_with_a_query_in_the_admin_url(carrierdb_admin_url, tmp_path):
    databases = TestDatabases(with_database(carrierdb_admin_url, "postgres") + "?sslmode=disable", tmp_path)
    request = SimpleNamespace(config=SimpleNamespace(_carrierdb=databases))
    try:
        made = "SELECT datname FROM pg_database WHERE starts_with(datname, $1)"
        with empty_database("postgresql", tmp_path, request, stem="leakcheck") as url:
            assert url.endswith("?sslmode=disable")
            with carrierdb.connect(carrierdb_admin_url, pool_size=1) as admin:
                assert len(admin.query(made, [owners.owner_prefix() + "leakcheck_"])) == 1
        with carrierdb.connect(carrierdb_admin_url, pool_size=1) as admin:
            assert admin.query(made, [owners.owner_prefix() + "leakcheck_"]) == []
    finally:
        databases.close()
        databases.stop_server()


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "migrations", root / "migrations")
    shutil.copytree(REPO / "seeds" / "testing", root / "seeds" / "testing")
    shutil.copytree(REPO / "seeds" / "shared", root / "seeds" / "shared")
    shutil.copyfile(REPO / "schema.prisma", root / "schema.prisma")
    return root


def _fresh_fingerprint(root: Path) -> str:
    templates._fingerprints.pop(str(root), None)
    return templates.fingerprint(root)


def test_the_template_key_ignores_caches_and_hidden_files_but_not_migrations(tmp_path, monkeypatch):
    root = _project(tmp_path)
    before = _fresh_fingerprint(root)
    (root / "migrations" / "__pycache__").mkdir()
    (root / "migrations" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / "seeds" / "testing" / ".DS_Store").write_bytes(b"\0")
    (root / "seeds" / "development").mkdir()
    (root / "seeds" / "development" / "carriers.csv").write_text("not loaded by the template\n")
    assert _fresh_fingerprint(root) == before
    (root / "seeds" / "shared" / "core_carriers.csv").write_text("changed\n")  # listed by the testing manifest
    changed_seed = _fresh_fingerprint(root)
    assert changed_seed != before
    migration = next((root / "migrations").glob("*/migration.sql"))
    migration.write_text(migration.read_text() + "\n-- edited\n")
    assert _fresh_fingerprint(root) != changed_seed
    edited = _fresh_fingerprint(root)
    monkeypatch.setattr(carrierdb, "__version__", carrierdb.__version__ + ".post1")
    assert _fresh_fingerprint(root) != edited


def test_a_sqlite_template_removed_by_another_session_is_built_again(tmp_path):
    databases = TestDatabases(None, tmp_path / "cache")
    try:
        first = tmp_path / "one.db"
        databases.sqlite_clone(REPO, "seeded", first)
        for template in (tmp_path / "cache").glob("*.db"):
            template.unlink()
        second = tmp_path / "two.db"
        url = databases.sqlite_clone(REPO, "seeded", second)
        with carrierdb.connect(url, schema=str(REPO / "schema.prisma")) as db:
            assert db.carrier.count() == 225
    finally:
        databases.close()


def test_an_expected_error_in_a_savepoint_leaves_the_transaction_fixture_usable(carrierdb_tx_db):
    db = carrierdb_tx_db
    mc = db.query("SELECT mc_number FROM carriers WHERE mc_number IS NOT NULL LIMIT 1")[0]["mc_number"]
    before = db.carrier.count()
    with pytest.raises(carrierdb.IntegrityError):
        with db.transaction():  # a savepoint: rolls back this block only
            db.execute("UPDATE carriers SET mc_number = $1 WHERE mc_number <> $1", [mc])
    assert db.carrier.count() == before  # the fixture's transaction carries on
