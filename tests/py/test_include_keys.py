"""Include loading sends a relation level's parent keys in one statement, however many parents
there are (one array or JSON parameter, not a list of placeholders), and matches string keys
exactly, whatever characters they hold. Both backends."""

from __future__ import annotations

import shutil
from pathlib import Path

import carrierdb

from test_relation_queries import fleet  # noqa: F401  (the fixture)

SCHEMA = """
datasource db {
  provider = "sqlite"
  url      = env("DATABASE_URL")
}

model Owner {
  code  String @id
  units Unit[]
}

model Unit {
  id        Int    @id
  ownerCode String @map("owner_code")
  owner     Owner  @relation(fields: [ownerCode], references: [code])

  @@map("units")
}
"""


def test_include_over_more_parents_than_one_list_of_placeholders_takes_the_same_statements(fleet):  # noqa: F811
    # 6,000 carriers: more than the 5,000 keys a statement listed before, and more than SQLite's
    # old 999-variable limit.
    fleet.carrier.delete_many()
    fleet.carrier.create_many([{"name": f"Carrier {k}", "mcNumber": f"MC{10_000 + k}", "dotNumber": str(10_000 + k)} for k in range(6000)])
    ids = [c["id"] for c in fleet.carrier.find_many(select={"id": True})]
    fleet.truck.create_many([{"vin": f"1FUJGLDR0CL{k:06d}", "unitNumber": str(k), "make": "Volvo", "modelYear": 2021, "carrierId": cid}
                             for k, cid in enumerate(ids)])
    include = {"trucks": True, "_count": {"select": {"trucks": True}}}
    before = fleet.statements_run
    rows = fleet.carrier.find_many(include=include)
    statements = fleet.statements_run - before
    assert len(rows) == 6000
    assert all(len(r["trucks"]) == 1 and r["trucks"][0]["carrierId"] == r["id"] and r["_count"] == {"trucks": 1} for r in rows)
    # the carriers, their trucks, the truck counts
    assert statements == 3


def test_string_keys_match_exactly_whatever_they_hold(carrierdb_url, tmp_path: Path):
    schema = tmp_path / "schema.prisma"
    schema.write_text(SCHEMA)
    db = carrierdb.connect(carrierdb_url, schema=str(schema))
    db.execute('CREATE TABLE "Owner" ("code" TEXT NOT NULL PRIMARY KEY)')
    db.execute('CREATE TABLE "units" ("id" INTEGER NOT NULL PRIMARY KEY, "owner_code" TEXT NOT NULL REFERENCES "Owner" ("code"))')
    codes = ['a"b', "c\\d", "e,f", "{g}", "NULL", "", " h ", "ü", "i'j", '\\"']
    for k, code in enumerate(codes):
        db.owner.create({"code": code})
        db.unit.create({"id": k, "ownerCode": code})
    db.owner.create({"code": "no units"})
    before = db.statements_run
    rows = db.owner.find_many(include={"units": True})
    assert db.statements_run - before == 2
    found = {r["code"]: [u["id"] for u in r["units"]] for r in rows}
    assert found == {**{code: [k] for k, code in enumerate(codes)}, "no units": []}
    db.close()


COMPOSITE = """
model Depot {
  region String
  code   String
  name   String
  bays   Bay[]

  @@id([region, code])
}

model Bay {
  id          Int    @id
  depotRegion String
  depotCode   String
  depot       Depot  @relation(fields: [depotRegion, depotCode], references: [region, code])
}
"""


def test_a_composite_key_sends_its_parents_in_one_statement_however_many(carrierdb_db, carrierdb_url, tmp_path: Path):
    from carrierdb import commands

    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (carrierdb_db.backend, COMPOSITE))
    carrierdb_db.execute_script(commands.migrate_diff(from_empty=True, to_schema=schema).script)
    db = carrierdb.connect(carrierdb_url, schema=str(schema))
    # 6,000 depots (more than the 5,000 keys a statement listed before); codes that need quoting.
    depots = [{"region": f"r{k % 7}", "code": f'c"{k}\\,', "name": f"Depot {k}"} for k in range(6000)]
    db.depot.create_many(depots)
    db.bay.create_many([{"id": k, "depotRegion": d["region"], "depotCode": d["code"]} for k, d in enumerate(depots)])
    before = db.statements_run
    rows = db.depot.find_many(include={"bays": True, "_count": {"select": {"bays": True}}})
    assert db.statements_run - before == 3  # depots, bays, the bay counts
    assert len(rows) == 6000
    assert all([b["depotCode"] for b in r["bays"]] == [r["code"]] and r["_count"] == {"bays": 1} for r in rows)
    db.close()
