"""The pytest plugin's per-test database: setup plus teardown of the fixture, median over a suite of
200 small tests, today's way (CREATE DATABASE, migrate, seed, DROP for every test, as
carrierdb_seeded_db did before templates) against the clone handout, in the same pytest session.

The suite runs as a user's does: no URL, so the plugin starts its own server (on tmpfs, fsync
off) and both fixtures use it. Each test's setup and teardown phases are timed by a small plugin
(pytest_runtest_setup / pytest_runtest_teardown); the first test of each family also builds the
template, which the median leaves out and the result reports on its own (``max``).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from common import ROOT, save_result

TESTS = 200

TIMING_PLUGIN = '''
import json, time
import pytest

TIMES = {}

def _family(item):
    params = item.callspec.params
    return f"{item.originalname}[{params.get('todays_seeded_db', params.get('carrierdb_backend', 'postgresql'))}]"

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    t = time.perf_counter()
    yield
    item._bench_setup = time.perf_counter() - t

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    t = time.perf_counter()
    yield
    TIMES.setdefault(_family(item), []).append(item._bench_setup + time.perf_counter() - t)

def pytest_sessionfinish(session):
    with open("times.json", "w") as f:
        json.dump(TIMES, f)
'''

SUITE = f'''
import tempfile
from pathlib import Path

import pytest
import carrierdb
from carrierdb.pytest_plugin import with_database

N = range({TESTS})


@pytest.fixture(scope="session")
def disk_server_url():
    """The server scripts/test started before the plugin did: data on disk (/tmp), fsync off."""
    from carrierdb.testing.server import Server, server_bin

    server = Server(server_bin(), scratch=Path(tempfile.gettempdir()))
    yield server.start()
    server.stop()


@pytest.fixture(params=["disk server", "tmpfs server"])
def todays_seeded_db(request):
    """carrierdb_seeded_db before templates: a database created, migrated and seeded per test, on
    the server it ran against then (disk) and on the plugin's (tmpfs)."""
    admin_url = request.getfixturevalue("disk_server_url" if request.param == "disk server" else "carrierdb_admin_url")
    name = f"bench_today_{{request.node.callspec.params['n']}}"
    admin = carrierdb.connect(admin_url, pool_size=1)
    admin.execute(f'CREATE DATABASE "{{name}}"')
    db = carrierdb.connect(with_database(admin_url, name))
    db.migrations().deploy()
    db.seeds.apply("testing")
    yield db
    db.close()
    admin.execute(f'DROP DATABASE IF EXISTS "{{name}}" WITH (FORCE)')
    admin.close()


@pytest.mark.parametrize("n", N)
def test_today(todays_seeded_db, n):
    assert todays_seeded_db.query("SELECT count(*) AS c FROM carriers")[0]["c"] == 225


@pytest.mark.parametrize("n", N)
def test_clone(carrierdb_seeded_db, n):
    assert carrierdb_seeded_db.query("SELECT count(*) AS c FROM carriers")[0]["c"] == 225


@pytest.mark.carrierdb_backends("postgresql")
@pytest.mark.parametrize("n", range(50))
def test_clone_slower_tests(carrierdb_seeded_db, n):
    """Tests that take 80 ms each leave the background time to keep clones ready: what the handout
    itself costs, apart from how fast this machine makes clones."""
    assert carrierdb_seeded_db.query("SELECT count(*) AS c FROM carriers, pg_sleep(0.08)")[0]["c"] == 225


@pytest.mark.parametrize("n", N)
def test_transaction(carrierdb_tx_db, n):
    assert carrierdb_tx_db.query("SELECT count(*) AS c FROM carriers")[0]["c"] == 225
'''


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="carrierdb-bench-fixture."))
    try:
        for name in ("migrations", "seeds"):
            shutil.copytree(ROOT / name, work / name)
        shutil.copy(ROOT / "schema.prisma", work / "schema.prisma")
        (work / "pytest.ini").write_text("[pytest]\n")
        (work / "bench_timing.py").write_text(TIMING_PLUGIN)
        (work / "test_bench.py").write_text(textwrap.dedent(SUITE))
        env = {k: v for k, v in os.environ.items() if k != "CARRIERDB_TEST_DATABASE_URL"}
        env.update(CARRIERDB_PROJECT_DIR=str(work), CARRIERDB_ENV="test", PYTHONPATH=str(work))
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "bench_timing", "-x"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=3600)
        if run.returncode != 0:
            print(run.stdout[-4000:], run.stderr[-4000:], file=sys.stderr)
            return 1
        times = json.loads((work / "times.json").read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result = {"tests_per_family": TESTS, "load_average": os.getloadavg()}
    for family, seconds in sorted(times.items()):
        result[family] = {"median_ms": statistics.median(seconds) * 1000, "p90_ms": sorted(seconds)[int(len(seconds) * 0.9)] * 1000,
                          "max_ms": max(seconds) * 1000, "tests": len(seconds)}
    today = result["test_today[disk server]"]["median_ms"]
    today_tmpfs = result["test_today[tmpfs server]"]["median_ms"]
    clone_pg = result["test_clone[postgresql]"]["median_ms"]
    result["postgresql_speedup"] = today / clone_pg
    result["postgresql_speedup_same_server"] = today_tmpfs / clone_pg
    lines = [f"fixture setup + teardown per test, median over {TESTS} tests (p90, max incl. the template build); "
             f"load average {result['load_average'][0]:.1f} on {os.cpu_count()} cores:"]
    for family in sorted(times):
        r = result[family]
        lines.append(f"  {family:36} {r['median_ms']:8.2f} ms  (p90 {r['p90_ms']:.2f}, max {r['max_ms']:.1f})")
    lines += [
        f"PostgreSQL clone handout {clone_pg:.2f} ms vs today's {today:.1f} ms (disk server, as scripts/test ran it) "
        f"-> {result['postgresql_speedup']:.1f}x (target <= 25 ms and >= 8x); vs today's on the same tmpfs server "
        f"{today_tmpfs:.1f} ms -> {result['postgresql_speedup_same_server']:.1f}x",
        f"  when each test runs 80 ms (clones ready in time): {result['test_clone_slower_tests[postgresql]']['median_ms']:.2f} ms",
        f"SQLite clone {result['test_clone[sqlite]']['median_ms']:.2f} ms (target <= 2 ms); transaction fixture "
        f"{result['test_transaction[postgresql]']['median_ms']:.2f} ms PostgreSQL, "
        f"{result['test_transaction[sqlite]']['median_ms']:.2f} ms SQLite (target <= 1 ms)",
    ]
    return save_result("fixture", result, lines)


if __name__ == "__main__":
    sys.exit(main())
