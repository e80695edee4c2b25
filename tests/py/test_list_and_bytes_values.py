"""Scalar lists (PostgreSQL only, as in Prisma) and Bytes (both backends): written, read, filtered,
updated, seeded, exported and turned into frames with the values Python users hold (lists, bytes)."""

from __future__ import annotations

import base64
import csv
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import carrierdb

DATASOURCE = 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'

LISTS_SCHEMA = DATASOURCE + """
enum Status {
  ACTIVE  @map("active")
  ON_HOLD @map("on_hold")
  CLOSED
}
model Truck {
  id Int @id @default(autoincrement())
  vin String @unique
  tags String[]
  axles Int[]
  odometers BigInt[]
  ratings Float[]
  flags Boolean[]
  inspectedAt DateTime[]
  fees Decimal[]
  notes Json[]
  statuses Status[]
  photo Bytes?
  @@map("trucks")
}
"""

# What `prisma migrate diff` writes for LISTS_SCHEMA.
LISTS_SQL = """
CREATE TYPE "Status" AS ENUM ('active', 'on_hold', 'CLOSED');
CREATE TABLE "trucks" ("id" SERIAL NOT NULL, "vin" TEXT NOT NULL, "tags" TEXT[], "axles" INTEGER[], "odometers" BIGINT[],
  "ratings" DOUBLE PRECISION[], "flags" BOOLEAN[], "inspectedAt" TIMESTAMP(3)[], "fees" DECIMAL(65,30)[], "notes" JSONB[],
  "statuses" "Status"[], "photo" BYTEA, CONSTRAINT "trucks_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "trucks_vin_key" ON "trucks"("vin");
"""

BYTES_SCHEMA = DATASOURCE + """
model Document {
  id Int @id @default(autoincrement())
  name String @unique
  body Bytes
  thumb Bytes?
  @@map("documents")
}
"""
BYTES_POSTGRES = """
CREATE TABLE "documents" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, "body" BYTEA NOT NULL, "thumb" BYTEA,
  CONSTRAINT "documents_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "documents_name_key" ON "documents"("name");
"""
BYTES_SQLITE = """
CREATE TABLE "documents" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "body" BLOB NOT NULL, "thumb" BLOB);
CREATE UNIQUE INDEX "documents_name_key" ON "documents"("name");
"""

# Text that an array literal must quote or escape, and bytes that text could not hold.
AWKWARD = ["a,b", 'quote"d', "back\\slash", "{brace}", "NULL", "", " spaced ", "tab\there", "line\nbreak", "ünï"]
OCTETS = bytes(range(256)) + b"\x00\x00"


def project(tmp_path: Path, schema: str, postgres: str, sqlite: str | None = None) -> Path:
    (tmp_path / "schema.prisma").write_text(schema)
    step = tmp_path / "migrations" / "20240101000000_init"
    step.mkdir(parents=True)
    (step / "migration.sql").write_text(postgres)
    if sqlite:
        (step / "migration.sqlite.sql").write_text(sqlite)
    return tmp_path


@pytest.fixture
def lists_db(carrierdb_url, tmp_path: Path):
    root = project(tmp_path, LISTS_SCHEMA, LISTS_SQL)
    database = carrierdb.connect(carrierdb_url, schema=str(root / "schema.prisma"))
    assert database.migrations(root / "migrations").deploy().ok
    yield database
    database.close()


@pytest.fixture
def bytes_db(carrierdb_url, tmp_path: Path):
    root = project(tmp_path, BYTES_SCHEMA, BYTES_POSTGRES, BYTES_SQLITE)
    database = carrierdb.connect(carrierdb_url, schema=str(root / "schema.prisma"))
    assert database.migrations(root / "migrations").deploy().ok
    yield database
    database.close()


FULL = {
    "vin": "V1",
    "tags": AWKWARD,
    "axles": [2, 3, -2147483648],
    "odometers": [9223372036854775807, 0],
    "ratings": [4.5, -0.25],
    "flags": [True, False, True],
    "inspectedAt": [datetime(2024, 1, 2, 3, 4, 5, 678000), datetime(1999, 12, 31)],
    "fees": [Decimal("1.50"), Decimal("-0.000001")],
    "notes": [{"a": 1}, [1, "two"], "text"],
    "statuses": ["ON_HOLD", "CLOSED"],
}


# -- scalar lists (PostgreSQL only) -----------------------------------------------------------------


