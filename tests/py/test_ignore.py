"""@ignore and @@ignore as Prisma means them: the client neither reads nor writes an ignored field
and has no API for an ignored model, while the database (migrations, drift, seeding) keeps both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import carrierdb
from one_migration import DATASOURCE, deployed

SCHEMA = DATASOURCE + """
model Truck {
  id Int @id @default(autoincrement())
  vin String @unique
  legacyCode String @default("L") @ignore
  internalNote String? @ignore
  @@map("trucks")
}

model Audit {
  id Int @id @default(autoincrement())
  code String @ignore
}

model LegacyLog {
  id Int @id
  line String
  @@ignore
}
"""
IGNORE_AT = r"schema\.prisma:22:\d+"  # the @@ignore line of LegacyLog

POSTGRES = """
CREATE TABLE "trucks" ("id" SERIAL NOT NULL, "vin" TEXT NOT NULL, "legacyCode" TEXT NOT NULL DEFAULT 'L', "internalNote" TEXT,
  CONSTRAINT "trucks_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "trucks_vin_key" ON "trucks"("vin");
CREATE TABLE "Audit" ("id" SERIAL NOT NULL, "code" TEXT NOT NULL, CONSTRAINT "Audit_pkey" PRIMARY KEY ("id"));
CREATE TABLE "LegacyLog" ("id" INTEGER NOT NULL, "line" TEXT NOT NULL, CONSTRAINT "LegacyLog_pkey" PRIMARY KEY ("id"));
"""
SQLITE = """
CREATE TABLE "trucks" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "vin" TEXT NOT NULL, "legacyCode" TEXT NOT NULL DEFAULT 'L',
  "internalNote" TEXT);
CREATE UNIQUE INDEX "trucks_vin_key" ON "trucks"("vin");
CREATE TABLE "Audit" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "code" TEXT NOT NULL);
CREATE TABLE "LegacyLog" ("id" INTEGER NOT NULL PRIMARY KEY, "line" TEXT NOT NULL);
"""


@pytest.fixture
def ignore_db(carrierdb_url, tmp_path: Path):
    yield from deployed(carrierdb_url, tmp_path, SCHEMA, POSTGRES, SQLITE)


def test_ignored_fields_are_neither_returned_nor_required(ignore_db):
    created = ignore_db.truck.create({"vin": "V1"})
    assert set(created) == {"id", "vin"}
    ignore_db.query('UPDATE "trucks" SET "internalNote" = $1', ["kept"])
    assert [set(r) for r in ignore_db.truck.find_many()] == [{"id", "vin"}]
    assert set(ignore_db.truck.find_unique({"vin": "V1"})) == {"id", "vin"}
    assert set(ignore_db.truck.update({"vin": "V1"}, {"vin": "V2"})) == {"id", "vin"}
    assert list(ignore_db.truck.find_many().to_pandas().columns) == ["id", "vin"]
    # The columns are still there, filled by the database's default and left as they were.
    assert ignore_db.query('SELECT "legacyCode", "internalNote" FROM "trucks"') == [{"legacyCode": "L", "internalNote": "kept"}]


def test_ignored_fields_cannot_be_written_or_filtered(ignore_db):
    with pytest.raises(carrierdb.ValidationError, match=r"internalNote is marked @ignore at .*schema\.prisma:10:3"):
        ignore_db.truck.create({"vin": "V1", "internalNote": "x"})
    ignore_db.truck.create({"vin": "V1"})
    with pytest.raises(carrierdb.ValidationError, match="legacyCode is marked @ignore"):
        ignore_db.truck.update({"vin": "V1"}, {"legacyCode": "M"})
    with pytest.raises(carrierdb.ValidationError, match="Unknown field 'legacyCode'"):
        ignore_db.truck.find_many(where={"legacyCode": "L"})
    assert ignore_db.query('SELECT "legacyCode" FROM "trucks"') == [{"legacyCode": "L"}]


def test_required_ignored_field_without_default_disables_create(ignore_db):
    # As Prisma's client: nothing could fill the column, so the model has no create.
    with pytest.raises(carrierdb.ValidationError, match=r"Cannot create Audit: field code is marked @ignore at .*schema\.prisma:16:3"):
        ignore_db.audit.create({})
    ignore_db.query('INSERT INTO "Audit" ("code") VALUES ($1)', ["c"])
    assert ignore_db.audit.find_many() == [{"id": 1}]


def test_ignored_model_has_no_client_api_and_says_where_it_is_ignored(ignore_db):
    for reach in (lambda: ignore_db.model("LegacyLog"), lambda: ignore_db.legacyLog):
        with pytest.raises(carrierdb.ConfigurationError, match=f"LegacyLog is marked @@ignore at .*{IGNORE_AT}"):
            reach()


def test_ignored_fields_and_models_stay_in_the_database_model(ignore_db):
    assert ignore_db.schema_drift() == []


def test_seeding_knows_the_table_and_loads_ignored_columns(ignore_db, tmp_path: Path):
    folder = tmp_path / "seeds" / "development"
    folder.mkdir(parents=True)
    (folder / "trucks.csv").write_text("vin,legacyCode,internalNote\nS1,X,from seed\n")
    (folder / "audits.csv").write_text("id,code\n7,c7\n")
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": [
        {"path": "trucks.csv", "model": "Truck", "key": ["vin"]}, {"path": "audits.csv", "model": "Audit", "key": ["id"]}]}))
    assert ignore_db.seeds.apply("development", directory=tmp_path / "seeds").inserted == 2
    assert ignore_db.query('SELECT "vin", "legacyCode", "internalNote" FROM "trucks"') == [
        {"vin": "S1", "legacyCode": "X", "internalNote": "from seed"}]
    assert ignore_db.query('SELECT "id", "code" FROM "Audit"') == [{"id": 7, "code": "c7"}]
