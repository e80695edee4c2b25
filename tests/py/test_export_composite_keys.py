"""`seed export` of a composite foreign key (`Depot.region`: [regionId, country] -> Region [id, country]),
on both backends: the child names its parent by the parent's natural key (`region.name`), never by
the ids, so the exported files seed into an empty database (other ids) with every depot in its
region, pseudonyms the same on both sides. A parent with no other unique key (`Zone`, @@id([code,
country])) is named by its key's parts (`zone.code`, `zone.country`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import carrierdb
from carrierdb import _core

MODEL = """
model Region {
  id      Int     @id @default(autoincrement())
  name    String  @unique
  country String
  depots  Depot[]
  @@unique([id, country])
}
model Depot {
  id       Int     @id @default(autoincrement())
  name     String  @unique
  regionId Int?
  country  String?
  region   Region? @relation(fields: [regionId, country], references: [id, country])
}
model Zone {
  code    String
  country String
  yards   Yard[]
  /// No other unique key: a yard names its zone by the parts of this one.
  @@id([code, country])
}
model Yard {
  id          Int    @id @default(autoincrement())
  name        String @unique
  /// A composite foreign key to a composite @id.
  zoneCode    String
  zoneCountry String
  zone        Zone   @relation(fields: [zoneCode, zoneCountry], references: [code, country])
}
"""
# What `prisma migrate diff --from-empty` (Prisma 6.19.3) wrote for MODEL, on each provider: Region
# and Depot here, Zone and Yard in ZONE_DDL.
DDL = {
    "postgresql": """
CREATE TABLE "Region" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, "country" TEXT NOT NULL, CONSTRAINT "Region_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Depot" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, "regionId" INTEGER, "country" TEXT, CONSTRAINT "Depot_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Region_name_key" ON "Region"("name");
CREATE UNIQUE INDEX "Region_id_country_key" ON "Region"("id", "country");
CREATE UNIQUE INDEX "Depot_name_key" ON "Depot"("name");
ALTER TABLE "Depot" ADD CONSTRAINT "Depot_regionId_country_fkey" FOREIGN KEY ("regionId", "country") REFERENCES "Region"("id", "country") ON DELETE SET NULL ON UPDATE CASCADE;
""",
    "sqlite": """
CREATE TABLE "Region" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "country" TEXT NOT NULL);
CREATE TABLE "Depot" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "regionId" INTEGER, "country" TEXT,
    CONSTRAINT "Depot_regionId_country_fkey" FOREIGN KEY ("regionId", "country") REFERENCES "Region" ("id", "country") ON DELETE SET NULL ON UPDATE CASCADE);
CREATE UNIQUE INDEX "Region_name_key" ON "Region"("name");
CREATE UNIQUE INDEX "Region_id_country_key" ON "Region"("id", "country");
CREATE UNIQUE INDEX "Depot_name_key" ON "Depot"("name");
""",
}
ZONE_DDL = {
    "postgresql": """
CREATE TABLE "Zone" ("code" TEXT NOT NULL, "country" TEXT NOT NULL, CONSTRAINT "Zone_pkey" PRIMARY KEY ("code","country"));
CREATE TABLE "Yard" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, "zoneCode" TEXT NOT NULL, "zoneCountry" TEXT NOT NULL, CONSTRAINT "Yard_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Yard_name_key" ON "Yard"("name");
ALTER TABLE "Yard" ADD CONSTRAINT "Yard_zoneCode_zoneCountry_fkey" FOREIGN KEY ("zoneCode", "zoneCountry") REFERENCES "Zone"("code", "country") ON DELETE RESTRICT ON UPDATE CASCADE;
""",
    "sqlite": """
CREATE TABLE "Zone" ("code" TEXT NOT NULL, "country" TEXT NOT NULL, PRIMARY KEY ("code", "country"));
CREATE TABLE "Yard" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "zoneCode" TEXT NOT NULL, "zoneCountry" TEXT NOT NULL,
    CONSTRAINT "Yard_zoneCode_zoneCountry_fkey" FOREIGN KEY ("zoneCode", "zoneCountry") REFERENCES "Zone" ("code", "country") ON DELETE RESTRICT ON UPDATE CASCADE);