@pytest.mark.postgres_only  # Prisma has no scalar lists on SQLite
def test_postgresql_scalar_lists_round_trip_every_element_type(lists_db):
    created = lists_db.truck.create(FULL)
    for got in (created, lists_db.truck.get(created["id"]), lists_db.truck.find_many()[0]):
        assert got["tags"] == AWKWARD
        assert got["axles"] == [2, 3, -2147483648] and got["odometers"] == [9223372036854775807, 0]
        assert got["ratings"] == [4.5, -0.25] and got["flags"] == [True, False, True]
        assert got["inspectedAt"] == [datetime(2024, 1, 2, 3, 4, 5, 678000), datetime(1999, 12, 31)]
        assert got["fees"] == [Decimal("1.5"), Decimal("-0.000001")]
        assert got["notes"] == [{"a": 1}, [1, "two"], "text"]
        assert got["statuses"] == ["ON_HOLD", "CLOSED"]
    # Stored as PostgreSQL arrays, enum elements under their mapped names.
    row = lists_db.query('SELECT "tags", "statuses"::text[] AS "statuses", cardinality("axles") AS n FROM "trucks"')[0]
    assert row["tags"] == AWKWARD and row["statuses"] == ["on_hold", "CLOSED"] and row["n"] == 3
    # Json[] elements are JSON values, with or without a document among them.
    assert lists_db.truck.create({"vin": "J", "notes": ["x", 1, [True]]})["notes"] == ["x", 1, [True]]
    # An empty list is an empty array, not NULL; an absent list is NULL.
    lists_db.truck.create({"vin": "V2", "tags": []})
    assert lists_db.truck.find_unique({"vin": "V2"})["tags"] == []
    assert lists_db.truck.find_unique({"vin": "V2"})["axles"] is None
    assert lists_db.query("SELECT \"tags\" IS NULL AS missing, \"axles\" IS NULL AS absent FROM \"trucks\" WHERE vin = 'V2'") == [
        {"missing": False, "absent": True}]


@pytest.mark.postgres_only  # arrays exist on PostgreSQL only
def test_postgresql_raw_queries_read_arrays_with_null_elements_as_lists(lists_db):
    row = lists_db.query("""SELECT ARRAY['a', NULL, 'b"c', '']::text[] AS t, ARRAY[1, NULL]::int[] AS i, '{}'::bool[] AS e,
                                   ARRAY['\\x00ff'::bytea] AS b""")[0]
    assert row == {"t": ["a", None, 'b"c', ""], "i": [1, None], "e": [], "b": [b"\x00\xff"]}


@pytest.mark.postgres_only  # Prisma has no scalar lists on SQLite
def test_postgresql_list_elements_are_validated_at_their_index(lists_db):
    issues = lists_db.truck.validate({"vin": "V", "tags": ["ok", 5], "axles": [1, 2, 2**31], "statuses": ["ACTIVE", "GONE"],
                                      "flags": [True, None], "ratings": "not a list"})
    by_path = {tuple(i["path"]): i for i in issues}
    assert set(by_path) == {("tags", "1"), ("axles", "2"), ("statuses", "1"), ("flags", "1"), ("ratings",)}
    assert by_path[("tags", "1")]["code"] == "invalid_type"
    assert by_path[("axles", "2")]["code"] == "too_big"
    assert by_path[("statuses", "1")]["code"] == "invalid_enum_value"
    assert by_path[("ratings",)]["expected"] == "array"
    with pytest.raises(carrierdb.ValidationError) as refused:
        lists_db.truck.create({"vin": "V", "tags": ["ok", 5]})
    assert [i["path"] for i in refused.value.issues] == [["tags", "1"]]
    assert lists_db.truck.count() == 0


