"""Data loss is never silent: a schema change (`migrate dev`, `db push`) that would destroy rows, or
fail on them, is reported with the rows it touches in the target database, and refused unless the
loss is accepted (Prisma's --accept-data-loss).

What a user relies on: every kind of change is found with the exact number of rows it touches (known
rows are seeded), a change that touches no row is not reported, and nothing goes ahead without the
acceptance. The database is built from the `before` schema by carrierdb's own diff script, on both
backends.
"""

from __future__ import annotations

import pytest

import carrierdb
from carrierdb import _core

DATASOURCE = 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'

STATUS = "enum Status {\n  ACTIVE\n  SUSPENDED\n  RETIRED\n  PENDING\n}\n"

CARRIER = """
model Carrier {{
  id        Int     @id
  name      String  @db.VarChar(50)
  dotNumber String?
  unused    String?
  nickname  String?
  code      String
  status    Status  @default(ACTIVE)
  fleetSize BigInt?
  rate      Decimal? @db.Decimal(10, 4)
  notes     String?
  kind      String?
{extra}
  @@map("carriers")
}}
"""

# Five carriers with known values: 2 dotNumbers, 3 NULL nicknames, codes in 2 duplicate groups
# (C1 x2, C2 x2), 2 SUSPENDED, names of which 2 are longer than 5 characters, 1 fleetSize beyond
# INTEGER, 2 rates that DECIMAL(6,2) cannot hold as they are, notes of which 2 are no integer.
CARRIERS = [
    (1, "Alpha", "D1", None, "a", "C1", "ACTIVE", 10, "1.5", "abc", "ACTIVE"),
    (2, "Bravo Long", None, None, None, "C1", "SUSPENDED", 3000000000, "1.234", "12", "BOGUS"),
    (3, "Charlie", "D3", None, None, "C2", "SUSPENDED", None, "12345.6", None, None),
    (4, "Delta", None, None, None, "C2", "ACTIVE", -5, None, "2.5", "RETIRED"),
    (5, "Echo", None, None, "e", "C3", "RETIRED", None, "-3.25", None, None),
]

DEPOT = '\nmodel Depot {\n  id Int @id\n  @@map("depots")\n}\n'
ARCHIVE = '\nmodel Archive {\n  id Int @id\n  @@map("archives")\n}\n'


def schema(carrier: str = "", *, status: str = STATUS, depot: bool = True, archive: bool = True) -> carrierdb.Schema:
    text = DATASOURCE + status + CARRIER.format(extra=carrier) + (DEPOT if depot else "") + (ARCHIVE if archive else "")
    return _core.Schema.parse(text)


BEFORE = schema()


@pytest.fixture
def db(carrierdb_db):
    """The database the `before` schema describes, holding the five carriers and three depots (no archives)."""
    script = _core.diff_schemas(None, BEFORE, carrierdb_db.backend)["script"]
    carrierdb_db.execute_script(script)
    # PostgreSQL takes the enum and the decimal as typed text; SQLite stores them as they come.
    status, rate = ('$7', '$9') if carrierdb_db.backend == "sqlite" else ('CAST($7 AS "Status")', "CAST($9 AS numeric)")
    for row in CARRIERS:
        carrierdb_db.execute(
            'INSERT INTO carriers (id, name, "dotNumber", unused, nickname, code, status, "fleetSize", rate, notes, kind) '
            f"VALUES ($1, $2, $3, $4, $5, $6, {status}, $8, {rate}, $10, $11)", list(row))
    for i in (1, 2, 3):
        carrierdb_db.execute("INSERT INTO depots (id) VALUES ($1)", [i])
    return carrierdb_db


def findings(db, after) -> list[tuple]:
    return [(f["kind"], f["table"], f["column"], f["detail"], f["rows"]) for f in _core.find_data_loss(db._db, BEFORE, after)]


def test_dropping_a_table_with_rows_counts_them_and_an_empty_one_is_not_loss(db):
    found = _core.find_data_loss(db._db, BEFORE, schema(depot=False, archive=False))
    assert [(f["kind"], f["table"], f["column"], f["rows"]) for f in found] == [("drop_table", "depots", None, 3)]
    assert found[0]["message"] == (
        "You are about to drop the `depots` table, which is not empty (3 rows). All the data it contains will be lost.")


