"""Benchmark: seeding 1,000,000 carriers, against the references of the issue, in the same run.

1. PostgreSQL, first load: carrierdb seed (validated, idempotent) vs `psql \\copy` of the same CSV.
2. PostgreSQL, the same unchanged rows again (forced past the version check) vs the first load.
3. Peak RSS of the seeding process (the rows are streamed).
4. From a pandas DataFrame: carrierdb db.seeds.records vs DataFrame.to_sql (SQLAlchemy + psycopg).
5. SQLite, 1M rows: carrierdb seed vs Python's sqlite3 executemany in one transaction.

    bench/run seeding            (BENCH_ROWS=1000000, BENCH_FRAME_ROWS=200000)
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

import carrierdb
from common import ROOT, fresh_database, save_result

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
FRAME_ROWS = int(os.environ.get("BENCH_FRAME_ROWS", "200000"))



def fresh(admin, admin_url: str, name: str) -> str:
    return fresh_database(admin, admin_url, name)


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    statuses = ["ACTIVE"] * 8 + ["INACTIVE", "SUSPENDED"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "mcNumber", "status"])
        for k in range(rows):
            w.writerow([f"Carrier {k} O'Brien & Sons LLC", f"MC{k + 1}", rng.choice(statuses)])


def seed_in_subprocess(url: str, seeds: Path, force: bool) -> tuple[float, float, dict]:
    """Runs the seed in a child process so its peak RSS is its own."""
    code = textwrap.dedent(
        """
        import json, resource, sys, time, carrierdb
        db = carrierdb.connect(sys.argv[1], schema=sys.argv[3])
        t = time.perf_counter()
        report = db.seeds.apply("bench", directory=sys.argv[2], force=sys.argv[4] == "1")
        seconds = time.perf_counter() - t
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "inserted": report.inserted, "unchanged": report.unchanged}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code, url, str(seeds), str(ROOT / "schema.prisma"), "1" if force else "0"],
                         check=True, capture_output=True, text=True)
    data = json.loads(out.stdout)
    return data["seconds"], data["rss_mb"], data


