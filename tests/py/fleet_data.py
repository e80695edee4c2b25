"""The fleet example deployed on a fresh database, with a few carriers, trucks and policies that the
pagination and aggregate tests read."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import carrierdb

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"

# (carrier, make, modelYear, status), in creation order (ids ascending).
TRUCKS = [
    ("A", "Volvo", 2018, "IN_SERVICE"),
    ("A", "Volvo", 2020, "IN_SHOP"),
    ("A", "Kenworth", 2015, "IN_SERVICE"),
    ("B", "Volvo", 2022, "IN_SERVICE"),
    ("B", "Peterbilt", 2019, "RETIRED"),
]


def vin(n: int) -> str:
    return f"1FUJGLDR{n:09d}"


def fleet_database(url: str, tmp_path: Path):
    """A database with the fleet migrations deployed and two carriers (A, B) with TRUCKS and policies."""
    db = carrierdb.connect(url, schema=str(FLEET / "schema.prisma"))
    folder = tmp_path / "fleet_migrations"
    shutil.copytree(FLEET / "migrations", folder)
    assert db.migrations(folder).deploy().ok
    carriers = {
        name: db.carrier.create({"name": f"Carrier {name}", "mcNumber": f"MC{k + 1}", "dotNumber": str(k + 1)})["id"]
        for k, name in enumerate("AB")
    }
    for n, (carrier, make, year, status) in enumerate(TRUCKS):
        db.truck.create({"vin": vin(n), "unitNumber": f"U{n}", "make": make, "modelYear": year, "status": status,
                         "carrierId": carriers[carrier]})
    for n, (amount, on) in enumerate([(Decimal("750000.50"), dt.date(2024, 1, 1)), (Decimal("1000000.25"), dt.date(2023, 6, 30))]):
        db.model("InsurancePolicy").create({"policyNumber": f"P{n}", "insurer": "Acme Mutual", "coverageAmount": amount,
                                    "effectiveOn": on.isoformat(), "expiresOn": on.replace(year=on.year + 1).isoformat(),
                                    "carrierId": carriers["A"]})
    return db, carriers