def test_dropping_a_column_counts_its_non_null_values(db):
    after = _core.Schema.parse(
        DATASOURCE + STATUS + CARRIER.format(extra="").replace("  dotNumber String?\n", "").replace("  unused    String?\n", "") + DEPOT + ARCHIVE)
    found = _core.find_data_loss(db._db, BEFORE, after)
    # `unused` holds only NULLs: dropping it loses nothing.
    assert [(f["kind"], f["table"], f["column"], f["rows"]) for f in found] == [("drop_column", "carriers", "dotNumber", 2)]
    assert found[0]["message"] == ("You are about to drop the column `dotNumber` on the `carriers` table, which still contains "
                                   "2 non-null values. All the data in the column will be lost.")


def test_making_a_column_required_counts_its_nulls(db):
    after = _core.Schema.parse(
        DATASOURCE + STATUS + CARRIER.format(extra="").replace("nickname  String?", "nickname  String").replace(
            "unused    String?", "unused    String  @default(\"x\")") + DEPOT + ARCHIVE)
    found = findings(db, after)
    # Both columns hold NULLs; a default does not fill the rows that hold one already.
    assert sorted(found) == [("make_required", "carriers", "nickname", "", 3), ("make_required", "carriers", "unused", "", 5)]


def test_adding_a_unique_constraint_counts_the_rows_in_duplicate_groups(db):
    found = findings(db, schema("  @@unique([code])\n  @@unique([name])\n  @@unique([code, nickname])"))
    # C1 and C2 are held twice each: 4 rows in 2 groups. Names are all distinct, and (code, nickname)
    # pairs clash nowhere (NULLs never clash): neither is loss.
    assert found == [("make_unique", "carriers", None, "code", 4)]
    # A new primary key is a unique key too.
    moved_key = CARRIER.format(extra="").replace("id        Int     @id", "id        Int").replace("code      String", "code      String @id")
    assert findings(db, _core.Schema.parse(DATASOURCE + STATUS + moved_key + DEPOT + ARCHIVE)) == [("make_unique", "carriers", None, "code", 4)]


def test_removing_enum_values_counts_the_rows_holding_each(db):
    found = findings(db, schema(status="enum Status {\n  ACTIVE\n  RETIRED\n}\n"))
    # PENDING is removed too, but no row holds it.
    assert found == [("remove_enum_value", "carriers", "status", "SUSPENDED", 2)]
    message = _core.find_data_loss(db._db, BEFORE, schema(status="enum Status {\n  ACTIVE\n  RETIRED\n}\n"))[0]["message"]
    assert "`SUSPENDED`" in message and "2 rows of the column `status` on the `carriers` table" in message


def test_a_renamed_enum_value_is_not_loss(db):
    """A value renamed (--rename-enum-value) keeps its rows: only the values really removed count."""
    after = schema(status="enum Status {\n  ACTIVE\n  PAUSED\n  RETIRED\n}\n")
    assert findings(db, after) == [("remove_enum_value", "carriers", "status", "SUSPENDED", 2)]
    renamed = _core.find_data_loss(db._db, BEFORE, after, [("Status", "SUSPENDED", "PAUSED")])
    assert renamed == []


def test_adding_a_required_column_without_default_counts_the_table_rows(db):
    found = findings(db, schema("  region String"))
    # The same column with a default, or an optional one, fills every row: nothing fails.
    assert found == [("add_required_column", "carriers", "region", "", 5)]
    assert findings(db, schema('  region String @default("US")\n  zone String?')) == []
    assert "There are 5 rows in this table, it is not possible to execute this step." in \
        _core.find_data_loss(db._db, BEFORE, schema("  region String"))[0]["message"]


def test_an_empty_table_takes_a_required_column_and_any_change(db):
    archive = ARCHIVE.replace("id Int @id", "id Int @id\n  code String @unique\n  label String")
    after = _core.Schema.parse(DATASOURCE + STATUS + CARRIER.format(extra="") + DEPOT + archive)
    assert findings(db, after) == []


