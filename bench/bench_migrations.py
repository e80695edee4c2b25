"""Benchmark: apply 200 small migrations to an empty PostgreSQL database, against psql running
the same files in one session, in the same run; and `status` over 1,000 migrations.

    bench/run migrations          (starts a durable PostgreSQL 15 of its own)

Prints a table and writes bench/results/migrations.json. Ratios, not absolute times, are the
result: both sides run against the same server, one after the other, REPEAT times each.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import carrierdb
from common import psql_env, save_result, with_db

REPEAT = int(os.environ.get("BENCH_REPEAT", "9"))



def write_migrations(folder: Path, count: int) -> list[Path]:
    """Odd migrations create a table, even ones add a column to it (the issue's workload)."""
    files = []
    for k in range(1, count + 1):
        name = f"2024{k:010d}_step_{k}"
        table = f"t{(k + 1) // 2}"
        sql = f"CREATE TABLE {table} (id INTEGER PRIMARY KEY);\n" if k % 2 else f"ALTER TABLE {table} ADD COLUMN c{k} TEXT;\n"
        (folder / name).mkdir(parents=True)
        (folder / name / "migration.sql").write_text(sql)
        files.append(folder / name / "migration.sql")
    (folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
    return files


class fresh_database:
    def __init__(self, admin, admin_url: str, name: str):
        self.admin, self.name = admin, name
        self.url = with_db(admin_url, name)

    def __enter__(self) -> str:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def main() -> int:
    admin_url = os.environ["CARRIERDB_TEST_DATABASE_URL"]
    admin = carrierdb.connect(admin_url, pool_size=1)
    work = Path(tempfile.mkdtemp(prefix="carrierdb-bench-"))
    try:
        folder = work / "m200"
        files = write_migrations(folder, 200)
        psql_args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"] + [a for f in files for a in ("-f", str(f))]

        psql_times, carrierdb_times = [], []
        for round_ in range(REPEAT):
            with fresh_database(admin, admin_url, "bench_psql") as url:
                start = time.perf_counter()
                subprocess.run(psql_args, env=psql_env(url), check=True)
                psql_times.append(time.perf_counter() - start)
            with fresh_database(admin, admin_url, "bench_carrierdb") as url:
                db = carrierdb.connect(url)
                start = time.perf_counter()
                report = db.migrations(folder).deploy()
                carrierdb_times.append(time.perf_counter() - start)
                assert len(report.migrations) == 200
                db.close()

        big = work / "m1000"
        write_migrations(big, 1000)
        with fresh_database(admin, admin_url, "bench_status") as url:
            db = carrierdb.connect(url)
            db.migrations(big).deploy()
            status_times = []
            for _ in range(10):
                start = time.perf_counter()
                status = db.migrations(big).status()
                status_times.append(time.perf_counter() - start)
            assert len(status.applied) == 1000
            db.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    psql_median = statistics.median(psql_times)
    ours = statistics.median(carrierdb_times)
    status_median = statistics.median(status_times)
    result = {
        "server": admin.server_version,
        "repeat": REPEAT,
        "deploy_200_psql_s": psql_median,
        "deploy_200_carrierdb_s": ours,
        "ratio_carrierdb_over_psql": ours / psql_median,
        "status_1000_s": status_median,
        "targets": {"deploy_200_s": 0.3, "ratio": 1.2, "status_1000_s": 0.05},
    }
    pairs = sorted(c / p for c, p in zip(carrierdb_times, psql_times))
    result["ratio_per_round"] = pairs
    result["psql_s"] = psql_times
    result["carrierdb_s"] = carrierdb_times
    print(f"200 migrations, median of {REPEAT} interleaved rounds: psql {psql_median:.3f} s "
          f"(min {min(psql_times):.3f}, max {max(psql_times):.3f}), carrierdb deploy {ours:.3f} s "
          f"(min {min(carrierdb_times):.3f}, max {max(carrierdb_times):.3f})")
    print(f"  ratio of medians {ours / psql_median:.2f}x psql; per-round ratios {', '.join(f'{r:.2f}' for r in pairs)} "
          f"(target <= 1.2x and <= 0.3 s; each migration costs one commit on both sides, plus 3 round trips here "
          f"for BEGIN, the history row and COMMIT)")
    print(f"status over 1,000 migrations, median of 10: {status_median * 1000:.1f} ms (target <= 50 ms)")
    save_result("migrations", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
