"""The generic repository on both backends: CRUD, filters, transactions, errors named by field."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

import carrierdb

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(carrierdb_url):
    database = carrierdb.connect(carrierdb_url, schema=str(REPO / "schema.prisma"))
    database.migrations(REPO / "migrations").deploy()
    yield database
    database.close()


def seed(db, *names_and_mcs):
    return [db.carrier.create({"name": n, "mcNumber": m}) for n, m in names_and_mcs]


# -- create / read ------------------------------------------------------------------------------


def test_create_validates_normalises_and_returns_the_record(db):
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(seconds=2)
    c = db.carrier.create({"name": "  Acme   Freight  LLC ", "mcNumber": "mc-123456"})
    assert c["id"] >= 1 and c["name"] == "Acme Freight LLC" and c["mcNumber"] == "MC123456" and c["status"] == "ACTIVE"
    assert isinstance(c["createdAt"], dt.datetime) and c["createdAt"] == c["updatedAt"] and c["createdAt"] >= before
    assert db.carrier.get(c["id"]) == c
    assert list(c) == db.carrier.fields


@pytest.mark.parametrize(
    ("name", "mc", "stored_name", "stored_mc"),
    [
        ("\t Acme \t\n Freight  ", " Mc-1 ", "Acme Freight", "MC1"),
        ("O'Brien & Sons", "MC#00123", "O'Brien & Sons", "MC00123"),
        ("Transportes   Ñandú", "mc:42", "Transportes Ñandú", "MC42"),
        ("X", "MC 7", "X", "MC7"),
    ],
)
def test_normalisers_rewrite_what_is_stored(db, name, mc, stored_name, stored_mc):
    c = db.carrier.create({"name": name, "mcNumber": mc})
    assert (c["name"], c["mcNumber"]) == (stored_name, stored_mc)
    assert db.carrier.get(c["id"]) == c


def test_get_and_unique_lookups(db):
    a, _ = seed(db, ("A", "MC1"), ("B", None))
    assert db.carrier.find_unique({"mcNumber": "mc-1"})["id"] == a["id"]  # normalised like a stored value
    assert db.carrier.find_unique({"id": 999999}) is None
    with pytest.raises(carrierdb.NotFound, match="no Carrier with id = 999999"):
        db.carrier.get(999999)
    with pytest.raises(carrierdb.ValidationError, match="exactly one unique key"):
        db.carrier.find_unique({"name": "A"})


def test_filters_with_prismas_operators(db):
    seed(db, ("Acme Freight", "MC1"), ("acme logistics", "MC2"), ("Blue Line Trucking", "MC3"), ("Zed 50% Cargo", None))
    db.carrier.update({"mcNumber": "MC3"}, {"status": "SUSPENDED"})

    def names(**kwargs):
        return [r["name"] for r in db.carrier.find_many(order_by={"name": "asc"}, **kwargs)]

    assert names(where={"name": "Acme Freight"}) == ["Acme Freight"]
    assert names(where={"name": {"contains": "Acme"}}) == ["Acme Freight"]  # case-sensitive by default
    assert names(where={"name": {"contains": "acme", "mode": "insensitive"}}) == ["Acme Freight", "acme logistics"]
    assert names(where={"name": {"startsWith": "Blue"}}) == ["Blue Line Trucking"]
    assert names(where={"name": {"endsWith": "Cargo"}}) == ["Zed 50% Cargo"]
    assert names(where={"name": {"contains": "50%"}}) == ["Zed 50% Cargo"]  # % is literal, not a wildcard
    assert names(where={"name": {"contains": "_"}}) == []
    assert names(where={"name": {"equals": "ACME FREIGHT", "mode": "insensitive"}}) == ["Acme Freight"]
    assert names(where={"mcNumber": None}) == ["Zed 50% Cargo"]
    assert names(where={"mcNumber": {"not": None}}) == ["Acme Freight", "Blue Line Trucking", "acme logistics"]
    assert names(where={"status": {"in": ["SUSPENDED", "REVOKED"]}}) == ["Blue Line Trucking"]
    assert len(names(where={"status": {"notIn": ["SUSPENDED"]}})) == 3
    assert names(where={"status": {"in": []}}) == []
    assert names(where={"OR": [{"mcNumber": "MC1"}, {"mcNumber": "MC3"}]}) == ["Acme Freight", "Blue Line Trucking"]
    assert names(where={"NOT": {"name": {"startsWith": "A"}}, "mcNumber": {"not": None}}) == ["Blue Line Trucking", "acme logistics"]
    assert names(where={"AND": [{"id": {"gte": 2}}, {"id": {"lt": 4}}]}) == ["Blue Line Trucking", "acme logistics"]
    future = dt.datetime.now() + dt.timedelta(days=1)
    assert len(names(where={"createdAt": {"lt": future}})) == 4 and names(where={"createdAt": {"gt": future}}) == []
    assert db.carrier.count() == 4 and db.carrier.count({"status": "ACTIVE"}) == 3


def test_ordering_and_paging(db):
    seed(db, *[(f"Carrier {k:02d}", f"MC{k}") for k in range(10)])
    page = db.carrier.find_many(order_by={"name": "desc"}, skip=2, take=3)
    assert [r["name"] for r in page] == ["Carrier 07", "Carrier 06", "Carrier 05"]
    assert [r["name"] for r in db.carrier.find_many(order_by=[{"status": "asc"}, {"id": "asc"}], skip=8)] == ["Carrier 08", "Carrier 09"]
    assert db.carrier.find_first(order_by={"id": "desc"})["name"] == "Carrier 09"


def test_bad_filters_are_validation_errors(db):
    with pytest.raises(carrierdb.ValidationError) as info:
        db.carrier.find_many(where={"colour": "red", "id": {"near": 3}, "status": "BOGUS"}, order_by={"name": "sideways"})
    paths = {".".join(i["path"]) for i in info.value.issues}
    assert {"where.colour", "where.id.near", "where.status"} <= paths
    with pytest.raises(carrierdb.ValidationError):
        db.carrier.find_many(skip=-1)  # a negative take pages backwards, as in Prisma (test_repository_pages.py)


# -- update / upsert / delete -------------------------------------------------------------------


def test_update_is_partial_validated_and_touches_updated_at(db):
    c = db.carrier.create({"name": "Acme", "mcNumber": "MC1"})
    time.sleep(0.01)
    u = db.carrier.update({"id": c["id"]}, {"status": "REVOKED"})
    assert u["status"] == "REVOKED" and u["name"] == "Acme" and u["createdAt"] == c["createdAt"] and u["updatedAt"] > c["updatedAt"]
    with pytest.raises(carrierdb.ValidationError):
        db.carrier.update({"id": c["id"]}, {"name": ""})
    with pytest.raises(carrierdb.NotFound, match="to update"):
        db.carrier.update({"id": 424242}, {"name": "x"})
    assert db.carrier.update_many({"status": "REVOKED"}, {"status": "INACTIVE"}) == 1


def test_upsert_creates_then_updates(db):
    first = db.carrier.upsert({"mcNumber": "MC-77"}, {"name": "Seventy Seven"}, {"status": "SUSPENDED"})
    assert first["mcNumber"] == "MC77" and first["status"] == "ACTIVE"
    second = db.carrier.upsert({"mcNumber": "MC77"}, {"name": "ignored"}, {"status": "SUSPENDED"})
    assert second["id"] == first["id"] and second["status"] == "SUSPENDED" and second["name"] == "Seventy Seven"
    assert db.carrier.count() == 1


def test_delete(db):
    a, b = seed(db, ("A", "MC1"), ("B", "MC2"))
    assert db.carrier.delete({"id": a["id"]}) == a
    with pytest.raises(carrierdb.NotFound, match="to delete"):
        db.carrier.delete({"id": a["id"]})
    assert db.carrier.delete_many({"name": {"startsWith": "Z"}}) == 0
    assert db.carrier.delete_many() == 1


# -- create_many and pandas ---------------------------------------------------------------------


def test_create_many_in_batches(db):
    rows = [{"name": f"Carrier {k}", "mcNumber": f"MC{k}"} for k in range(2500)] + [{"name": "No docket"}]
    assert db.carrier.create_many(rows) == 2501
    assert db.carrier.count() == 2501
    created = db.carrier.create_many([{"name": "X", "mcNumber": "MC-900000"}], return_records=True)
    assert created[0]["mcNumber"] == "MC900000"


def test_create_many_writes_nothing_when_one_row_is_invalid(db):
    rows = [{"name": "ok 1"}, {"name": "", "mcNumber": "bad"}, {"name": "ok 2", "status": "NOPE"}]
    with pytest.raises(carrierdb.ValidationError) as info:
        db.carrier.create_many(rows)
    assert {tuple(i["path"]) for i in info.value.issues} == {("1", "name"), ("1", "mcNumber"), ("2", "status")}
    assert db.carrier.count() == 0


def test_create_many_duplicate_rolls_back_the_whole_call(db):
    with pytest.raises(carrierdb.UniqueViolation):
        db.carrier.create_many([{"name": "a", "mcNumber": "MC1"}, {"name": "b", "mcNumber": "MC2"}, {"name": "c", "mcNumber": "mc-1"}])
    assert db.carrier.count() == 0
    assert db.carrier.create_many([{"name": "a", "mcNumber": "MC1"}, {"name": "a2", "mcNumber": "MC1"}], skip_duplicates=True) == 1


@pytest.mark.parametrize("count", [1, 63, 64, 65, 129, 1000])
def test_bulk_insert_writes_every_row_exactly(db, count):
    """Bulk inserts go in multi-row batches; every size around a batch boundary lands whole."""
    rows = [{"name": f"Bulk {k} O'Hara & Co", "mcNumber": f"MC{k + 1}", "status": ("ACTIVE", "REVOKED")[k % 2]} for k in range(count)]
    assert db.carrier.create_many(rows) == count
    stored = {r["mcNumber"]: (r["name"], r["status"]) for r in db.carrier.find_many()}
    assert stored == {r["mcNumber"]: (r["name"], r["status"]) for r in rows}


def test_bulk_insert_duplicate_in_a_later_batch_rolls_back_earlier_batches(db):
    rows = [{"name": f"Bulk {k}", "mcNumber": f"MC{k + 1}"} for k in range(300)]
    rows[250]["mcNumber"] = "MC7"  # a key of a row already sent in the first batch
    with pytest.raises(carrierdb.UniqueViolation) as info:
        db.carrier.create_many(rows)
    assert "mc_number" in info.value.columns
    assert db.carrier.count() == 0


def test_dataframes_in_and_out(db):
    import pandas as pd
    frame = pd.DataFrame({"name": ["Acme", "Blue"], "mcNumber": ["MC-1", None], "status": ["ACTIVE", "SUSPENDED"]})
    assert db.carrier.create_many(frame) == 2
    out = db.carrier.find_many(order_by={"name": "asc"}).to_pandas()
    assert list(out.columns) == ["id", "name", "mcNumber", "status", "createdAt", "updatedAt"]
    assert out["mcNumber"].iloc[0] == "MC1" and out["mcNumber"].isna().tolist() == [False, True]  # pandas shows None as NaN
    assert out["status"].tolist() == ["ACTIVE", "SUSPENDED"]
    assert str(out["createdAt"].dtype).startswith("datetime64")


# -- errors, hostile strings, transactions, concurrency -----------------------------------------------


def test_duplicate_mc_number_names_the_field_and_value(db):
    db.carrier.create({"name": "First", "mcNumber": "MC123"})
    with pytest.raises(carrierdb.UniqueViolation) as info:
        db.carrier.create({"name": "Second", "mcNumber": "MC-123"})
    error = info.value
    assert error.fields == ["mcNumber"] and error.values == ["MC123"]
    assert "Carrier.mcNumber" in str(error) and "'MC123'" in str(error)
    assert isinstance(error, carrierdb.IntegrityError)


@pytest.mark.parametrize(
    "name",
    ["O'Brien Trucking", "Robert'); DROP TABLE carriers;--", "Müller & Söhne GmbH", "🚚 Big Rig Express 🚛", "شركة النقل السريع",
     "100% \\ Haul _ Co", "\"Quoted\" Carriers; SELECT 1"],
)
def test_hostile_and_unicode_strings_are_stored_verbatim(db, name):
    c = db.carrier.create({"name": name})
    assert db.carrier.get(c["id"])["name"] == name
    assert db.carrier.find_many(where={"name": name})[0]["id"] == c["id"]
    assert db.carrier.find_many(where={"name": {"contains": name[3:9]}})[0]["id"] == c["id"]
    assert "carriers" in db.table_names()


def test_nul_byte_is_rejected_by_validation_not_the_database(db):
    with pytest.raises(carrierdb.ValidationError, match="NUL"):
        db.carrier.create({"name": "Nul\x00Carrier"})


def test_failing_step_in_a_transaction_leaves_nothing(db):
    with pytest.raises(carrierdb.UniqueViolation):
        with db.transaction():
            db.carrier.create({"name": "A", "mcNumber": "MC1"})
            db.carrier.update({"mcNumber": "MC1"}, {"status": "SUSPENDED"})
            db.carrier.create({"name": "B", "mcNumber": "MC1"})
    assert db.carrier.count() == 0


def test_concurrent_updates_to_one_carrier_are_serialised(db):
    """Documented isolation: READ COMMITTED on PostgreSQL (row locks), one writer at a time on
    SQLite. A second writer waits for the first to commit, then its write wins; none is lost."""
    c = db.carrier.create({"name": "Start", "mcNumber": "MC1"})
    events = []
    first_has_written = threading.Event()

    def first():
        with db.transaction():
            db.carrier.update({"id": c["id"]}, {"name": "First"})
            first_has_written.set()
            time.sleep(0.5)
            events.append("first commits")

    def second():
        first_has_written.wait()
        db.carrier.update({"id": c["id"]}, {"name": "Second"})
        events.append("second wrote")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert events == ["first commits", "second wrote"]
    assert db.carrier.get(c["id"])["name"] == "Second"


# -- other types, through a schema of their own ------------------------------------------------------

READINGS = """
enum Level {
  LOW
  HIGH
}