def test_narrowing_a_type_counts_the_values_that_do_not_fit(db, carrierdb_backend):
    after = _core.Schema.parse(
        DATASOURCE + STATUS + CARRIER.format(extra="")
        .replace("@db.VarChar(50)", "@db.VarChar(5)")
        .replace("fleetSize BigInt?", "fleetSize Int?")
        .replace("@db.Decimal(10, 4)", "@db.Decimal(6, 2)")
        .replace("notes     String?", "notes     Int?")
        .replace("kind      String?", "kind      Status?") + DEPOT + ARCHIVE)
    found = sorted(findings(db, after))
    if carrierdb_backend == "postgresql":
        # 'Bravo Long' and 'Charlie' exceed 5 characters; 3000000000 is beyond INTEGER; 1.234 would be
        # rounded and 12345.6 needs 5 integer digits. Text to Int or to an enum has no cast at all:
        # PostgreSQL refuses the statement itself, whatever the rows hold.
        assert found == [
            ("narrow_type", "carriers", "fleetSize", "INTEGER", 1),
            ("narrow_type", "carriers", "name", "VARCHAR(5)", 2),
            ("narrow_type", "carriers", "rate", "DECIMAL(6,2)", 2),
        ]
    else:
        # SQLite has no lengths nor precisions, and 64-bit integers either way; 'abc' and '2.5' stay
        # no integers in an INTEGER column, and 'BOGUS' fails the enum's CHECK ('RETIRED' is allowed).
        assert found == [("narrow_type", "carriers", "kind", "TEXT", 1), ("narrow_type", "carriers", "notes", "INTEGER", 2)]
    assert all("not fit it. This will fail or lose data." in f["message"] for f in _core.find_data_loss(db._db, BEFORE, after))


def test_without_acceptance_the_change_is_refused_listing_every_count(db):
    after = _core.Schema.parse(
        DATASOURCE + "enum Status {\n  ACTIVE\n  RETIRED\n}\n" + CARRIER.format(extra="  @@unique([code])").replace("  dotNumber String?\n", "")
        + ARCHIVE)
    with pytest.raises(carrierdb.DataLossError) as refused:
        _core.check_data_loss(db._db, BEFORE, after, operation="db push")
    text = str(refused.value)
    assert text.startswith(f"db push on {db.url} would lose data or fail on existing rows:")
    for expected in ("drop the `depots` table, which is not empty (3 rows)", "column `dotNumber` on the `carriers` table, which still contains 2",
                     "The enum value `SUSPENDED` will be removed, but 2 rows", "columns `[code]` on the table `carriers` will be added, but 4 existing rows"):
        assert expected in text
    assert "--accept-data-loss" in text and "Nothing was changed." in text
    assert sorted((l["table"], l["column"] or "", l["rows"]) for l in refused.value.losses) == [
        ("carriers", "", 4), ("carriers", "dotNumber", 2), ("carriers", "status", 2), ("depots", "", 3)]
    # Accepted, the same findings come back for the migration's warnings; and a change that loses
    # nothing needs no acceptance.
    assert len(_core.check_data_loss(db._db, BEFORE, after, accept_data_loss=True, operation="db push")) == 4
    assert _core.check_data_loss(db._db, BEFORE, schema(archive=False), operation="db push") == []


@pytest.mark.postgres_only  # enum lists exist on PostgreSQL only
def test_removing_an_enum_value_counts_the_lists_holding_it(carrierdb_db):
    truck = '\nmodel Truck {\n  id   Int      @id\n  tags Status[]\n  @@map("trucks")\n}\n'
    before = _core.Schema.parse(DATASOURCE + STATUS + truck)
    carrierdb_db.execute_script(_core.diff_schemas(None, before, "postgresql")["script"])
    for i, tags in enumerate(["{SUSPENDED,ACTIVE}", "{SUSPENDED}", "{ACTIVE,RETIRED}", "{}"]):
        carrierdb_db.execute('INSERT INTO trucks (id, tags) VALUES ($1, CAST($2 AS "Status"[]))', [i, tags])
    after = _core.Schema.parse(DATASOURCE + "enum Status {\n  ACTIVE\n  RETIRED\n}\n" + truck)
    found = [(f["kind"], f["table"], f["column"], f["detail"], f["rows"]) for f in _core.find_data_loss(carrierdb_db._db, before, after)]
    assert found == [("remove_enum_value", "trucks", "tags", "SUSPENDED", 2)]
