"""db.query() returns a QueryResult: still a list of dicts, plus columns and a typed to_pandas()."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

import carrierdb

UTC = dt.timezone.utc
STATUSES = ["ACTIVE", "INACTIVE", "SUSPENDED"]

# The same table on both backends: PostgreSQL's enum is a type of its own, SQLite's is TEXT with a CHECK.
POSTGRES_DDL = """
CREATE TYPE "ThingStatus" AS ENUM ('ACTIVE', 'INACTIVE', 'SUSPENDED');
CREATE TABLE things (
  id INTEGER PRIMARY KEY, n INTEGER, price DECIMAL(12, 2), ratio DOUBLE PRECISION, active BOOLEAN,
  status "ThingStatus", note TEXT, created TIMESTAMP(3), seen TIMESTAMPTZ, data BYTEA)
"""
SQLITE_DDL = """
CREATE TABLE things (
  id INTEGER PRIMARY KEY, n INTEGER, price DECIMAL(12, 2), ratio REAL, active BOOLEAN,
  status TEXT CHECK (status IN ('ACTIVE', 'INACTIVE', 'SUSPENDED')), note TEXT, created DATETIME, seen DATETIME, data BLOB)
"""
ROWS = [
    (1, 7, Decimal("12.50"), 0.25, True, "SUSPENDED", "first", dt.datetime(2024, 1, 2, 3, 4, 5, 6000),
     dt.datetime(2024, 1, 2, 4, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))), b"\x00\xff"),
    (2, None, None, None, None, None, None, None, None, None),
]
SELECT = "SELECT id, n, price, ratio, active, status, note, created, seen, data FROM things ORDER BY id"


@pytest.fixture
def db(carrierdb_db):
    carrierdb_db.execute_script(POSTGRES_DDL if carrierdb_db.backend == "postgresql" else SQLITE_DDL)
    for row in ROWS:
        carrierdb_db.execute("INSERT INTO things VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", list(row))
    return carrierdb_db


def test_query_result_is_still_a_list_of_dicts(db):
    rows = db.query("SELECT id, note FROM things ORDER BY id")
    assert isinstance(rows, list) and isinstance(rows, carrierdb.QueryResult)
    assert rows == [{"id": 1, "note": "first"}, {"id": 2, "note": None}]
    assert rows[0]["note"] == "first" and rows[:1] == [{"id": 1, "note": "first"}]
    assert rows.column_names == ["id", "note"]
    assert [c.kind for c in rows.columns] == ["integer", "text"]


def test_to_pandas_keeps_types_and_nulls(db):
    frame = db.query(SELECT).to_pandas()
    expected = {
        "id": "Int64", "n": "Int64", "price": "object", "ratio": "float64", "active": "boolean",
        "status": "category" if db.backend == "postgresql" else "string", "note": "string",
        "created": "datetime64[ns, UTC]", "seen": "datetime64[ns, UTC]", "data": "object",
    }
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == expected
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["n"] == 7 and first["price"] == Decimal("12.50") and bool(first["active"]) is True
    assert first["note"] == "first" and first["data"] == b"\x00\xff" and first["status"] == "SUSPENDED"
    # A naive timestamp is taken as UTC (as Prisma writes DateTime); an aware one is converted to UTC.
    assert first["created"] == pd.Timestamp("2024-01-02 03:04:05.006", tz="UTC")
    assert first["seen"] == pd.Timestamp("2024-01-02 03:04:05", tz="UTC")
    assert second["n"] is pd.NA and second["active"] is pd.NA and second["note"] is pd.NA
    assert pd.isna(second["ratio"]) and pd.isna(second["created"]) and pd.isna(second["seen"])
    assert second["price"] is None and second["data"] is None


@pytest.mark.postgres_only  # a SQLite enum is TEXT with a CHECK: categories= covers it, below
def test_postgresql_enum_becomes_a_category_with_the_types_labels(db):
    status = db.query(SELECT).to_pandas()["status"]
    assert list(status.cat.categories) == STATUSES  # every label, in the type's order, not only those present
    assert status.iloc[0] == "SUSPENDED" and pd.isna(status.iloc[1])


def test_categories_option_makes_a_category_on_both_backends(db, carrierdb_url, tmp_path):
    frame = db.query(SELECT).to_pandas(categories={"status": STATUSES})
    assert str(frame["status"].dtype) == "category" and list(frame["status"].cat.categories) == STATUSES
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "sqlite"\n  url = "file:x.db"\n}\n\nenum ThingStatus {\n  ACTIVE\n  INACTIVE\n  SUSPENDED\n}\n')
    with carrierdb.connect(carrierdb_url, schema=str(schema)) as other:
        named = other.query(SELECT).to_pandas(categories={"status": "ThingStatus"})
    assert list(named["status"].cat.categories) == STATUSES
    with pytest.raises(ValueError, match="statuz"):
        db.query(SELECT).to_pandas(categories={"statuz": STATUSES})


def test_decimal_option_chooses_exact_or_float(db):
    exact = db.query(SELECT).to_pandas(decimal="decimal")["price"]
    floats = db.query(SELECT).to_pandas(decimal="float")["price"]
    assert exact.iloc[0] == Decimal("12.50") and isinstance(exact.iloc[0], Decimal)
    assert str(floats.dtype) == "float64" and floats.iloc[0] == 12.5 and pd.isna(floats.iloc[1])
    with pytest.raises(ValueError, match="decimal"):
        db.query(SELECT).to_pandas(decimal="double")


def test_empty_result_keeps_its_columns_and_dtypes(db):
    rows = db.query(SELECT.replace("ORDER BY", "WHERE id < 0 ORDER BY"))
    assert rows == [] and rows.column_names == ["id", "n", "price", "ratio", "active", "status", "note", "created", "seen", "data"]
    frame = rows.to_pandas()
    assert list(frame.columns) == rows.column_names and len(frame) == 0
    assert str(frame["n"].dtype) == "Int64" and str(frame["active"].dtype) == "boolean"
    assert str(frame["created"].dtype) == "datetime64[ns, UTC]" and str(frame["ratio"].dtype) == "float64"
    if db.backend == "postgresql":
        assert list(frame["status"].cat.categories) == STATUSES


def test_repr_html_shows_the_rows_escaped(db):
    db.execute("UPDATE things SET note = $1 WHERE id = 2", ["<b>&</b>"])
    page = db.query("SELECT id, note FROM things ORDER BY id")._repr_html_()
    assert "<th>note</th>" in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page and "2 rows" in page


def test_to_pandas_keeps_both_columns_of_the_same_name(db):
    rows = db.query("SELECT a.id, b.id, a.note FROM things a JOIN things b ON b.id = a.id + 1")
    frame = rows.to_pandas()
    assert list(frame.columns) == ["id", "id", "note"]
    assert frame.iloc[0].tolist() == [1, 2, "first"]
    assert "1   2   first" in str(rows)  # the text table shows both too


def test_to_pandas_holds_the_first_and_last_representable_timestamps(db):
    db.execute("INSERT INTO things (id, created) VALUES (3, $1), (4, $2)",
               [dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)])
    created = db.query("SELECT created FROM things WHERE id >= 3 ORDER BY id").to_pandas()["created"]
    assert str(created.dtype) == "datetime64[us, UTC]"
    assert created.iloc[0] == pd.Timestamp("0001-01-01", tz="UTC") and created.iloc[1].year == 9999


@pytest.mark.sqlite_only  # only SQLite lets text into a REAL column
def test_text_in_a_sqlite_real_column_stays_as_it_is(db):
    db.execute("INSERT INTO things (id, ratio) VALUES (3, 'n/a')")
    ratio = db.query("SELECT ratio FROM things ORDER BY id").to_pandas()["ratio"]
    assert str(ratio.dtype) == "object" and ratio.tolist() == [0.25, None, "n/a"]


def test_query_result_prints_as_a_table_and_shows_escaped_html(db):
    db.execute("UPDATE things SET note = $1 WHERE id = 2", ["<b>&</b>"])
    for i in range(3, 25):
        db.execute("INSERT INTO things (id, note) VALUES ($1, $2)", [i, f"n{i}"])
    rows = db.query("SELECT id, note FROM things ORDER BY id")
    text = str(rows).splitlines()
    assert text[0].split() == ["id", "note"] and text[1].split() == ["1", "first"] and text[2].split() == ["2", "<b>&</b>"]
    assert len(text) == 1 + 20 + 1 and text[-1] == "24 rows, 4 not shown"
    assert text[1].index("first") == text[0].index("note")  # aligned

    class Printer:
        def text(self, value):
            self.value = value

    printer = Printer()
    rows._repr_pretty_(printer, False)
    assert printer.value == str(rows)
    page = rows._repr_html_()
    assert "<b>&" not in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page and "24 rows, 4 not shown" in page
    assert page.count("<tr>") == 21


def test_categories_from_a_schema_enum_use_the_values_as_stored(carrierdb_db, carrierdb_url, tmp_path):
    """db.query returns what the database stores: an enum value's @map, so those are the categories."""
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "sqlite"\n  url = "file:x.db"\n}\n\n'
                      'enum ThingStatus {\n  ACTIVE @map("active")\n  INACTIVE @map("inactive")\n  SUSPENDED\n}\n')
    with carrierdb.connect(carrierdb_url, schema=str(schema)) as other:
        rows = other.query("SELECT 'active' AS status UNION ALL SELECT 'SUSPENDED' ORDER BY 1")
        status = rows.to_pandas(categories={"status": "ThingStatus"})["status"]
    assert list(status.cat.categories) == ["active", "inactive", "SUSPENDED"]
    assert status.tolist() == ["SUSPENDED", "active"] and [r["status"] for r in rows] == ["SUSPENDED", "active"]
