"""Benchmark: the validated repository against psycopg 3 (the C-accelerated psycopg[binary]
users install), on the same durable PostgreSQL 15, in the same run.

1. one validated ``db.carrier.create`` vs psycopg's autocommit INSERT: p50 and p90 latency;
2. ``create_many`` of 100,000 carriers vs psycopg ``executemany`` in one transaction.

    bench/run repository
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time

import psycopg

import carrierdb
from common import ROOT, save_result, with_db

SINGLE = int(os.environ.get("BENCH_SINGLE", "3000"))
MANY = int(os.environ.get("BENCH_MANY", "100000"))



def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    admin_url = os.environ["CARRIERDB_TEST_DATABASE_URL"]
    admin = carrierdb.connect(admin_url, pool_size=1)
    admin.execute('DROP DATABASE IF EXISTS "bench_repo" WITH (FORCE)')
    admin.execute('CREATE DATABASE "bench_repo"')
    url = with_db(admin_url, "bench_repo")
    db = carrierdb.connect(url, schema=str(ROOT / "schema.prisma"))
    db.migrations(ROOT / "migrations").deploy()
    pg = psycopg.connect(url, autocommit=True)
    insert = "INSERT INTO carriers (name, mc_number, updated_at) VALUES (%s, %s, now())"

    # 1. single inserts, interleaved in blocks so both see the same server conditions.
    # Also psycopg running what create() runs: explicit timestamps, the columns the database
    # decides returned (the id and the status default; the rest is echoed from what was sent).
    returning = ('INSERT INTO carriers (name, mc_number, created_at, updated_at) VALUES (%s, %s, %s, %s) '
                 'RETURNING id AS "id", status AS "status"')
    ours, theirs, same_work = [], [], []
    block = 100
    for start in range(0, SINGLE, block):
        for k in range(start, start + block):
            t = time.perf_counter()
            db.carrier.create({"name": f"Carrier {k}", "mcNumber": f"MC{k}"})
            ours.append(time.perf_counter() - t)
        for k in range(start, start + block):
            t = time.perf_counter()
            pg.execute(insert, (f"Carrier {k}", f"MC{k + 5_000_000}"))
            theirs.append(time.perf_counter() - t)
        for k in range(start, start + block):
            now = datetime.datetime.now(datetime.timezone.utc)
            t = time.perf_counter()
            pg.execute(returning, (f"Carrier {k}", f"MC{k + 9_000_000}", now, now)).fetchone()
            same_work.append(time.perf_counter() - t)
    db.carrier.delete_many()

    # 2. bulk: 100,000 carriers, each side into an empty table, one transaction each.
    rows = [{"name": f"Bulk Carrier {k} LLC", "mcNumber": f"MC{k}", "status": "ACTIVE"} for k in range(MANY)]
    t = time.perf_counter()
    assert db.carrier.create_many(rows) == MANY
    ours_bulk = time.perf_counter() - t
    db.carrier.delete_many()
    tuples = [(r["name"], r["mcNumber"], r["status"]) for r in rows]
    pg.autocommit = False
    t = time.perf_counter()
    with pg.cursor() as cur:
        cur.executemany("INSERT INTO carriers (name, mc_number, status, updated_at) VALUES (%s, %s, %s, now())", tuples)
    pg.commit()
    theirs_bulk = time.perf_counter() - t
    pg.close()
    db.close()
    admin.execute('DROP DATABASE IF EXISTS "bench_repo" WITH (FORCE)')

    result = {
        "psycopg": psycopg.__version__,
        "psycopg_impl": psycopg.pq.__impl__,
        "single_create_p50_ms": statistics.median(ours) * 1000,
        "single_create_p90_ms": percentile(ours, 0.9) * 1000,
        "psycopg_insert_p50_ms": statistics.median(theirs) * 1000,
        "psycopg_insert_p90_ms": percentile(theirs, 0.9) * 1000,
        "single_ratio_p50": statistics.median(ours) / statistics.median(theirs),
        "psycopg_insert_returning_p50_ms": statistics.median(same_work) * 1000,
        "single_ratio_vs_same_statement_p50": statistics.median(ours) / statistics.median(same_work),
        "create_many_s": ours_bulk,
        "psycopg_executemany_s": theirs_bulk,
        "bulk_speedup": theirs_bulk / ours_bulk,
        "targets": {"single_ratio_p50": 1.1, "bulk_speedup": 2.0},
    }
    return save_result("repository", result, [
        f"single validated create, p50 of {SINGLE}: carrierdb {result['single_create_p50_ms']:.3f} ms, "
         f"psycopg[{result['psycopg_impl']}] INSERT {result['psycopg_insert_p50_ms']:.3f} ms "
         f"-> {result['single_ratio_p50']:.2f}x (target <= 1.1x)",
        f"  psycopg running create()'s statement (timestamps, RETURNING id and status) {result['psycopg_insert_returning_p50_ms']:.3f} ms "
         f"-> carrierdb at {result['single_ratio_vs_same_statement_p50']:.2f}x of it",
        f"create_many {MANY:,}: carrierdb {ours_bulk:.2f} s, psycopg executemany {theirs_bulk:.2f} s "
         f"-> {result['bulk_speedup']:.1f}x faster (target >= 2x)",
    ])


if __name__ == "__main__":
    sys.exit(main())