@pytest.mark.postgres_only  # Prisma's list filters exist where lists do
def test_postgresql_list_filters_has_hasevery_hassome_isempty_equals(lists_db):
    lists_db.truck.create({"vin": "A", "tags": ["red", "big"], "statuses": ["ON_HOLD"], "axles": [2, 3]})
    lists_db.truck.create({"vin": "B", "tags": ["red"], "statuses": ["ACTIVE", "CLOSED"], "axles": []})
    lists_db.truck.create({"vin": "C", "tags": []})
    lists_db.truck.create({"vin": "D"})  # NULL lists

    def vins(where):
        return sorted(r["vin"] for r in lists_db.truck.find_many(where=where))

    assert vins({"tags": {"has": "red"}}) == ["A", "B"]
    assert vins({"tags": {"hasEvery": ["red", "big"]}}) == ["A"]
    assert vins({"tags": {"hasSome": ["big", "small"]}}) == ["A"]
    assert vins({"tags": {"isEmpty": True}}) == ["C", "D"]  # as Prisma: a null list counts as empty
    assert vins({"tags": {"isEmpty": False}}) == ["A", "B"]
    assert vins({"tags": {"equals": ["red"]}}) == ["B"]
    assert vins({"tags": {"equals": None}}) == ["D"]
    assert vins({"axles": {"has": 3}}) == ["A"]
    assert vins({"statuses": {"has": "ON_HOLD"}}) == ["A"]  # the mapped name is compared
    assert vins({"statuses": {"hasSome": ["CLOSED", "ON_HOLD"]}}) == ["A", "B"]
    assert vins({"tags": {"has": "red"}, "NOT": {"tags": {"has": "big"}}}) == ["B"]
    assert lists_db.truck.count({"tags": {"has": "it's \"odd\""}}) == 0  # quoting travels in the parameter
    with pytest.raises(carrierdb.ValidationError) as bad:
        lists_db.truck.find_many(where={"axles": {"has": "three"}, "tags": {"contains": "r"}})
    assert sorted(i["path"] for i in bad.value.issues) == [["where", "axles", "has", "0"], ["where", "tags", "contains"]]


@pytest.mark.postgres_only  # Prisma's set and push on scalar lists exist where lists do
def test_postgresql_list_updates_set_and_push(lists_db):
    lists_db.truck.create({"vin": "A", "tags": ["one"], "statuses": ["ACTIVE"]})
    lists_db.truck.create({"vin": "B"})
    assert lists_db.truck.update({"vin": "A"}, {"tags": {"push": "two"}})["tags"] == ["one", "two"]
    assert lists_db.truck.update({"vin": "A"}, {"tags": {"push": ["three", "a,b"]}})["tags"] == ["one", "two", "three", "a,b"]
    assert lists_db.truck.update({"vin": "A"}, {"tags": {"set": ["only"]}})["tags"] == ["only"]
    assert lists_db.truck.update({"vin": "A"}, {"tags": ["plain"]})["tags"] == ["plain"]
    assert lists_db.truck.update({"vin": "A"}, {"statuses": {"push": "ON_HOLD"}})["statuses"] == ["ACTIVE", "ON_HOLD"]
    assert lists_db.truck.update({"vin": "B"}, {"tags": {"push": "first"}})["tags"] == ["first"]  # onto a NULL list
    assert lists_db.truck.update_many(None, {"axles": {"push": 4}}) == 2
    assert [r["axles"] for r in lists_db.truck.find_many(order_by={"vin": "asc"})] == [[4], [4]]
    assert lists_db.query('SELECT "statuses"::text[] AS s FROM "trucks" WHERE vin = \'A\'')[0]["s"] == ["active", "on_hold"]
    with pytest.raises(carrierdb.ValidationError) as bad:
        lists_db.truck.update({"vin": "A"}, {"axles": {"push": "x"}})
    assert [i["path"] for i in bad.value.issues] == [["axles", "push", "0"]]


@pytest.mark.postgres_only  # lists: PostgreSQL only
def test_postgresql_create_many_writes_lists_through_copy_and_insert(lists_db):
    rows = [{"vin": f"M{k}", "tags": AWKWARD[k:], "inspectedAt": [datetime(2024, 5, k + 1)], "statuses": ["ON_HOLD"],
             "photo": bytes([k, 0])} for k in range(3)]
    assert lists_db.truck.create_many(rows) == 3  # COPY
    returned = lists_db.truck.create_many([dict(rows[0], vin="R")], return_records=True)  # multi-row INSERT
    assert returned[0]["tags"] == AWKWARD and returned[0]["statuses"] == ["ON_HOLD"]
    got = {r["vin"]: r for r in lists_db.truck.find_many()}
    for k in range(3):
        assert got[f"M{k}"]["tags"] == AWKWARD[k:] and got[f"M{k}"]["inspectedAt"] == [datetime(2024, 5, k + 1)]
        assert got[f"M{k}"]["statuses"] == ["ON_HOLD"] and got[f"M{k}"]["photo"] == bytes([k, 0])


