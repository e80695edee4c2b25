"""DateTime @db.Time / @db.Timetz and Decimal @db.Money on PostgreSQL (native types Prisma has on
PostgreSQL only) read back as Prisma reads them: a DateTime on 1970-01-01, and a Decimal."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from one_migration import DATASOURCE, deployed

SCHEMA = DATASOURCE + """
model Shift {
  id Int @id @default(autoincrement())
  name String @unique
  startsAt DateTime @db.Time(6)
  endsAt DateTime? @db.Timetz(6)
  rate Decimal @db.Money
}
"""
# What `prisma migrate diff` writes for SCHEMA.
POSTGRES = """
CREATE TABLE "Shift" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, "startsAt" TIME(6) NOT NULL, "endsAt" TIMETZ(6), "rate" MONEY NOT NULL,
  CONSTRAINT "Shift_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Shift_name_key" ON "Shift"("name");
"""


@pytest.fixture
def shift_db(carrierdb_url, tmp_path: Path):
    yield from deployed(carrierdb_url, tmp_path, SCHEMA, POSTGRES)


@pytest.mark.postgres_only  # @db.Time, @db.Timetz and @db.Money are PostgreSQL native types
def test_postgresql_time_timetz_and_money_round_trip(shift_db):
    created = shift_db.shift.create({"name": "early", "startsAt": datetime(2024, 5, 6, 6, 30, 15, 250000),
                                     "endsAt": datetime(2024, 5, 6, 14, 0, tzinfo=timezone.utc), "rate": Decimal("12.50")})
    expected = {"startsAt": datetime(1970, 1, 1, 6, 30, 15, 250000), "endsAt": datetime(1970, 1, 1, 14, 0), "rate": Decimal("12.50")}
    assert {k: created[k] for k in expected} == expected
    [found] = shift_db.shift.find_many()
    assert {k: found[k] for k in expected} == expected
    updated = shift_db.shift.update({"name": "early"}, {"startsAt": datetime(1970, 1, 1, 7, 0), "rate": Decimal("-1234.05")})
    assert (updated["startsAt"], updated["rate"]) == (datetime(1970, 1, 1, 7, 0), Decimal("-1234.05"))
    assert shift_db.shift.find_unique({"name": "early"})["rate"] == Decimal("-1234.05")
    assert [r["name"] for r in shift_db.shift.find_many(where={"startsAt": {"gte": datetime(1970, 1, 1, 6, 59)}})] == ["early"]


@pytest.mark.postgres_only  # @db.Time, @db.Timetz and @db.Money are PostgreSQL native types
def test_postgresql_raw_queries_read_time_and_timetz_as_datetimes(shift_db):
    [row] = shift_db.query("SELECT $1::time AS t, '23:59:58.5+02'::timetz AS tz", ["08:15:00"])
    assert row == {"t": datetime(1970, 1, 1, 8, 15), "tz": datetime(1970, 1, 1, 21, 59, 58, 500000, tzinfo=timezone.utc)}
