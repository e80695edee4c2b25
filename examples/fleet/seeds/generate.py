"""Writes the fleet example's seed files, reproducibly (fixed seed): `python examples/fleet/seeds/generate.py`.

shared/      the core carriers and the tags, loaded by every set
development/ the full dataset: every carrier and everything that hangs off it
testing/     the same files cut down to the core carriers and the first few generated ones
production/  (manifest only) the shared files

Child rows name their parent by its natural key in a `<relationField>.<uniqueField>` column
(`carrier.mcNumber`, `truck.vin`, `driver.licenseNumber` + `driver.licenseState`); the implicit
many-to-many Carrier <-> Tag is a file of pairs (`carrier.mcNumber,tag.name`).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
RNG = random.Random(20241101)
TODAY = dt.date(2024, 11, 1)
GENERATED_CARRIERS = 40  # development; testing keeps the first TESTING_CARRIERS of them
TESTING_CARRIERS = 4

CORE = [  # name, mcNumber, dotNumber, status, parent
    ("Lone Star Freight Lines LLC", "MC100200", "2100300", "ACTIVE", ""),
    ("Lone Star Reefer Inc.", "MC100201", "2100301", "ACTIVE", "MC100200"),
    ("Great Plains Carriers & Logistics", "MC230455", "1834502", "ACTIVE", ""),
    ("O'Malley Brothers Trucking", "MC512870", "3012877", "INACTIVE", ""),
    ("Société Québec Transport Inc.", "MC740012", "2744109", "ACTIVE", ""),
]
TAGS = ["hazmat", "reefer", "flatbed", "tanker", "ltl", "intermodal", "team-drivers", "oversize"]
WORDS = ["Summit", "Red River", "Blue Ridge", "Prairie", "Cascade", "Gulf Coast", "Northern", "Iron Horse",
         "Eagle", "Keystone", "Magnolia", "Frontier", "Heartland", "Pioneer", "Sierra", "Tri-State"]
SUFFIXES = ["Trucking LLC", "Freight Inc.", "Transport Co.", "Logistics LLC", "Express Inc.", "Carriers Corp."]
FIRST = ["James", "Maria", "Robert", "Linda", "José", "Aisha", "Wei", "Dmitri", "Patricia", "Kwame", "Siobhán", "Luis"]
LAST = ["Smith", "García", "Johnson", "Nguyen", "O'Brien", "Kowalski", "Okafor", "Müller", "Patel", "Hernández"]
STATES = ["TX", "OK", "KS", "NE", "IA", "MO", "AR", "LA", "CO", "IL", "OH", "PA", "GA", "TN"]
CITIES = ["Dallas, TX", "Tulsa, OK", "Wichita, KS", "Omaha, NE", "Des Moines, IA", "Kansas City, MO",
          "Little Rock, AR", "Shreveport, LA", "Denver, CO", "Chicago, IL", "Columbus, OH", "Atlanta, GA"]
MAKES = ["Freightliner", "Peterbilt", "Kenworth", "Volvo", "International", "Mack"]
INSURERS = ["Great West Casualty", "Progressive Commercial", "Northland Insurance", "Sentry Insurance"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q
VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
              "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def vin() -> str:
    """A VIN with a valid check digit (position 9), as North American VINs carry."""
    chars = [RNG.choice(VIN_CHARS) for _ in range(17)]
    total = sum(VIN_VALUES[c] * w for c, w in zip(chars, VIN_WEIGHTS))
    chars[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(chars)


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def generate() -> dict[str, list[dict]]:
    carriers = [dict(zip(["name", "mcNumber", "dotNumber", "status", "parent.mcNumber"], row)) for row in CORE]
    used_names = {c["name"] for c in carriers}
    while len(carriers) < len(CORE) + GENERATED_CARRIERS:
        name = f"{RNG.choice(WORDS)} {RNG.choice(SUFFIXES)}"
        if name in used_names:
            continue
        used_names.add(name)
        n = len(carriers)
        parent = carriers[RNG.randrange(len(CORE))]["mcNumber"] if n % 9 == 0 else ""
        carriers.append({"name": name, "mcNumber": f"MC{300000 + n * 137}", "dotNumber": str(3100000 + n * 211),
                         "status": RNG.choice(["ACTIVE"] * 6 + ["INACTIVE", "SUSPENDED", "REVOKED"]),
                         "parent.mcNumber": parent})
    policies, trucks, drivers, assignments, inspections, loads, carrier_tags = [], [], [], [], [], [], []
    licenses: set[tuple[str, str]] = set()
    for ci, carrier in enumerate(carriers):
        mc = carrier["mcNumber"]
        for p in range(2):  # last year's policy, then the current one
            number = f"POL-{ci:03d}-{2023 + p}"
            policies.append({"policyNumber": number, "insurer": RNG.choice(INSURERS), "coverageType": "LIABILITY",
                             "coverageAmount": f"{RNG.choice([750000, 1000000, 2000000])}.00",
                             "effectiveOn": f"{2023 + p}-01-01", "expiresOn": f"{2024 + p}-01-01", "carrier.mcNumber": mc})
        carrier["currentPolicy.policyNumber"] = number
        fleet_trucks = []
        for t in range(RNG.randint(1, 4)):
            truck = {"vin": vin(), "unitNumber": f"U{t + 1:03d}", "make": RNG.choice(MAKES),
                     "modelYear": RNG.randint(2012, 2025), "status": RNG.choice(["IN_SERVICE"] * 5 + ["IN_SHOP"]),
                     "carrier.mcNumber": mc}
            trucks.append(truck)
            fleet_trucks.append(truck)
            for k in range(RNG.randint(0, 3)):
                result = RNG.choice(["PASSED", "PASSED", "VIOLATIONS", "OUT_OF_SERVICE"])
                inspections.append({"reportNumber": f"{RNG.choice(STATES)}{len(inspections) + 100000}", "truck.vin": truck["vin"],
                                    "inspectedOn": day(-RNG.randint(1, 700)), "level": RNG.randint(1, 3), "result": result,
                                    "violations": 0 if result == "PASSED" else RNG.randint(1, 5),
                                    "notes": "" if result == "PASSED" else "brake adjustment; lighting"})
        fleet_drivers = []
        for _ in range(len(fleet_trucks) + RNG.randint(0, 1)):
            while (key := (f"D{RNG.randrange(10**6, 10**7)}", RNG.choice(STATES))) in licenses:
                pass
            licenses.add(key)
            driver = {"firstName": RNG.choice(FIRST), "lastName": RNG.choice(LAST), "licenseNumber": key[0],
                      "licenseState": key[1], "licenseExpiresOn": day(RNG.randint(30, 1500)), "carrier.mcNumber": mc}
            drivers.append(driver)
            fleet_drivers.append(driver)
        for truck, driver in zip(fleet_trucks, fleet_drivers):
            assignments.append({"truck.vin": truck["vin"], "driver.licenseNumber": driver["licenseNumber"],
                                "driver.licenseState": driver["licenseState"], "isPrimary": "true",
                                "assignedOn": day(-RNG.randint(30, 400))})
        for _ in range(RNG.randint(0, 5) if carrier["status"] == "ACTIVE" else 0):
            truck, driver = RNG.choice(fleet_trucks), RNG.choice(fleet_drivers)
            co = RNG.choice(fleet_drivers) if RNG.random() < 0.3 else None
            co = co if co is not driver else None
            origin, destination = RNG.sample(CITIES, 2)
            pickup = dt.datetime(2024, 10, 1, 6) + dt.timedelta(hours=RNG.randint(0, 24 * 60))
            status = "DELIVERED" if pickup < dt.datetime(2024, 11, 1) else RNG.choice(["PLANNED", "IN_TRANSIT"])
            loads.append({"referenceNumber": f"LD{len(loads) + 240001:06d}", "carrier.mcNumber": mc, "truck.vin": truck["vin"],
                          "driver.licenseNumber": driver["licenseNumber"], "driver.licenseState": driver["licenseState"],
                          "coDriver.licenseNumber": co["licenseNumber"] if co else "",
                          "coDriver.licenseState": co["licenseState"] if co else "",
                          "status": status, "origin": origin, "destination": destination,
                          "pickupAt": pickup.isoformat() + "Z",
                          "deliveredAt": (pickup + dt.timedelta(hours=RNG.randint(6, 40))).isoformat() + "Z" if status == "DELIVERED" else "",
                          "weightLbs": RNG.randint(8000, 44000), "rate": f"{RNG.randint(600, 4200)}.{RNG.randint(0, 99):02d}"})
        for tag in sorted(RNG.sample(TAGS, RNG.randint(0, 3))):
            carrier_tags.append({"carrier.mcNumber": mc, "tag.name": tag})
    return {"carriers": carriers, "insurance_policies": policies, "trucks": trucks, "drivers": drivers,
            "truck_drivers": assignments, "inspections": inspections, "loads": loads, "carrier_tags": carrier_tags}


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def only(rows: list[dict], column: str, keep: set[str]) -> list[dict]:
    return [r for r in rows if r[column] in keep]


def main() -> None:
    data = generate()
    core = {c["mcNumber"] for c in data["carriers"][: len(CORE)]}
    write(HERE / "shared" / "tags.csv", [{"name": t} for t in TAGS])
    # The core carriers' current policies are not in production (core carriers only), so the shared
    # file leaves that relation out; the generated carriers.csv carries it (a cycle through an
    # optional relation: carriers, then policies, then the carriers' currentPolicy in a second pass).
    write(HERE / "shared" / "core_carriers.csv",
          [{k: v for k, v in c.items() if k != "currentPolicy.policyNumber"} for c in data["carriers"][: len(CORE)]])
    subsets = {"development": GENERATED_CARRIERS, "testing": TESTING_CARRIERS}
    for env, count in subsets.items():
        generated = data["carriers"][len(CORE): len(CORE) + count]
        # A testing subsidiary keeps its parent only if the parent is in the set too.
        keep = core | {c["mcNumber"] for c in generated}
        write(HERE / env / "carriers.csv", generated)
        for name in ("insurance_policies", "trucks", "drivers", "loads", "carrier_tags"):
            write(HERE / env / f"{name}.csv", only(data[name], "carrier.mcNumber", keep))
        vins = {t["vin"] for t in only(data["trucks"], "carrier.mcNumber", keep)}
        write(HERE / env / "truck_drivers.csv", only(data["truck_drivers"], "truck.vin", vins))
        write(HERE / env / "inspections.csv", only(data["inspections"], "truck.vin", vins))


if __name__ == "__main__":
    main()
