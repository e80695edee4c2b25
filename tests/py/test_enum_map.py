"""Enum values with @map on both backends: the repository and the seeder write and filter with the
database's name for a value (`ON_HOLD @map("on_hold")`) and hand back Prisma's name."""

from __future__ import annotations

from pathlib import Path

import pytest

import carrierdb

SCHEMA = """
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

enum AccountStatus {
  ACTIVE  @map("active")
  ON_HOLD @map("on_hold")
  CLOSED
}

model Account {
  id     Int           @id @default(autoincrement())
  name   String        @unique
  status AccountStatus @default(ACTIVE)

  @@map("accounts")
}
"""

# What `prisma migrate diff` writes for SCHEMA: the database knows only the mapped names.
POSTGRES = """
CREATE TYPE "AccountStatus" AS ENUM ('active', 'on_hold', 'CLOSED');
CREATE TABLE "accounts" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, "status" "AccountStatus" NOT NULL DEFAULT 'active',
  CONSTRAINT "accounts_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "accounts_name_key" ON "accounts"("name");
"""
SQLITE = """
CREATE TABLE "accounts" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'active');
CREATE UNIQUE INDEX "accounts_name_key" ON "accounts"("name");
"""


@pytest.fixture
def db(carrierdb_url, tmp_path: Path):
    (tmp_path / "schema.prisma").write_text(SCHEMA)
    step = tmp_path / "migrations" / "20240101000000_init"
    step.mkdir(parents=True)
    (step / "migration.sql").write_text(POSTGRES)
    (step / "migration.sqlite.sql").write_text(SQLITE)
    database = carrierdb.connect(carrierdb_url, schema=str(tmp_path / "schema.prisma"))
    assert database.migrations(tmp_path / "migrations").deploy().ok
    yield database
    database.close()


def stored(db) -> dict[str, str]:
    return {r["name"]: r["status"] for r in db.query('SELECT "name", CAST("status" AS TEXT) AS "status" FROM "accounts"')}


def test_repository_writes_mapped_names_and_reads_back_prisma_names(db):
    held = db.account.create({"name": "held", "status": "ON_HOLD"})
    assert held["status"] == "ON_HOLD"
    assert db.account.create({"name": "plain"})["status"] == "ACTIVE"  # the database's default, read back
    db.account.create({"name": "closed", "status": "CLOSED"})
    assert stored(db) == {"held": "on_hold", "plain": "active", "closed": "CLOSED"}
    assert [r["name"] for r in db.account.find_many(where={"status": "ON_HOLD"})] == ["held"]
    assert sorted(r["name"] for r in db.account.find_many(where={"status": {"in": ["ACTIVE", "CLOSED"]}})) == ["closed", "plain"]
    assert sorted(r["name"] for r in db.account.find_many(where={"status": {"not": "ACTIVE"}})) == ["closed", "held"]
    assert db.account.get(held["id"])["status"] == "ON_HOLD"
    assert db.account.update({"name": "plain"}, {"status": "ON_HOLD"})["status"] == "ON_HOLD"
    assert db.account.update_many({"status": "ON_HOLD"}, {"status": "CLOSED"}) == 2
    assert stored(db) == {"held": "CLOSED", "plain": "CLOSED", "closed": "CLOSED"}
    assert db.account.upsert({"name": "new"}, {"name": "new", "status": "ON_HOLD"}, {})["status"] == "ON_HOLD"
    assert db.account.delete({"name": "new"})["status"] == "ON_HOLD"


def test_aggregates_and_pages_use_prisma_names(db):
    for name, status in [("a", "ACTIVE"), ("b", "ON_HOLD"), ("c", "ON_HOLD")]:
        db.account.create({"name": name, "status": status})
    groups = db.account.group_by(["status"], _count=True, having={"status": {"in": ["ON_HOLD", "ACTIVE"]}})
    assert sorted((g["status"], g["_count"]) for g in groups) == [("ACTIVE", 1), ("ON_HOLD", 2)]
    assert db.account.aggregate(_min={"status": True}, where={"status": "ON_HOLD"}) == {"_min": {"status": "ON_HOLD"}}
    assert [r["status"] for r in db.account.find_many(distinct=["status"], order_by={"name": "asc"})] == ["ACTIVE", "ON_HOLD"]


def test_seeding_writes_mapped_names_and_stays_idempotent(db):
    rows = [{"name": "x", "status": "ON_HOLD"}, {"name": "y"}, {"name": "z", "status": "CLOSED"}]
    assert db.seeds.records("Account", rows, key=["name"]).inserted == 3
    assert stored(db) == {"x": "on_hold", "y": "active", "z": "CLOSED"}
    again = db.seeds.records("Account", rows, key=["name"])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    changed = db.seeds.records("Account", [{"name": "y", "status": "ON_HOLD"}], key=["name"])
    assert changed.updated == 1 and stored(db)["y"] == "on_hold"
    assert db.account.find_unique({"name": "y"})["status"] == "ON_HOLD"
