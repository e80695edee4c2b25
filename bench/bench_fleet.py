"""Benchmark: seeding the fleet example at scale (100,000 carriers, 1,000,000 trucks naming their
carrier by `carrier.mcNumber`) through the fleet seed format, against `psql \\copy` of the same rows
into the same tables (the trucks with their carrier ids already resolved), in the same run.

    bench/run fleet              (BENCH_CARRIERS=100000, BENCH_TRUCKS=1000000)
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import carrierdb
from common import ROOT, fresh_database, psql_env, save_result

FLEET = ROOT / "examples" / "fleet"
CARRIERS = int(os.environ.get("BENCH_CARRIERS", "100000"))
TRUCKS = int(os.environ.get("BENCH_TRUCKS", "1000000"))
VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O or Q


def vin(k: int) -> str:
    digits = []
    for _ in range(14):
        k, r = divmod(k, len(VIN_LETTERS))
        digits.append(VIN_LETTERS[r])
    return "1FT" + "".join(reversed(digits))


def write_data(folder: Path) -> tuple[Path, Path, Path, Path]:
    """The seed files (trucks by carrier.mcNumber) and psql's files (trucks by carrier_id)."""
    rng = random.Random(11)
    makes = ["Freightliner", "Kenworth", "Peterbilt", "Volvo", "International", "Mack"]
    carriers, trucks = folder / "carriers.csv", folder / "trucks.csv"
    carriers_psql, trucks_psql = folder / "carriers_psql.csv", folder / "trucks_psql.csv"
    with carriers.open("w", newline="") as f, carriers_psql.open("w", newline="") as g:
        w, p = csv.writer(f, lineterminator="\n"), csv.writer(g, lineterminator="\n")
        w.writerow(["name", "mcNumber", "dotNumber", "status"])
        for k in range(CARRIERS):
            row = [f"Carrier {k} Freight & Sons LLC", f"MC{100000 + k}", str(2000000 + k), "ACTIVE"]
            w.writerow(row)
            p.writerow(row + ["2024-01-01", "2024-01-01"])
    with trucks.open("w", newline="") as f, trucks_psql.open("w", newline="") as g:
        w, p = csv.writer(f, lineterminator="\n"), csv.writer(g, lineterminator="\n")
        w.writerow(["vin", "unitNumber", "make", "modelYear", "status", "carrier.mcNumber"])
        for k in range(TRUCKS):
            carrier = k % CARRIERS
            row = [vin(k), f"U{k // CARRIERS:05d}", rng.choice(makes), str(2005 + k % 20), "IN_SERVICE"]
            w.writerow(row + [f"MC{100000 + carrier}"])
            p.writerow(row + [str(carrier + 1), "2024-01-01", "2024-01-01"])  # the fresh table numbers carriers 1, 2, ...
    return carriers, trucks, carriers_psql, trucks_psql


def fresh(admin, admin_url: str, name: str) -> str:
    return fresh_database(admin, admin_url, name, FLEET)


def seed_in_subprocess(url: str, seeds: Path, force: bool) -> dict:
    code = textwrap.dedent(
        """
        import json, resource, sys, time, carrierdb
        db = carrierdb.connect(sys.argv[1], schema=sys.argv[3])
        t = time.perf_counter()
        report = db.seeds.apply("bench", directory=sys.argv[2], force=sys.argv[4] == "1")
        seconds = time.perf_counter() - t
        print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          "inserted": report.inserted, "unchanged": report.unchanged, "rejected": report.rejected}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code, url, str(seeds), str(FLEET / "schema.prisma"), "1" if force else "0"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> int:
    admin_url = os.environ["CARRIERDB_TEST_DATABASE_URL"]
    admin = carrierdb.connect(admin_url, pool_size=1)
    work = Path(tempfile.mkdtemp(prefix="carrierdb-fleet-bench-"))
    folder = work / "seeds" / "bench"
    folder.mkdir(parents=True)
    carriers, trucks, carriers_psql, trucks_psql = write_data(folder)
    (folder / "manifest.json").write_text(json.dumps({"name": "bench", "version": "1", "files": [
        {"path": "trucks.csv", "model": "Truck", "key": ["vin"]},  # children first: the order comes from the schema
        {"path": "carriers.csv", "model": "Carrier", "key": ["mcNumber"]}]}))
    result: dict = {"carriers": CARRIERS, "trucks": TRUCKS}

    # 1. psql \copy of the same rows into the same (migrated, empty) tables, ids already resolved.
    url = fresh(admin, admin_url, "bench_fleet_copy")
    env = psql_env(url)
    t = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-c", f"\\copy carriers (name, mc_number, dot_number, status, created_at, updated_at) FROM '{carriers_psql}' WITH (FORMAT csv)",
                    "-c", f"\\copy trucks (vin, unit_number, make, model_year, status, carrier_id, created_at, updated_at) "
                          f"FROM '{trucks_psql}' WITH (FORMAT csv)"], env=env, check=True)
    result["psql_copy_s"] = time.perf_counter() - t

    # 2. carrierdb: the fleet seed format, references resolved by the seed; then the same again.
    url = fresh(admin, admin_url, "bench_fleet_seed")
    first = seed_in_subprocess(url, work / "seeds", force=False)
    assert first["inserted"] == CARRIERS + TRUCKS and first["rejected"] == 0, first
    again = seed_in_subprocess(url, work / "seeds", force=True)
    assert again["unchanged"] == CARRIERS + TRUCKS, again
    check = carrierdb.connect(url, schema=str(FLEET / "schema.prisma"))
    joined = check.query("SELECT count(*) AS n FROM trucks t JOIN carriers c ON c.id = t.carrier_id")[0]["n"]
    sample = {r["vin"]: r["mc"] for r in check.query(
        "SELECT t.vin, c.mc_number AS mc FROM trucks t JOIN carriers c ON c.id = t.carrier_id WHERE t.vin IN ($1, $2)",
        [vin(0), vin(CARRIERS + 1)])}
    check.close()
    assert joined == TRUCKS and sample == {vin(0): "MC100000", vin(CARRIERS + 1): "MC100001"}, (joined, sample)
    result.update(first_load_s=first["seconds"], first_load_rss_mb=first["rss_mb"], reseed_s=again["seconds"])
    result["throughput_ratio_vs_psql_copy"] = result["psql_copy_s"] / result["first_load_s"]
    for name in ("bench_fleet_copy", "bench_fleet_seed"):
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"PostgreSQL fleet, {CARRIERS:,} carriers + {TRUCKS:,} trucks (by carrier.mcNumber): psql \\copy {result['psql_copy_s']:.2f} s, "
          f"carrierdb seed {result['first_load_s']:.2f} s -> {result['throughput_ratio_vs_psql_copy']:.2f}x psql's throughput "
          f"(target >= 0.8x); peak RSS {result['first_load_rss_mb']:.0f} MB; unchanged re-seed {result['reseed_s']:.2f} s")
    save_result("fleet", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
