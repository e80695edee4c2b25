"""The pytest plugin: each test its own migrated, seeded database, cheaply, and nothing left behind.

The first tests use the fixtures directly; the others run small suites in a subprocess (as a
user's project would) against this session's server or against a server the plugin starts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import carrierdb
from carrierdb.testing import owners
from carrierdb.testing.server import DIR_PREFIX, scratch_root
from carrierdb.testing.templates import template_name
from readme_blocks import readme_blocks

REPO = Path(__file__).resolve().parents[2]
PG_ENV = "CARRIERDB_TEST_DATABASE_URL"


@pytest.fixture(autouse=True)
def project_root(monkeypatch):
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(REPO))


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_a_fresh_seeded_database(carrierdb_seeded_db, round_):
    assert carrierdb_seeded_db.carrier.count() == 225
    carrierdb_seeded_db.carrier.delete_many()  # the next test must not see this


def test_migrated_database_is_empty_but_migrated(carrierdb_migrated_db):
    assert carrierdb_migrated_db.carrier.count() == 0
    assert not carrierdb_migrated_db.migrations().status().needs_action


def test_seeded_database_is_the_one_carrierdb_url_and_carrierdb_db_name(carrierdb_seeded_db, carrierdb_db, carrierdb_url):
    assert carrierdb_seeded_db is carrierdb_db
    with carrierdb.connect(carrierdb_url) as other:
        assert other.carrier.count() == 225


@pytest.mark.parametrize("round_", [1, 2])
def test_transaction_fixture_rolls_back_what_a_test_wrote(carrierdb_tx_db, round_):
    db = carrierdb_tx_db
    assert db.in_transaction
    assert db.carrier.count() == 225
    with pytest.raises(RuntimeError):
        with db.transaction():  # a savepoint inside the fixture's transaction
            db.execute("DELETE FROM carriers")
            raise RuntimeError("only this block is undone")
    assert db.in_transaction and db.carrier.count() == 225
    with db.transaction():
        db.carrier.delete_many()
    assert db.carrier.count() == 0  # the next round sees 225 again


# -- small suites in a subprocess --------------------------------------------------------------


def make_project(tmp_path: Path, tests: str) -> Path:
    """A project (the repository's migrations, seeds and schema) holding ``tests`` as test_suite.py."""
    project = tmp_path / "project"
    for name in ("migrations", "seeds"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "schema.prisma", project / "schema.prisma")
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_suite.py").write_text(textwrap.dedent(tests))
    return project


def suite_env(project: Path, url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (PG_ENV, "PYTEST_ADDOPTS") and not k.startswith("PYTEST_XDIST")}
    env.update(CARRIERDB_PROJECT_DIR=str(project), CARRIERDB_ENV="test", **extra)
    if url:
        env[PG_ENV] = url
    return env


def run_suite(project: Path, url: str | None, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=project,
                          env=suite_env(project, url, **extra), capture_output=True, text=True, timeout=300)


def start_suite(project: Path, url: str | None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-s"], cwd=project, env=suite_env(project, url),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_databases(admin_url: str) -> list[str]:
    with carrierdb.connect(admin_url, pool_size=1) as admin:
        return [r["datname"] for r in admin.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [owners.PREFIX])]


test_databases.__test__ = False


def own_servers() -> set[Path]:
    return set(scratch_root().glob(f"{DIR_PREFIX}*.*"))


WRITES_ITS_URL = """
    import os, pathlib
    import pytest

    @pytest.mark.carrierdb_backends("postgresql")
    def test_seeded(carrierdb_seeded_db, carrierdb_admin_url):
        assert carrierdb_seeded_db.carrier.count() == 225
        pathlib.Path("admin_url").write_text(carrierdb_admin_url)
        pathlib.Path("db_url").write_text(carrierdb_seeded_db.url)

    def test_sqlite_and_postgresql(carrierdb_migrated_db, carrierdb_backend):
        assert carrierdb_migrated_db.backend == carrierdb_backend
        assert carrierdb_migrated_db.carrier.count() == 0
"""


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def test_without_a_url_the_plugin_starts_a_server_on_tmpfs_and_removes_it(tmp_path):
    project = make_project(tmp_path, WRITES_ITS_URL)
    before = own_servers()
    result = run_suite(project, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    admin_url = (project / "admin_url").read_text()
    assert admin_url != os.environ.get(PG_ENV)
    with pytest.raises(carrierdb.ConnectionFailed):
        carrierdb.connect(admin_url, connect_retries=0, pool_size=1)
    assert own_servers() <= before  # its data directory is gone
    if Path("/dev/shm").is_dir():
        assert scratch_root() == Path("/dev/shm")


@pytest.mark.parametrize("shared", [True, False], ids=["a configured server", "a server per worker"])
def test_xdist_suite_leaves_nothing_on_the_server(tmp_path, carrierdb_admin_url, shared):
    suite = WRITES_ITS_URL + """
    import pytest

    @pytest.fixture(autouse=True)
    def which_worker():
        pathlib.Path(f"ran_on_{os.environ['PYTEST_XDIST_WORKER']}").touch()

    @pytest.mark.parametrize("n", range(4))
    def test_many(carrierdb_seeded_db, carrierdb_tx_db, n):
        assert carrierdb_seeded_db.carrier.count() == 225
        carrierdb_tx_db.carrier.delete_many()
        assert carrierdb_tx_db.carrier.count() == 0

    def test_fails(carrierdb_url):
        assert False, "a failing test drops its database too"
    """
    project = make_project(tmp_path, suite)
    before = own_servers()
    result = run_suite(project, carrierdb_admin_url if shared else None, "-n", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 failed, 11 passed" in result.stdout, result.stdout
    assert sorted(p.name for p in project.glob("ran_on_*")) == ["ran_on_gw0", "ran_on_gw1"]
    if shared:
        left = test_databases(carrierdb_admin_url)
        assert owners.stale(left) == [], left  # every database of the finished session is gone
    else:
        assert (project / "admin_url").read_text() != carrierdb_admin_url
        assert own_servers() <= before  # each worker's server stopped and removed


def test_an_interrupted_session_stops_its_server(tmp_path):
    project = make_project(tmp_path, """
        import pathlib, time

        def test_waits(carrierdb_seeded_db, carrierdb_backend, carrierdb_admin_url):
            pathlib.Path("admin_url").write_text(carrierdb_admin_url)
            pathlib.Path(f"started_{carrierdb_backend}").touch()
            time.sleep(120)
    """)
    before = own_servers()
    proc = start_suite(project, None)
    wait_for(project / "started_sqlite", proc)
    admin_url = (project / "admin_url").read_text()
    assert own_servers() - before  # the server runs
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, output  # pytest's "interrupted"
    assert own_servers() <= before, output
    with pytest.raises(carrierdb.ConnectionFailed):
        carrierdb.connect(admin_url, connect_retries=0, pool_size=1)


def test_the_next_session_sweeps_what_a_killed_session_left(tmp_path, carrierdb_admin_url):
    """SIGKILL leaves everything behind (a server of its own, databases on a shared server); the next
    session on this host removes both and names them."""
    waits = """
        import pathlib, time
        import pytest

        @pytest.mark.carrierdb_backends("postgresql")
        def test_waits(carrierdb_seeded_db, carrierdb_admin_url):
            pathlib.Path("db_url").write_text(carrierdb_seeded_db.url)
            time.sleep(120)
    """
    own = make_project(tmp_path / "own", waits)
    shared = make_project(tmp_path / "shared", waits)
    # Both run at once: each one's start-up sweep sees the other alive and leaves it alone.
    procs = [start_suite(own, None), start_suite(shared, carrierdb_admin_url)]
    for project, proc in zip((own, shared), procs):
        wait_for(project / "db_url", proc)
    for proc in procs:
        proc.kill()
        proc.wait(timeout=30)
    left_servers = [p for p in own_servers() if p.name.startswith(f"{DIR_PREFIX}{procs[0].pid}.")]
    assert len(left_servers) == 1
    left_database = (shared / "db_url").read_text().rsplit("/", 1)[1]
    assert left_database in test_databases(carrierdb_admin_url)

    after = make_project(tmp_path / "after", "def test_nothing():\n    pass\n")
    result = run_suite(after, carrierdb_admin_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"dropped database {left_database}, left by a dead test session" in result.stdout
    assert f"stopped and removed the PostgreSQL of a dead test session: {left_servers[0]}" in result.stdout
    assert left_database not in test_databases(carrierdb_admin_url)
    assert not left_servers[0].exists()


def test_templates_are_reused_until_a_project_file_changes(tmp_path, carrierdb_admin_url):
    project = make_project(tmp_path, """
        def test_seeded(carrierdb_seeded_db):
            assert carrierdb_seeded_db.carrier.count() == 225
    """)

    prefix = template_name(project, "seeded").rsplit("_", 1)[0]  # this project's seeded templates

    def templates() -> dict[str, int]:
        with carrierdb.connect(carrierdb_admin_url, pool_size=1) as admin:
            rows = admin.query("SELECT datname, oid::bigint AS oid FROM pg_database WHERE starts_with(datname, $1)", [prefix])
        return {r["datname"]: r["oid"] for r in rows}

    def sqlite_templates() -> list[str]:
        return sorted(p.name for p in (project / ".pytest_cache").rglob("cdbtpl_s_*.db"))

    for _ in range(2):
        result = run_suite(project, carrierdb_admin_url)
        assert result.returncode == 0, result.stdout + result.stderr
        first = templates() if _ == 0 else first
        first_sqlite = sqlite_templates() if _ == 0 else first_sqlite
    assert templates() == first and len(first) == 1  # the same database: not rebuilt
    assert sqlite_templates() == first_sqlite and len(first_sqlite) == 1

    with open(project / "schema.prisma", "a") as schema:
        schema.write("\n// a comment changes the checksum\n")
    result = run_suite(project, carrierdb_admin_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(templates()) == 1 and templates().keys() != first.keys()  # a new one, the old one removed
    assert len(sqlite_templates()) == 1 and sqlite_templates() != first_sqlite


def test_without_server_binaries_sqlite_runs_and_postgresql_says_how_to_install(tmp_path):
    project = make_project(tmp_path, WRITES_ITS_URL)
    missing = {"CARRIERDB_PG_BIN": str(tmp_path / "no-postgresql-here")}
    result = run_suite(project, None, "-rs", CI="false", **missing)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 skipped" in result.stdout, result.stdout
    assert "apt-get install postgresql-15" in result.stdout

    result = run_suite(project, None, CI="true", **missing)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr  # before any test runs
    assert "PostgreSQL tests would not run" in result.stderr and "apt-get install postgresql-15" in result.stderr


def test_the_backends_marker_narrows_the_parametrization(tmp_path):
    project = make_project(tmp_path, """
        import pytest

        @pytest.mark.carrierdb_backends("sqlite")
        def test_one(carrierdb_db):
            pass

        @pytest.mark.carrierdb_backends("sqlite", "postgresql")
        def test_both(carrierdb_db):
            pass
    """)
    result = run_suite(project, None, "--collect-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[:3] == ["test_suite.py::test_one[sqlite]", "test_suite.py::test_both[sqlite]",
                                              "test_suite.py::test_both[postgresql]"]


def test_a_session_without_pytests_cache_keeps_its_templates_in_a_folder_git_ignores(tmp_path, carrierdb_admin_url):
    project = make_project(tmp_path, """
        def test_seeded(carrierdb_seeded_db, carrierdb_backend):
            assert carrierdb_seeded_db.query('SELECT count(*) AS n FROM carriers')[0]["n"] > 0
    """)
    result = run_suite(project, carrierdb_admin_url, "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert (project / ".carrierdb-cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_the_readme_example_runs_as_written(tmp_path, carrierdb_admin_url):
    (code,) = readme_blocks(REPO / "README.md", "## Testing with pytest", "python")
    project = make_project(tmp_path, code)
    result = run_suite(project, carrierdb_admin_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("7 passed"), result.stdout  # 3 tests on both backends, 1 on one