model Reading {
  id     String   @id @default(uuid())
  code   String   @default(cuid()) @unique
  value  Decimal  @db.Decimal(12, 3)
  ok     Boolean  @default(true)
  meta   Json?
  ratio  Float
  big    BigInt
  level  Level    @default(LOW)
  at     DateTime
  @@map("readings")
}
"""


def test_every_scalar_type_round_trips(carrierdb_backend, carrierdb_url, tmp_path):
    (tmp_path / "schema.prisma").write_text(READINGS)
    db = carrierdb.connect(carrierdb_url, schema=str(tmp_path / "schema.prisma"))
    if carrierdb_backend == "postgresql":
        db.execute_script(
            """CREATE TYPE "Level" AS ENUM ('LOW', 'HIGH');
               CREATE TABLE readings (id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, value DECIMAL(12,3) NOT NULL,
                 ok BOOLEAN NOT NULL DEFAULT true, meta JSONB, ratio DOUBLE PRECISION NOT NULL, big BIGINT NOT NULL,
                 level "Level" NOT NULL DEFAULT 'LOW', at TIMESTAMP(3) NOT NULL)"""
        )
    else:
        db.execute_script(
            """CREATE TABLE readings (id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, value DECIMAL NOT NULL,
                 ok BOOLEAN NOT NULL DEFAULT true, meta JSONB, ratio REAL NOT NULL, big BIGINT NOT NULL,
                 level TEXT NOT NULL DEFAULT 'LOW', at DATETIME NOT NULL)"""
        )
    at = dt.datetime(2024, 9, 6, 12, 30, 15, 123000)
    r = db.reading.create({"value": Decimal("12.345"), "meta": {"axles": 5, "tags": ["reefer"]}, "ratio": 0.5, "big": 2**53 + 1, "at": at})
    assert len(r["id"]) == 36 and r["code"].startswith("c") and len(r["code"]) == 25
    assert r["value"] == Decimal("12.345") and r["ok"] is True and r["meta"] == {"axles": 5, "tags": ["reefer"]}
    assert r["ratio"] == 0.5 and r["big"] == 2**53 + 1 and r["level"] == "LOW" and r["at"] == at
    assert db.reading.get(r["id"]) == r
    assert db.reading.find_many(where={"at": {"gte": at}, "ok": True, "level": "LOW"})[0]["id"] == r["id"]
    aware = dt.datetime(2024, 9, 6, 14, 30, 15, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert db.reading.find_many(where={"at": aware})[0]["id"] == r["id"]  # the same instant, in UTC


def test_create_returns_what_the_database_stored(carrierdb_backend, carrierdb_url, tmp_path):
    """create() echoes values stored exactly as sent and reads back the rest. PostgreSQL rewrites
    some: char(n) pads, uuid lower-cases, numeric rounds to its scale. SQLite keeps them as sent."""
    (tmp_path / "schema.prisma").write_text(
        """