@pytest.mark.postgres_only  # lists: PostgreSQL only
def test_postgresql_list_and_bytes_frames_hold_python_lists_and_bytes(lists_db):
    lists_db.truck.create({"vin": "A", "tags": ["x", "y"], "photo": b"\x00\x01"})
    lists_db.truck.create({"vin": "B", "tags": []})
    frame = lists_db.truck.find_many(order_by={"vin": "asc"}).to_pandas()
    assert frame["tags"].dtype == object and frame["tags"].tolist() == [["x", "y"], []]
    assert frame["photo"].tolist()[0] == b"\x00\x01"


def write_seed_set(root: Path, files: dict[str, str], model: str, key: list[str]) -> Path:
    folder = root / "development"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(
        {"name": "development", "version": "1", "files": [{"path": n, "model": model, "key": key} for n in files]}))
    return root


@pytest.mark.postgres_only  # lists: PostgreSQL only
def test_postgresql_seed_files_carry_lists_as_json_arrays_and_export_writes_them_back(lists_db, tmp_path: Path):
    photo = base64.b64encode(OCTETS).decode()
    rows = [["vin", "tags", "axles", "statuses", "inspectedAt", "photo"],
            ["A", json.dumps(AWKWARD), "[2, 3]", '["ON_HOLD"]', '["2024-01-02T03:04:05.678Z"]', photo],
            ["B", "[]", "", "[]", "[]", ""]]
    with (tmp_path / "t.csv").open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    root = write_seed_set(tmp_path / "seeds", {"t.csv": (tmp_path / "t.csv").read_text(encoding="utf-8"),
                                               "u.json": json.dumps([{"vin": "C", "tags": ["j", "k"], "photo": "AAE="}])},
                          "Truck", ["vin"])
    assert lists_db.seeds.apply("development", directory=root).inserted == 3
    got = {r["vin"]: r for r in lists_db.truck.find_many()}
    assert got["A"]["tags"] == AWKWARD and got["A"]["axles"] == [2, 3] and got["A"]["statuses"] == ["ON_HOLD"]
    assert got["A"]["inspectedAt"] == [datetime(2024, 1, 2, 3, 4, 5, 678000)] and got["A"]["photo"] == OCTETS
    assert got["B"]["tags"] == [] and got["B"]["axles"] is None and got["B"]["photo"] is None
    assert got["C"]["tags"] == ["j", "k"] and got["C"]["photo"] == b"\x00\x01"
    # Export writes the same encodings; the exported file seeds the same rows unchanged.
    assert lists_db.seeds.export("Truck", tmp_path / "export.csv") == 3
    with (tmp_path / "export.csv").open(newline="", encoding="utf-8") as f:
        exported = {r["vin"]: r for r in csv.DictReader(f)}
    assert json.loads(exported["A"]["tags"]) == AWKWARD and exported["A"]["photo"] == photo
    assert json.loads(exported["A"]["statuses"]) == ["ON_HOLD"]
    again = write_seed_set(tmp_path / "again", {"export.csv": (tmp_path / "export.csv").read_text(encoding="utf-8")}, "Truck", ["vin"])
    report = lists_db.seeds.apply("development", directory=again, force=True)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 3)
    assert {r["vin"]: r for r in lists_db.truck.find_many()} == got


@pytest.mark.postgres_only  # lists: PostgreSQL only
def test_postgresql_seed_rows_with_bad_list_cells_are_reported_at_their_element(lists_db, tmp_path: Path):
    root = write_seed_set(tmp_path / "seeds", {"t.csv": 'vin,axles,tags\nA,"[1, ""x""]",\nB,,not json\n'}, "Truck", ["vin"])
    with pytest.raises(carrierdb.ValidationError) as bad:
        lists_db.seeds.apply("development", directory=root)
    text = str(bad.value)
    assert "axles.1" in text and "tags" in text
    assert lists_db.truck.count() == 0


def test_sqlite_provider_refuses_scalar_lists_at_their_position(tmp_path: Path):
    path = tmp_path / "schema.prisma"
    path.write_text('datasource db {\n  provider = "sqlite"\n  url = "file:dev.db"\n}\n\nmodel T {\n  id Int @id\n  tags String[]\n}\n')
    db = carrierdb.connect(f"sqlite:{tmp_path / 'x.db'}", schema=str(path))
    try:
        with pytest.raises(carrierdb.SchemaError, match=r"schema\.prisma:8:3: field tags can't be a list: the sqlite provider"):
            db.schema
    finally:
        db.close()


