"""Benchmark: loading relations with `include` on PostgreSQL. The statements one
`find_many(include={trucks: {include: {inspections}}, currentPolicy, _count: {trucks, loads}})` runs
(`db.statements_run`) over 10, 100, 1,000 and 10,000 carriers, which must not grow with the carriers
(each level's parent keys go in one array parameter), and its time against a hand-written psycopg 3 equivalent in the same run: one query per level with
`= ANY(%s)` over the parents' keys, the rows assembled into the same nested dicts.

    bench/run include            (BENCH_TRUCKS_PER_CARRIER=5, BENCH_INSPECTIONS_PER_TRUCK=2)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import defaultdict

import psycopg
from psycopg.rows import dict_row

import carrierdb
from common import ROOT, fresh_database, save_result

FLEET = ROOT / "examples" / "fleet"
SIZES = [10, 100, 1_000, 10_000]
TRUCKS_PER_CARRIER = int(os.environ.get("BENCH_TRUCKS_PER_CARRIER", "5"))
INSPECTIONS_PER_TRUCK = int(os.environ.get("BENCH_INSPECTIONS_PER_TRUCK", "2"))
INCLUDE = {"trucks": {"include": {"inspections": True}}, "currentPolicy": True,
           "_count": {"select": {"trucks": True, "loads": True}}}


def populate(db) -> None:
    """SIZES[-1] carriers, each with its trucks, their inspections and a current policy."""
    carriers = SIZES[-1]
    db.carrier.create_many([{"name": f"Carrier {k}", "mcNumber": f"MC{100000 + k}", "dotNumber": str(2000000 + k)}
                            for k in range(carriers)])
    db.model("InsurancePolicy").create_many([
        {"policyNumber": f"POL-{k}", "insurer": "Acme Mutual", "coverageAmount": "750000.00", "effectiveOn": "2024-01-01",
         "expiresOn": "2025-01-01", "carrierId": k + 1} for k in range(carriers)])
    db.execute("UPDATE carriers SET current_policy_id = id")  # policy k+1 belongs to carrier k+1
    db.truck.create_many([
        {"vin": f"1FT{n:014d}", "unitNumber": f"U{n}", "make": "Volvo", "modelYear": 2015 + n % 10, "carrierId": n // TRUCKS_PER_CARRIER + 1}
        for n in range(carriers * TRUCKS_PER_CARRIER)])
    db.model("Inspection").create_many([
        {"reportNumber": f"TX{n:010d}", "inspectedOn": "2024-06-01", "level": 1, "result": "PASSED",
         "truckId": n // INSPECTIONS_PER_TRUCK + 1} for n in range(carriers * TRUCKS_PER_CARRIER * INSPECTIONS_PER_TRUCK)])
    db.execute("ANALYZE")


def with_psycopg(conn, carriers: int) -> list[dict]:
    """The same read by hand: one query per level, parents' keys as one array parameter."""
    rows = conn.execute("SELECT * FROM carriers WHERE id <= %s ORDER BY id", [carriers]).fetchall()
    keys = [r["id"] for r in rows]
    trucks = conn.execute("SELECT * FROM trucks WHERE carrier_id = ANY(%s) ORDER BY id", [keys]).fetchall()
    inspections = conn.execute("SELECT * FROM inspections WHERE truck_id = ANY(%s) ORDER BY id", [[t["id"] for t in trucks]]).fetchall()
    policies = conn.execute("SELECT * FROM insurance_policies WHERE id = ANY(%s)",
                            [list({r["current_policy_id"] for r in rows if r["current_policy_id"] is not None})]).fetchall()
    truck_counts = {r["carrier_id"]: r["count"] for r in conn.execute(
        "SELECT carrier_id, count(*) FROM trucks WHERE carrier_id = ANY(%s) GROUP BY carrier_id", [keys])}
    load_counts = {r["carrier_id"]: r["count"] for r in conn.execute(
        "SELECT carrier_id, count(*) FROM loads WHERE carrier_id = ANY(%s) GROUP BY carrier_id", [keys])}
    by_truck, by_carrier = defaultdict(list), defaultdict(list)
    for i in inspections:
        by_truck[i["truck_id"]].append(i)
    for t in trucks:
        t["inspections"] = by_truck[t["id"]]
        by_carrier[t["carrier_id"]].append(t)
    policy = {p["id"]: p for p in policies}
    for r in rows:
        r["trucks"] = by_carrier[r["id"]]
        r["currentPolicy"] = policy.get(r["current_policy_id"])
        r["_count"] = {"trucks": truck_counts.get(r["id"], 0), "loads": load_counts.get(r["id"], 0)}
    return rows


def expected_statements(carriers: int) -> int:
    """One statement per relation level and per counted relation, whatever the number of parents:
    carriers, their trucks, the trucks' inspections, the current policies, and the two counts."""
    return 6


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    admin_url = os.environ["CARRIERDB_TEST_DATABASE_URL"]
    admin = carrierdb.connect(admin_url, pool_size=1)
    url = fresh_database(admin, admin_url, "bench_include", FLEET)
    db = carrierdb.connect(url, schema=str(FLEET / "schema.prisma"))
    populate(db)
    conn = psycopg.connect(url.split("?")[0], autocommit=True, row_factory=dict_row)
    result: dict = {"trucks_per_carrier": TRUCKS_PER_CARRIER, "inspections_per_truck": INSPECTIONS_PER_TRUCK, "sizes": []}
    lines = []
    for carriers in SIZES:
        where = {"id": {"lte": carriers}}
        before = db.statements_run
        rows = db.carrier.find_many(where, include=INCLUDE)
        statements = db.statements_run - before
        reference = with_psycopg(conn, carriers)
        assert len(rows) == len(reference) == carriers
        assert sum(len(t["inspections"]) for r in rows for t in r["trucks"]) == carriers * TRUCKS_PER_CARRIER * INSPECTIONS_PER_TRUCK
        assert [r["_count"] for r in rows] == [r["_count"] for r in reference]
        repeats = 21 if carriers <= 1_000 else 5
        ours = median_seconds(lambda: db.carrier.find_many(where, include=INCLUDE), repeats)
        theirs = median_seconds(lambda: with_psycopg(conn, carriers), repeats)
        result["sizes"].append({"carriers": carriers, "statements": statements, "expected_statements": expected_statements(carriers),
                                "carrierdb_s": ours, "psycopg_s": theirs, "ratio": ours / theirs})
        lines.append(f"include over {carriers:>6,} carriers ({carriers * TRUCKS_PER_CARRIER:,} trucks, "
                     f"{carriers * TRUCKS_PER_CARRIER * INSPECTIONS_PER_TRUCK:,} inspections): {statements} statements "
                     f"(psycopg by hand: 6); carrierdb {ours * 1000:.2f} ms vs psycopg {theirs * 1000:.2f} ms: {ours / theirs:.2f}x")
    as_expected = all(s["statements"] == s["expected_statements"] for s in result["sizes"])
    result["statements_as_expected"] = as_expected
    lines.append("statements: one per level and per count, at every size" if as_expected else
                 f"statements NOT as expected: {[(s['statements'], s['expected_statements']) for s in result['sizes']]}")
    conn.close()
    db.close()
    admin.execute('DROP DATABASE IF EXISTS "bench_include" WITH (FORCE)')
    save_result("include", result, lines)
    return 0 if as_expected else 1


if __name__ == "__main__":
    sys.exit(main())
