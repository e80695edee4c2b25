"""A tour of carrierdb on the embedded SQLite default: migrate, create, query, pandas.

    .venv/bin/python examples/quickstart.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import carrierdb

ROOT = Path(__file__).resolve().parents[1]

with tempfile.TemporaryDirectory() as scratch:
    db = carrierdb.connect(f"sqlite:{scratch}/quickstart.db", schema=str(ROOT / "schema.prisma"))
    print(db.migrations(ROOT / "migrations").deploy())

    acme = db.carrier.create({"name": "  Acme   Freight LLC ", "mcNumber": "mc-123456"})
    print("created:", acme)  # name trimmed and collapsed, MC number normalised

    db.carrier.create_many(
        [
            {"name": "Blue Line Trucking", "mcNumber": "MC 222", "status": "SUSPENDED"},
            {"name": "O'Brien & Sons Haulage"},
        ]
    )
    try:
        db.carrier.create({"name": "", "mcNumber": "123"})
    except carrierdb.ValidationError as error:
        print(error)

    try:
        db.carrier.create({"name": "Copycat", "mcNumber": "MC-123456"})
    except carrierdb.UniqueViolation as error:
        print("refused:", error.fields, error.values)

    active = db.carrier.find_many(where={"status": "ACTIVE"}, order_by={"name": "asc"})
    print(active.to_pandas()[["id", "name", "mcNumber", "status"]])
    db.close()
