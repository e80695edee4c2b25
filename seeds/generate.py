"""Generates the seed data files, reproducibly: the same bytes on every run.

    .venv/bin/python seeds/generate.py [OUT]    (rewrites seeds/shared, development, testing; or under OUT)

Names come from the real FMCSA sample in seeds/source (legal and DBA names, with their
apostrophes, ampersands and LLC/INC), plus generated names with non-ASCII letters; MC numbers and
statuses are drawn from a fixed-seed random generator. Nothing here is typed by hand.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source" / "fmcsa_carriers_ca_2024.csv"
DEVELOPMENT_SIZE = 5000
CORE_SIZE = 25
TESTING_EVERY = 25  # the testing set: every 25th development carrier
STATUSES = [("ACTIVE", 80), ("INACTIVE", 10), ("SUSPENDED", 6), ("REVOKED", 4)]

PLACES = ["Blue Ridge", "Lone Star", "Sierra", "Golden Gate", "Mojave", "Cascade", "Redwood", "Great Plains", "Bayou", "Tidewater",
          "Rocky Mountain", "Gulf Coast", "Inland Empire", "Central Valley", "High Desert", "Big Sky", "Ozark", "Piedmont"]
PEOPLE = ["O'Connor", "O'Brien", "McAllister", "Müller", "Peña", "Nguyễn", "Søren", "Kowalski", "D'Angelo", "Ramírez", "Ødegaard",
          "Van der Berg", "São Paulo", "Zürich", "Łukasz", "Çelik", "Ibáñez", "Björk"]
KINDS = ["Freight", "Trucking", "Transport", "Logistics", "Haulage", "Express", "Carriers", "Lines", "Moving & Storage", "Hauling"]
SUFFIXES = ["LLC", "INC", "Inc.", "Co.", "& Sons", "& Daughters LLC", "Corp", "LTD", "Group LLC", ""]


def fmcsa_names() -> list[str]:
    names: list[str] = []
    with SOURCE.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for column in ("LEGAL NAME", "DBA NAME"):
                name = " ".join(row[column].split())
                if name and name not in names:
                    names.append(name)
    return names


def weighted_status(rng: random.Random) -> str:
    return rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]


def generated_name(rng: random.Random) -> str:
    head = rng.choice(PLACES + PEOPLE)
    name = f"{head} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}".strip()
    return name


def carriers(rng: random.Random, count: int, real_names: list[str], mc_numbers: list[int]) -> list[dict]:
    out, seen = [], set()
    real = iter(real_names)
    while len(out) < count:
        # Real names first (every other row while they last), generated ones in between.
        name = next(real, None) if len(out) % 2 == 0 else None
        name = name or generated_name(rng)
        if name in seen:
            name = f"{name} #{len(out)}"
        seen.add(name)
        out.append({"name": name, "mcNumber": f"MC{mc_numbers[len(out)]}", "status": weighted_status(rng)})
    return out


def write(path: Path, rows: list[dict], mc_style: str = "plain") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["name", "mcNumber", "status"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(out: Path = HERE) -> None:
    rng = random.Random(20241001)
    names = fmcsa_names()
    mc_numbers = rng.sample(range(100000, 1600000), DEVELOPMENT_SIZE + CORE_SIZE)
    core = carriers(rng, CORE_SIZE, names[:CORE_SIZE], mc_numbers[DEVELOPMENT_SIZE:])
    for row in core:
        row["status"] = "ACTIVE"
    development = carriers(rng, DEVELOPMENT_SIZE, names[CORE_SIZE:], mc_numbers)
    # Seed files use the forms people type; the schema normalises them to MC123456.
    for k, row in enumerate(development):
        if k % 7 == 3:
            row["mcNumber"] = row["mcNumber"].replace("MC", "MC-")
        elif k % 11 == 5:
            row["mcNumber"] = row["mcNumber"].replace("MC", "mc ")
    write(out / "shared" / "core_carriers.csv", core)
    write(out / "development" / "carriers.csv", development)
    write(out / "testing" / "carriers.csv", development[::TESTING_EVERY])


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
