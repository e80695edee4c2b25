"""A live database read back as the target model of the schema that built it.

What a user relies on: `migrate diff --from-url`, `db pull` and `migrate dev` see a database built
from a schema's own create script as exactly that schema (no difference at all), whatever the catalog
spells otherwise than the DDL (PostgreSQL's casts on defaults, SERIAL's sequence, lowercased enum
type names; SQLite's enum CHECKs and declared types); and a change made to the database by hand shows
as exactly that change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import carrierdb
from carrierdb import _core, commands

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ["_prisma_migrations", "_carrierdb_seeds"]

SCHEMAS = {
    "fleet": ROOT / "examples" / "fleet" / "schema.prisma",
    "project": ROOT / "schema.prisma",
    "types": ROOT / "tests" / "fuzz" / "corpus" / "schema_parser" / "types.prisma",
    **{f"diff_{p.stem}": p for p in sorted((ROOT / "tests" / "data" / "migrate_diff").glob("*.prisma"))},
}

# Everything else the DDL can write, each in the form the catalog then spells differently.
RICH = """
datasource db {
  provider = "%(provider)s"
  url      = env("DATABASE_URL")
}

enum Level {
  LOW
  HIGH  @map("high")

  @@map("level")
}

model Account {
  id        Int      @id @default(autoincrement())
  code      String   @unique(map: "account_code_unique")
  balance   Decimal  @default(-1.5)
  ratio     Float    @default(0.25)
  retries   Int      @default(-1)
  big       BigInt   @default(3000000000)
  quote     String   @default("it's")
  empty     String   @default("")
  active    Boolean  @default(true)
  level     Level    @default(HIGH)
  data      Json?
  blob      Bytes?
  createdAt DateTime @default(now())
  %(extra)s
  entries   Entry[]
  groups    Group[]

  @@index([ratio(sort: Desc), code])
}

model Entry {
  accountId Int
  line      Int
  account   Account @relation(fields: [accountId], references: [id], onDelete: Restrict, onUpdate: NoAction)
  parentAccountId Int?
  parentLine      Int?
  parent    Entry?  @relation("Nested", fields: [parentAccountId, parentLine], references: [accountId, line], map: "entry_parent")
  children  Entry[] @relation("Nested")

  @@id([accountId, line], map: "entry_key")
  @@unique([line, accountId], map: "entry_line_account")
}

model Group {
  id       String    @id
  accounts Account[]
  friends  Group[]   @relation("Friends")
  friendOf Group[]   @relation("Friends")
}
"""

POSTGRES_EXTRA = """serial    BigInt   @default(autoincrement())
  tags      String[]
  levels    Level[]
  counts    Int[]    @default([1, 2])
  label     String   @default("x") @db.VarChar(20)
  initials  String?  @db.Char(2)
  small     Int      @default(3) @db.SmallInt
  real      Float    @default(0.5) @db.Real
  money     Decimal? @db.Money
  day       DateTime @default(now()) @db.Date
  at        DateTime? @db.Timestamptz(6)
  bare      DateTime? @db.Timestamp
  clock     DateTime? @db.Time(2)
  uuid      String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  doc       Json     @default("{}") @db.Json
  bits      String?  @db.VarBit(8)

  @@index([label], type: Hash)"""


def create_script(schema: Path, backend: str) -> str:
    return commands.migrate_diff(from_empty=True, to_schema=schema, provider=backend).script


def round_trip(url: str, schema: Path, backend: str) -> list[str]:
    """Builds `schema`'s database at `url` from its create script and returns the summary of the
    difference between the database read back and the schema (empty when they agree)."""
    with carrierdb.connect(url) as db:
        db.execute_script(create_script(schema, backend))
        read = _core.read_target_model(db._db, HISTORY)
    return _core.diff_target_models(read, _core.target_model_of(_core.Schema.load(str(schema)), backend))["summary"]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_database_built_from_a_schema_reads_back_as_that_schema(name, carrierdb_url, carrierdb_backend):
    assert round_trip(carrierdb_url, SCHEMAS[name], carrierdb_backend) == []


def test_every_spelling_the_catalog_changes_reads_back_as_the_ddl(carrierdb_url, carrierdb_backend, tmp_path):
    schema = tmp_path / "rich.prisma"
    extra = POSTGRES_EXTRA if carrierdb_backend == "postgresql" else ""
    schema.write_text(RICH % {"provider": carrierdb_backend, "extra": extra})
    assert round_trip(carrierdb_url, schema, carrierdb_backend) == []


def test_history_tables_are_left_out_and_the_rest_is_seen(carrierdb_url, carrierdb_backend):
    fleet = SCHEMAS["fleet"]
    with carrierdb.connect(carrierdb_url) as db:
        db.execute_script(create_script(fleet, carrierdb_backend))
        db.execute("CREATE TABLE _prisma_migrations (id TEXT PRIMARY KEY)")
        db.execute("CREATE TABLE _carrierdb_seeds (id TEXT PRIMARY KEY)")
        read = _core.read_target_model(db._db, HISTORY)
        assert "_prisma_migrations" not in read.table_names and "_carrierdb_seeds" not in read.table_names
        assert {"carriers", "trucks", "_CarrierToTag"} <= set(read.table_names)
        seen = _core.read_target_model(db._db, [])
        assert "_prisma_migrations" in seen.table_names


def test_a_change_made_by_hand_shows_as_exactly_that_change(carrierdb_url, carrierdb_backend):
    fleet = SCHEMAS["fleet"]
    target = _core.target_model_of(_core.Schema.load(str(fleet)), carrierdb_backend)
    with carrierdb.connect(carrierdb_url) as db:
        db.execute_script(create_script(fleet, carrierdb_backend))
        db.execute("ALTER TABLE tags ADD COLUMN color TEXT")
        db.execute('DROP INDEX "carriers_status_name_idx"')
        read = _core.read_target_model(db._db, HISTORY)
    # From the database to the schema: the hand-made column goes, the dropped index comes back.
    back = _core.diff_target_models(read, target)
    assert sorted(back["summary"]) == ["Added index carriers_status_name_idx on carriers", "Changed table tags"]
    if carrierdb_backend == "postgresql":
        assert 'ALTER TABLE "tags" DROP COLUMN "color";' in back["script"]
    else:
        assert 'CREATE TABLE "new_tags"' in back["script"]  # SQLite drops a column through its rebuild
    assert 'CREATE INDEX "carriers_status_name_idx" ON "carriers"("status", "name");' in back["script"]
    forward = _core.diff_target_models(target, read)
    assert sorted(forward["summary"]) == ["Changed table tags", "Removed index carriers_status_name_idx on carriers"]
    assert 'ADD COLUMN "color" TEXT' in forward["script"].replace("ADD COLUMN     ", "ADD COLUMN ")
