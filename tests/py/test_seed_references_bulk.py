"""Natural-key references are resolved in bulk: seeding trucks that name their carrier by
`carrier.mcNumber` takes the same statements for 10 trucks as for 600 (one read of each parent's
keys, not one lookup per row). Both backends."""

from __future__ import annotations

import json
from pathlib import Path

from test_fleet_seeding import fleet  # noqa: F401  (the fixture)


def write_set(root: Path, carriers: int, trucks_each: int) -> Path:
    folder = root / "testing"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"name": "testing", "version": "1", "files": [
        {"path": "carriers.csv", "model": "Carrier", "key": ["mcNumber"]},
        {"path": "trucks.csv", "model": "Truck", "key": ["vin"]},
    ]}))
    (folder / "carriers.csv").write_text("name,mcNumber,dotNumber,status\n" + "".join(
        f"Carrier {k},MC{500000 + k},{4000000 + k},ACTIVE\n" for k in range(carriers)))
    (folder / "trucks.csv").write_text("vin,unitNumber,make,modelYear,carrier.mcNumber\n" + "".join(
        f"1FUJGLDR{k * trucks_each + t:09d},U{t},Volvo,2020,MC{500000 + k}\n" for k in range(carriers) for t in range(trucks_each)))
    return root


def statements_for(db, seeds: Path) -> int:
    db.execute("DELETE FROM trucks")
    db.execute("DELETE FROM carriers")
    before = db.statements_run
    report = db.seeds.apply("testing", directory=seeds, force=True)
    assert report.rejected == 0
    return db.statements_run - before


def test_references_are_resolved_in_bulk_not_row_by_row(fleet, tmp_path: Path):  # noqa: F811
    db, _ = fleet
    few = statements_for(db, write_set(tmp_path / "few", carriers=2, trucks_each=5))
    assert db.truck.count() == 10
    many = statements_for(db, write_set(tmp_path / "many", carriers=60, trucks_each=10))
    assert db.truck.count() == 600
    rows = db.query("SELECT t.vin, c.mc_number AS mc FROM trucks t JOIN carriers c ON c.id = t.carrier_id ORDER BY t.vin")
    assert rows[0] == {"vin": "1FUJGLDR000000000", "mc": "MC500000"} and rows[-1] == {"vin": "1FUJGLDR000000599", "mc": "MC500059"}
    assert few == many