def test_sqlite_database_under_a_postgresql_schema_reads_rows_with_an_enum_list_column(tmp_path: Path):
    """A postgresql schema run on SQLite (the embedded default): rows read, the list column as NULL;
    writing a list is refused with the reason, not a syntax error from a PostgreSQL cast."""
    path = tmp_path / "schema.prisma"
    path.write_text(DATASOURCE + "enum Role {\n  DRIVER\n  DISPATCHER\n}\nmodel Person {\n  id Int @id @default(autoincrement())\n"
                    "  name String\n  roles Role[]\n}\n")
    db = carrierdb.connect(f"sqlite:{tmp_path / 'x.db'}", schema=str(path))
    try:
        db.execute('CREATE TABLE "Person" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "roles" TEXT)')
        db.execute("""INSERT INTO "Person" ("name") VALUES ('Ann')""")
        assert db.person.find_many() == [{"id": 1, "name": "Ann", "roles": None}]
        assert db.person.create({"name": "Bo"}) == {"id": 2, "name": "Bo", "roles": None}
        with pytest.raises(carrierdb.ProgrammingError, match="SQLite cannot store"):
            db.person.create({"name": "Cy", "roles": ["DRIVER"]})
    finally:
        db.close()


# -- Bytes (both backends) ------------------------------------------------------------------------


def test_bytes_round_trip_from_bytes_bytearray_and_memoryview(bytes_db):
    a = bytes_db.document.create({"name": "a", "body": OCTETS})
    assert a["body"] == OCTETS and isinstance(a["body"], bytes) and a["thumb"] is None
    bytes_db.document.create({"name": "b", "body": bytearray(b"\x00ab"), "thumb": memoryview(b"\xff\xfe")})
    got = bytes_db.document.find_unique({"name": "b"})
    assert (got["body"], got["thumb"]) == (b"\x00ab", b"\xff\xfe")
    assert bytes_db.document.get(a["id"])["body"] == OCTETS
    assert [r["name"] for r in bytes_db.document.find_many(where={"body": b"\x00ab"})] == ["b"]
    assert [r["name"] for r in bytes_db.document.find_many(where={"body": {"in": [OCTETS, b"zz"]}})] == ["a"]
    assert bytes_db.document.update({"name": "b"}, {"thumb": b""})["thumb"] == b""
    assert bytes_db.document.create({"name": "c", "body": "AAE="})["body"] == b"\x00\x01"  # base64 text, as Prisma's JSON protocol
    issues = bytes_db.document.validate({"name": "d", "body": "not base64!"})
    assert [(i["path"], i["code"]) for i in issues] == [(["body"], "invalid_string")]
    assert [(i["path"], i["expected"]) for i in bytes_db.document.validate({"name": "d", "body": 5})] == [(["body"], "bytes")]
    frame = bytes_db.document.find_many(order_by={"name": "asc"}).to_pandas()
    assert frame["body"].tolist() == [OCTETS, b"\x00ab", b"\x00\x01"]
    assert bytes_db.document.create_many([{"name": f"m{k}", "body": bytes([k]) * k} for k in range(3)]) == 3
    assert [r["body"] for r in bytes_db.document.find_many(where={"name": {"startsWith": "m"}}, order_by={"name": "asc"})] == [
        b"", b"\x01", b"\x02\x02"]


def test_bytes_filters_not_and_not_in(bytes_db):
    for name, body, thumb in (("a", OCTETS, None), ("b", b"\x00ab", b"\xff"), ("c", b"", b"")):
        bytes_db.document.create({"name": name, "body": body, "thumb": thumb})

    def names(where):
        return [r["name"] for r in bytes_db.document.find_many(where=where, order_by={"name": "asc"})]

    assert names({"body": {"not": b"\x00ab"}}) == ["a", "c"]
    assert names({"body": {"not": {"in": [OCTETS, b""]}}}) == ["b"]
    assert names({"body": {"notIn": [OCTETS, b"zz"]}}) == ["b", "c"]
    assert names({"body": {"notIn": ["AAE=", b""]}}) == ["a", "b"]  # base64 text, as in Prisma's JSON protocol
    assert names({"thumb": {"not": None}}) == ["b", "c"]
    assert names({"thumb": {"not": b""}}) == ["b"]  # as SQL: a NULL thumb is neither equal nor unequal
    assert names({"thumb": {"notIn": [b"\xff"]}}) == ["c"]