model Permit {
  id    Int     @id @default(autoincrement())
  state String  @db.Char(4)
  ref   String  @db.Uuid
  fee   Decimal @db.Decimal(8, 2)
  name  String  @db.VarChar(40)
  @@map("permits")
}
"""
    )
    db = carrierdb.connect(carrierdb_url, schema=str(tmp_path / "schema.prisma"))
    serial = "SERIAL PRIMARY KEY" if carrierdb_backend == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    uuid = "UUID" if carrierdb_backend == "postgresql" else "TEXT"
    db.execute_script(
        f"CREATE TABLE permits (id {serial}, state CHAR(4) NOT NULL, ref {uuid} NOT NULL, fee DECIMAL(8,2) NOT NULL, "
        "name VARCHAR(40) NOT NULL)"
    )
    ref = "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"
    p = db.permit.create({"state": "TX", "ref": ref, "fee": Decimal("12.345"), "name": "Ok"})
    if carrierdb_backend == "postgresql":
        assert p["state"] == "TX  " and p["ref"] == ref.lower() and str(p["fee"]) == "12.35"
    else:
        assert p["state"] == "TX" and p["ref"] == ref and p["fee"] == Decimal("12.345")
    assert p["name"] == "Ok" and db.permit.get(p["id"]) == p


def test_bulk_load_keeps_control_characters_and_backslashes(carrierdb_backend, carrierdb_url, tmp_path):
    """create_many goes through COPY on PostgreSQL: its text format's escapes must not leak."""
    (tmp_path / "schema.prisma").write_text("model Note {\n  id Int @id @default(autoincrement())\n  body String?\n  @@map(\"notes\")\n}\n")
    db = carrierdb.connect(carrierdb_url, schema=str(tmp_path / "schema.prisma"))
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)" if carrierdb_backend == "sqlite"
               else "CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT)")
    bodies = ["tab\there", "new\nline", "cr\rhere", "back\\slash", "\\N", "\\.", "", None, "end\\", "é🚚"]
    assert db.note.create_many([{"body": b} for b in bodies]) == len(bodies)
    assert [r["body"] for r in db.note.find_many(order_by={"id": "asc"})] == bodies


def test_create_many_with_rows_of_different_fields(db):
    rows = [{"name": "With status", "status": "SUSPENDED"}, {"name": "Default status"}, {"name": "Docket", "mcNumber": "MC-5"}]
    rows += [{"name": f"Bulk {k}", "status": "ACTIVE"} for k in range(5000)]
    assert db.carrier.create_many(rows) == len(rows)
    assert db.carrier.find_first({"name": "Default status"})["status"] == "ACTIVE"
    assert db.carrier.find_first({"name": "Docket"})["mcNumber"] == "MC5"
    assert db.carrier.count({"status": "SUSPENDED"}) == 1
