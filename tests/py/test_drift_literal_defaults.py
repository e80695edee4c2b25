"""`schema check` on literal defaults that each side spells its own way: a DateTime literal (Prisma
writes '2024-01-01 00:00:00 +00:00'; PostgreSQL's catalog renders it as a timestamp, without the
offset for `timestamp` and as a day for `date`; SQLite keeps the text) compares as a timestamp, and
BigInt, Decimal and Float literals compare as numbers, exactly. A deployed Prisma migration shows no
drift; a real change shows exactly one item."""

from __future__ import annotations

from pathlib import Path

import carrierdb

# What `prisma migrate diff --from-empty` (Prisma 6.19.3) wrote for MODEL, on each provider.
MODEL = {
    "postgresql": """
model Stamp {
  id       Int      @id @default(autoincrement())
  born     DateTime @default("2024-01-01T00:00:00Z")
  born3    DateTime @default("2024-01-01T10:20:30.123+02:00")
  bornDate DateTime @db.Date @default("2024-01-01T00:00:00Z")
  bornTz   DateTime @db.Timestamptz(3) @default("2024-01-01T00:00:00Z")
  big      BigInt   @default(9007199254740993)
  dec      Decimal  @default(12.50) @db.Decimal(10, 2)
  fl       Float    @default(0.1)
  code     String   @default("007")
}
""",
    "sqlite": """
model Stamp {
  id       Int      @id @default(autoincrement())
  born     DateTime @default("2024-01-01T00:00:00Z")
  born3    DateTime @default("2024-01-01T10:20:30.123+02:00")
  big      BigInt   @default(9007199254740993)
  dec      Decimal  @default(12.50)
  fl       Float    @default(0.1)
  code     String   @default("007")
}
""",
}
DDL = {
    "postgresql": """CREATE TABLE "Stamp" (
    "id" SERIAL NOT NULL,
    "born" TIMESTAMP(3) NOT NULL DEFAULT {born},
    "born3" TIMESTAMP(3) NOT NULL DEFAULT '2024-01-01 10:20:30.123 +02:00',
    "bornDate" DATE NOT NULL DEFAULT '2024-01-01 00:00:00 +00:00',
    "bornTz" TIMESTAMPTZ(3) NOT NULL DEFAULT '2024-01-01 00:00:00 +00:00',
    "big" BIGINT NOT NULL DEFAULT {big},
    "dec" DECIMAL(10,2) NOT NULL DEFAULT {dec},
    "fl" DOUBLE PRECISION NOT NULL DEFAULT {fl},
    "code" TEXT NOT NULL DEFAULT {code},
    CONSTRAINT "Stamp_pkey" PRIMARY KEY ("id")
);""",
    "sqlite": """CREATE TABLE "Stamp" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "born" DATETIME NOT NULL DEFAULT {born},
    "born3" DATETIME NOT NULL DEFAULT '2024-01-01 10:20:30.123 +02:00',
    "big" BIGINT NOT NULL DEFAULT {big},
    "dec" DECIMAL NOT NULL DEFAULT {dec},
    "fl" REAL NOT NULL DEFAULT {fl},
    "code" TEXT NOT NULL DEFAULT {code}
);""",
}
PRISMA = {"born": "'2024-01-01 00:00:00 +00:00'", "big": "9007199254740993", "dec": "12.50", "fl": "0.1", "code": "'007'"}


def drift_with(db, url: str, tmp_path: Path, **changed: str) -> list[dict]:
    """The drift of the Stamp table created with Prisma's DDL, `changed` defaults replaced."""
    db.execute_script('DROP TABLE IF EXISTS "Stamp";\n' + DDL[db.backend].format(**{**PRISMA, **changed}))
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (db.backend, MODEL[db.backend]))
    checker = carrierdb.connect(url, schema=str(schema))
    try:
        return checker.schema_drift()
    finally:
        checker.close()


def test_prismas_datetime_and_number_literal_defaults_show_no_drift(carrierdb_db, carrierdb_url, tmp_path):
    assert drift_with(carrierdb_db, carrierdb_url, tmp_path) == []
    # The same values spelled otherwise are the same defaults.
    same = drift_with(carrierdb_db, carrierdb_url, tmp_path, born="'2024-01-01T00:00:00.000Z'", dec="12.5", fl="0.10")
    assert same == []


def test_a_changed_datetime_default_is_exactly_one_item(carrierdb_db, carrierdb_url, tmp_path):
    items = drift_with(carrierdb_db, carrierdb_url, tmp_path, born="'2024-01-02 00:00:00 +00:00'")
    assert [(d["kind"], d["field"]) for d in items] == [("default", "born")]
    assert "has default 2024-01-01T00:00:00Z" in items[0]["message"] and "2024-01-02 00:00:00" in items[0]["message"]


def test_a_datetime_default_one_second_off_is_drift(carrierdb_db, carrierdb_url, tmp_path):
    items = drift_with(carrierdb_db, carrierdb_url, tmp_path, born="'2024-01-01 00:00:01 +00:00'")
    assert [(d["kind"], d["field"]) for d in items] == [("default", "born")]


def test_number_defaults_compare_exactly(carrierdb_db, carrierdb_url, tmp_path):
    # 2^53 and 2^53 + 1 are one double: compared as doubles, this change would not show.
    items = drift_with(carrierdb_db, carrierdb_url, tmp_path, big="9007199254740992", dec="12.51")
    assert sorted((d["kind"], d["field"]) for d in items) == [("default", "big"), ("default", "dec")]


def test_a_string_default_of_digits_compares_as_text(carrierdb_db, carrierdb_url, tmp_path):
    items = drift_with(carrierdb_db, carrierdb_url, tmp_path, code="'7'")
    assert [(d["kind"], d["field"]) for d in items] == [("default", "code")]