def test_bytes_seed_as_base64_and_export_round_trip(bytes_db, tmp_path: Path):
    body = base64.b64encode(OCTETS).decode()
    root = write_seed_set(tmp_path / "seeds", {"d.csv": f"name,body,thumb\nfull,{body},\nempty,,AA==\n".replace(",,AA==", ',"",AA==')},
                          "Document", ["name"])
    assert bytes_db.seeds.apply("development", directory=root).inserted == 2
    got = {r["name"]: (r["body"], r["thumb"]) for r in bytes_db.document.find_many()}
    assert got == {"full": (OCTETS, None), "empty": (b"", b"\x00")}
    assert bytes_db.seeds.export("Document", tmp_path / "export.csv") == 2
    with (tmp_path / "export.csv").open(newline="", encoding="utf-8") as f:
        exported = {r["name"]: r for r in csv.DictReader(f)}
    assert exported["full"]["body"] == body and exported["empty"]["thumb"] == "AA=="
    again = write_seed_set(tmp_path / "again", {"export.csv": (tmp_path / "export.csv").read_text(encoding="utf-8")}, "Document", ["name"])
    report = bytes_db.seeds.apply("development", directory=again, force=True)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 2)
    assert {r["name"]: (r["body"], r["thumb"]) for r in bytes_db.document.find_many()} == got


# -- lists and bytes inside nested writes ------------------------------------------------------------

NESTED_SCHEMA = DATASOURCE + """
model Owner {
  id    Int    @id @default(autoincrement())
  name  String @unique
  units Unit[]
}
model Unit {
  id      Int      @id @default(autoincrement())
  vin     String   @unique
  tags    String[]
  photo   Bytes?
  ownerId Int
  owner   Owner    @relation(fields: [ownerId], references: [id])
}
"""
NESTED_SQL = """
CREATE TABLE "Owner" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "Owner_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Unit" ("id" SERIAL NOT NULL, "vin" TEXT NOT NULL, "tags" TEXT[], "photo" BYTEA, "ownerId" INTEGER NOT NULL,
  CONSTRAINT "Unit_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Owner_name_key" ON "Owner"("name");
CREATE UNIQUE INDEX "Unit_vin_key" ON "Unit"("vin");
ALTER TABLE "Unit" ADD CONSTRAINT "Unit_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
"""


@pytest.mark.postgres_only  # lists: PostgreSQL only
def test_postgresql_nested_writes_carry_lists_and_bytes(carrierdb_url, tmp_path: Path):
    root = project(tmp_path, NESTED_SCHEMA, NESTED_SQL)
    db = carrierdb.connect(carrierdb_url, schema=str(root / "schema.prisma"))
    assert db.migrations(root / "migrations").deploy().ok
    owner = db.owner.create({"name": "Acme", "units": {"create": [{"vin": "V1", "tags": AWKWARD, "photo": OCTETS},
                                                                  {"vin": "V2", "tags": []}]}})
    db.owner.update({"id": owner["id"]}, {"units": {"update": {"where": {"vin": "V2"}, "data": {"tags": {"set": ["x", "y"]}}},
                                                    "createMany": {"data": [{"vin": "V3", "tags": ["z"], "photo": b"\x00"}]}}})
    got = {u["vin"]: u for u in db.unit.find_many()}
    assert got["V1"]["tags"] == AWKWARD and got["V1"]["photo"] == OCTETS
    assert got["V2"]["tags"] == ["x", "y"] and got["V2"]["photo"] is None
    assert got["V3"]["tags"] == ["z"] and got["V3"]["photo"] == b"\x00"
    with pytest.raises(carrierdb.ValidationError) as bad:
        db.owner.create({"name": "Bolt", "units": {"create": [{"vin": "V9", "tags": ["ok", 7]}]}})
    assert [i["path"] for i in bad.value.issues] == [["units", "create", "0", "tags", "1"]]
    assert db.owner.count() == 1
    db.close()


@pytest.mark.postgres_only  # lists: PostgreSQL only
def test_postgresql_a_scalar_list_refuses_documents_as_elements(lists_db):
    for tags in ([{"a": 1}], ["ok", ["nested"]]):
        with pytest.raises(carrierdb.ValidationError) as bad:
            lists_db.truck.create({"vin": "D1", "tags": tags})
        assert [i["path"] for i in bad.value.issues] == [["tags", str(len(tags) - 1)]]
    assert lists_db.truck.count() == 0