def main() -> int:
    admin_url = os.environ["CARRIERDB_TEST_DATABASE_URL"]
    admin = carrierdb.connect(admin_url, pool_size=1)
    work = Path(tempfile.mkdtemp(prefix="carrierdb-seed-bench-"))
    seeds = work / "seeds"
    (seeds / "bench").mkdir(parents=True)
    data = seeds / "bench" / "carriers.csv"
    write_csv(data, ROWS)
    (seeds / "bench" / "manifest.json").write_text(json.dumps({"name": "bench", "version": "1", "files": [
        {"path": "carriers.csv", "model": "Carrier", "key": ["mcNumber"]}]}))
    result: dict = {"rows": ROWS}

    # 1. psql \copy into the migrated (empty) table, the same indexes: the server's own floor.
    url = fresh(admin, admin_url, "bench_copy")
    p = urlsplit(url)
    env = dict(os.environ, PGPASSWORD=p.password or "")
    t = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-h", p.hostname, "-p", str(p.port), "-U", p.username, "-d", "bench_copy", "-c",
                    f"\\copy carriers (name, mc_number, status, created_at, updated_at) FROM PROGRAM "
                    f"'tail -n +2 {data} | sed \"s/$/,2024-01-01,2024-01-01/\"' WITH (FORMAT csv)"], env=env, check=True)
    result["psql_copy_s"] = time.perf_counter() - t

    # 2-3. carrierdb: first load, then the same rows again.
    url = fresh(admin, admin_url, "bench_seed")
    result["first_load_s"], result["first_load_rss_mb"], first = seed_in_subprocess(url, seeds, force=False)
    assert first["inserted"] == ROWS, first
    result["reseed_s"], result["reseed_rss_mb"], again = seed_in_subprocess(url, seeds, force=True)
    assert again["unchanged"] == ROWS, again
    result["throughput_ratio_vs_psql_copy"] = result["psql_copy_s"] / result["first_load_s"]
    result["reseed_over_first"] = result["reseed_s"] / result["first_load_s"]

    # 4. DataFrame: db.seeds.records vs to_sql.
    import pandas as pd
    from sqlalchemy import create_engine

    # Without the enum column on both sides: SQLAlchemy binds strings as VARCHAR, which PostgreSQL
    # will not put into an enum; the column's default applies to both loads instead.
    frame = pd.read_csv(data, nrows=FRAME_ROWS, keep_default_na=False).drop(columns=["status"])
    url = fresh(admin, admin_url, "bench_frame")
    db = carrierdb.connect(url, schema=str(ROOT / "schema.prisma"))
    t = time.perf_counter()
    assert db.seeds.records("Carrier", frame, key=["mcNumber"]).inserted == FRAME_ROWS
    result["frame_seed_s"] = time.perf_counter() - t
    db.close()
    url = fresh(admin, admin_url, "bench_tosql")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    plain = frame.rename(columns={"mcNumber": "mc_number"}).assign(created_at=pd.Timestamp("2024-01-01"), updated_at=pd.Timestamp("2024-01-01"))
    t = time.perf_counter()
    plain.to_sql("carriers", engine, if_exists="append", index=False)
    result["frame_to_sql_s"] = time.perf_counter() - t
    engine.dispose()
    result["frame_speedup"] = result["frame_to_sql_s"] / result["frame_seed_s"]
    result["frame_rows"] = FRAME_ROWS

    # 5. SQLite: 1M rows, carrierdb seed vs sqlite3 executemany in one transaction. The PostgreSQL
    # loads above leave the server writing them out; a checkpoint first keeps that I/O out of both.
    admin.execute("CHECKPOINT")
    target = work / "seed.db"
    db = carrierdb.connect(f"sqlite:{target}", schema=str(ROOT / "schema.prisma"))
    db.migrations(ROOT / "migrations").deploy()
    t = time.perf_counter()
    assert db.seeds.apply("bench", directory=seeds).inserted == ROWS
    result["sqlite_seed_s"] = time.perf_counter() - t
    db.close()
    reference = work / "reference.db"
    db = carrierdb.connect(f"sqlite:{reference}", schema=str(ROOT / "schema.prisma"))
    db.migrations(ROOT / "migrations").deploy()
    db.close()
    con = sqlite3.connect(reference)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    t = time.perf_counter()
    with data.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        with con:
            con.executemany("INSERT INTO carriers (name, mc_number, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                            ((name, mc, status, 1704067200000, 1704067200000) for name, mc, status in reader))
    result["sqlite3_executemany_s"] = time.perf_counter() - t
    con.close()
    result["sqlite_speedup"] = result["sqlite3_executemany_s"] / result["sqlite_seed_s"]

    for name in ("bench_copy", "bench_seed", "bench_frame", "bench_tosql"):
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return save_result("seeding", result, [
        f"PostgreSQL, {ROWS:,} rows: psql \\copy {result['psql_copy_s']:.2f} s, carrierdb seed {result['first_load_s']:.2f} s "
         f"-> {result['throughput_ratio_vs_psql_copy']:.2f}x psql's throughput (target >= 0.8x); peak RSS {result['first_load_rss_mb']:.0f} MB",
        f"  unchanged re-seed {result['reseed_s']:.2f} s = {result['reseed_over_first']:.2f} of the first load (target <= 0.5); "
         f"peak RSS {result['reseed_rss_mb']:.0f} MB (target < 100 MB)",
        f"DataFrame, {FRAME_ROWS:,} rows: seeds.records {result['frame_seed_s']:.2f} s, to_sql {result['frame_to_sql_s']:.2f} s "
         f"-> {result['frame_speedup']:.1f}x faster (target >= 5x)",
        f"SQLite, {ROWS:,} rows: carrierdb seed {result['sqlite_seed_s']:.2f} s, sqlite3 executemany {result['sqlite3_executemany_s']:.2f} s "
         f"-> {result['sqlite_speedup']:.2f}x faster (target >= 1.5x)",
    ])


if __name__ == "__main__":
    sys.exit(main())
