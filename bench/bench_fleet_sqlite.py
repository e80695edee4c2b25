"""Benchmark: seeding the fleet example at scale into SQLite (the same 100,000 carriers and 1,000,000
trucks naming their carrier by `carrier.mcNumber` as `bench/run fleet`), against the sqlite3 command
line shell's `.import --csv` of the same rows into the same migrated tables, in the same run.

`.import` into an existing table takes every column in table order and binds an empty field as ''
(never NULL): the trucks' file carries every column (ids, the carrier ids already resolved,
timestamps). The carriers' empty `parent_id` and unique `current_policy_id` cannot be given that
way, so their file goes into a new table and one `INSERT ... SELECT` moves the rows, in the same run.

    bench/run fleet_sqlite       (BENCH_CARRIERS=100000, BENCH_TRUCKS=1000000)
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import carrierdb
from bench_fleet import CARRIERS, FLEET, TRUCKS, seed_in_subprocess, vin, write_data
from common import save_result

UPDATED_MS = "1704067200000"  # 2024-01-01 as carrierdb stores a DateTime on SQLite (Unix milliseconds)


def import_files(folder: Path, carriers: Path, trucks: Path) -> tuple[Path, Path]:
    """The seed files as `.import` wants them: every column of the table, in its order."""
    carriers_import, trucks_import = folder / "carriers_import.csv", folder / "trucks_import.csv"
    ids: dict[str, int] = {}
    with carriers.open(newline="") as f, carriers_import.open("w", newline="") as g:
        out = csv.writer(g, lineterminator="\n")
        out.writerow(["id", "name", "mc_number", "dot_number", "status", "created_at", "updated_at"])  # names the new table's columns
        for n, row in enumerate(csv.DictReader(f), start=1):
            ids[row["mcNumber"]] = n
            out.writerow([n, row["name"], row["mcNumber"], row["dotNumber"], row["status"], UPDATED_MS, UPDATED_MS])
    with trucks.open(newline="") as f, trucks_import.open("w", newline="") as g:
        out = csv.writer(g, lineterminator="\n")
        for n, row in enumerate(csv.DictReader(f), start=1):
            out.writerow([n, row["vin"], row["unitNumber"], row["make"], row["modelYear"], row["status"],
                          ids[row["carrier.mcNumber"]], UPDATED_MS, UPDATED_MS])
    return carriers_import, trucks_import


def migrated(path: Path) -> str:
    url = f"sqlite:{path}"
    db = carrierdb.connect(url, schema=str(FLEET / "schema.prisma"))
    db.migrations(FLEET / "migrations").deploy()
    db.close()
    return url


def main() -> int:
    if not shutil.which("sqlite3"):
        print("the sqlite3 command line shell is not installed (apt-get install sqlite3)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="carrierdb-fleet-sqlite-bench-"))
    folder = work / "seeds" / "bench"
    folder.mkdir(parents=True)
    carriers, trucks, _, _ = write_data(folder)
    carriers_import, trucks_import = import_files(work, carriers, trucks)
    (folder / "manifest.json").write_text(json.dumps({"name": "bench", "version": "1", "files": [
        {"path": "trucks.csv", "model": "Truck", "key": ["vin"]},
        {"path": "carriers.csv", "model": "Carrier", "key": ["mcNumber"]}]}))
    result: dict = {"carriers": CARRIERS, "trucks": TRUCKS, "reference": "sqlite3 shell .import --csv"}

    # 1. The sqlite3 shell: .import of both files (the carriers through a table of their own); the shell
    #    wraps each .import in one transaction.
    reference = work / "import.db"
    migrated(reference)
    t = time.perf_counter()
    columns = "id, name, mc_number, dot_number, status, created_at, updated_at"
    subprocess.run(["sqlite3", "-bail", str(reference), f".import --csv {carriers_import} carriers_import",
                    f"INSERT INTO carriers ({columns}) SELECT {columns} FROM carriers_import", "DROP TABLE carriers_import",
                    f".import --csv {trucks_import} trucks"], check=True)
    result["sqlite3_import_s"] = time.perf_counter() - t

    # 2. carrierdb: the fleet seed format, references resolved by the seed; then the same again.
    url = migrated(work / "seed.db")
    first = seed_in_subprocess(url, work / "seeds", force=False)
    assert first["inserted"] == CARRIERS + TRUCKS and first["rejected"] == 0, first
    again = seed_in_subprocess(url, work / "seeds", force=True)
    assert again["unchanged"] == CARRIERS + TRUCKS, again
    for path in (reference, work / "seed.db"):
        check = carrierdb.connect(f"sqlite:{path}", schema=str(FLEET / "schema.prisma"))
        sample = {r["vin"]: r["mc"] for r in check.query(
            "SELECT t.vin, c.mc_number AS mc FROM trucks t JOIN carriers c ON c.id = t.carrier_id WHERE t.vin IN ($1, $2)",
            [vin(0), vin(CARRIERS + 1)])}
        joined = check.query("SELECT count(*) AS n FROM trucks t JOIN carriers c ON c.id = t.carrier_id "
                             "WHERE c.parent_id IS NULL")[0]["n"]
        check.close()
        assert joined == TRUCKS and sample == {vin(0): "MC100000", vin(CARRIERS + 1): "MC100001"}, (path, joined, sample)
    result.update(first_load_s=first["seconds"], first_load_rss_mb=first["rss_mb"], reseed_s=again["seconds"])
    result["throughput_ratio_vs_sqlite3_import"] = result["sqlite3_import_s"] / result["first_load_s"]
    shutil.rmtree(work)
    return save_result("fleet_sqlite", result, [
        f"SQLite fleet, {CARRIERS:,} carriers + {TRUCKS:,} trucks (by carrier.mcNumber): sqlite3 .import {result['sqlite3_import_s']:.2f} s, "
        f"carrierdb seed {result['first_load_s']:.2f} s -> {result['throughput_ratio_vs_sqlite3_import']:.2f}x .import's throughput; "
        f"peak RSS {result['first_load_rss_mb']:.0f} MB; unchanged re-seed {result['reseed_s']:.2f} s"])


if __name__ == "__main__":
    sys.exit(main())