CREATE UNIQUE INDEX "Yard_name_key" ON "Yard"("name");
""",
}
DROP = 'DROP TABLE "Depot";\nDROP TABLE "Region";\n'
REGIONS = [("Northern Plains", "US"), ("Great Lakes", "CA"), ("Gulf Coast", "US")]
DEPOTS = [("Fargo Yard", "Northern Plains"), ("Windsor Dock", "Great Lakes"), ("Loose Lot", None), ("Bismarck Yard", "Northern Plains")]
SALT = "s3cret"


@pytest.fixture
def depots(carrierdb_db, carrierdb_url, tmp_path: Path):
    """Regions and depots whose ids do not start at 1 (a region came and went first)."""
    db = carrierdb_db
    db.execute_script(DDL[db.backend] + ZONE_DDL[db.backend])
    db.execute('INSERT INTO "Region" (name, country) VALUES ($1, $2)', ["gone", "XX"])
    db.execute('DELETE FROM "Region"')
    for name, country in REGIONS:
        db.execute('INSERT INTO "Region" (name, country) VALUES ($1, $2)', [name, country])
    for name, region in DEPOTS:
        if region is None:
            db.execute('INSERT INTO "Depot" (name) VALUES ($1)', [name])
        else:
            db.execute('INSERT INTO "Depot" (name, "regionId", country) SELECT $1, id, country FROM "Region" WHERE name = $2', [name, region])
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (db.backend, MODEL))
    client = carrierdb.connect(carrierdb_url, env="development", schema=str(schema))
    yield client
    client.close()


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def placed(db) -> set[tuple]:
    """Each depot with its region's name and country, and its own country column (natural keys only)."""
    return {(r["depot"], r["region"], r["rc"], r["dc"]) for r in db.query(
        'SELECT d.name AS depot, r.name AS region, r.country AS rc, d.country AS dc FROM "Depot" d LEFT JOIN "Region" r ON r.id = d."regionId"')}


def test_a_composite_foreign_key_is_exported_as_the_parents_natural_key(depots, tmp_path):
    out = tmp_path / "depots.csv"
    assert depots.seeds.export("Depot", out) == len(DEPOTS)
    rows = read(out)
    assert list(rows[0]) == ["name", "region.name"]  # neither regionId (an id) nor country (part of the key)
    assert {(r["name"], r["region.name"] or None) for r in rows} == set(DEPOTS)


def test_exported_composite_references_reseed_an_empty_database_joinable_and_anonymised(depots, tmp_path):
    before = placed(depots)
    out = tmp_path / "seeds" / "export"
    out.mkdir(parents=True)
    depots.seeds.export("Region", out / "regions.csv", anonymize=["name"], salt=SALT)
    depots.seeds.export("Depot", out / "depots.csv", anonymize=["name", "region.name"], salt=SALT)
    assert {r["region.name"] for r in read(out / "depots.csv") if r["region.name"]} <= {r["name"] for r in read(out / "regions.csv")}
    (out / "manifest.json").write_text(json.dumps({"name": "anon", "version": "1", "files": [
        {"path": "depots.csv", "model": "Depot", "key": ["name"]},
        {"path": "regions.csv", "model": "Region", "key": ["name"]}]}))
    # An empty database: the tables made anew, so every id differs from the exported database's.
    depots.execute_script(DROP + DDL[depots.backend])
    report = depots.seeds.apply("export", directory=out.parent)
    assert report.rejected == 0 and report.inserted == len(REGIONS) + len(DEPOTS)
    fake = lambda name: name and _core.pseudonym(name, "name", SALT)  # noqa: E731
    assert placed(depots) == {(fake(d), fake(r), rc, dc) for d, r, rc, dc in before}


def test_a_composite_key_to_a_parent_with_no_other_unique_key_is_written_as_its_parts(depots, tmp_path):
    depots.execute_script("""INSERT INTO "Zone" VALUES ('N1', 'US'), ('N1', 'CA');
INSERT INTO "Yard" (name, "zoneCode", "zoneCountry") VALUES ('Fargo', 'N1', 'US'), ('Windsor', 'N1', 'CA');""")
    out = tmp_path / "seeds" / "export"
    out.mkdir(parents=True)
    depots.seeds.export("Yard", out / "yards.csv", anonymize=["zone.code"], salt=SALT)
    rows = read(out / "yards.csv")
    assert list(rows[0]) == ["name", "zone.code", "zone.country"]
    fake = _core.pseudonym("N1", "code", SALT)
    assert {(r["name"], r["zone.code"], r["zone.country"]) for r in rows} == {("Fargo", fake, "US"), ("Windsor", fake, "CA")}
    # Into an empty database whose zones carry the same pseudonyms: each yard in its zone again.
    (out / "manifest.json").write_text(json.dumps({"name": "anon", "version": "1", "files": [
        {"path": "yards.csv", "model": "Yard", "key": ["name"]}]}))
    depots.execute_script('DROP TABLE "Yard";\nDROP TABLE "Zone";\n' + ZONE_DDL[depots.backend])
    depots.execute('INSERT INTO "Zone" VALUES ($1, $2), ($1, $3)', [fake, "US", "CA"])
    assert depots.seeds.apply("export", directory=out.parent).inserted == 2
    assert {(r["name"], r["zoneCode"], r["zoneCountry"]) for r in depots.query('SELECT name, "zoneCode", "zoneCountry" FROM "Yard"')} == {
        ("Fargo", fake, "US"), ("Windsor", fake, "CA")}
