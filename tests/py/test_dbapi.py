"""carrierdb.dbapi: PEP 249 over a Database (qmark placeholders, implicit transactions,
description, rowcount, the exception tree) and pandas.read_sql through it, on both backends."""

from __future__ import annotations

import datetime as dt
import gc
import warnings
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

import carrierdb
from carrierdb import dbapi
from carrierdb.placeholders import qmark_to_numbered
from readme_blocks import readme_blocks, run_block

REPO = Path(__file__).resolve().parents[2]
PANDAS_WARNING = "pandas only supports SQLAlchemy connectable"


@pytest.fixture
def conn(carrierdb_db):
    carrierdb_db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT UNIQUE, price DECIMAL(10, 2), at TIMESTAMP, data BYTEA)"
                         if carrierdb_db.backend == "postgresql" else
                         "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT UNIQUE, price DECIMAL(10, 2), at DATETIME, data BLOB)")
    connection = carrierdb_db.dbapi()
    yield connection
    connection.close()


@pytest.fixture
def observer(carrierdb_url):
    """A second, independent database handle: what another process would see."""
    with carrierdb.connect(carrierdb_url) as other:
        yield other


def notes(db) -> list[str]:
    return [r["note"] for r in db.query("SELECT note FROM t ORDER BY id")]


def test_module_globals_and_exception_tree_follow_pep_249():
    assert (dbapi.apilevel, dbapi.threadsafety, dbapi.paramstyle) == ("2.0", 1, "qmark")
    assert issubclass(dbapi.Error, Exception) and issubclass(dbapi.Warning, Exception)
    assert issubclass(dbapi.InterfaceError, dbapi.Error) and issubclass(dbapi.DatabaseError, dbapi.Error)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError"):
        assert issubclass(getattr(dbapi, name), dbapi.DatabaseError), name
    # The same classes as carrierdb's own: one `except` catches both faces.
    assert dbapi.IntegrityError is carrierdb.IntegrityError and dbapi.Error is carrierdb.CarrierDBError
    assert issubclass(carrierdb.UniqueViolation, dbapi.IntegrityError)
    assert dbapi.connect is not carrierdb.connect and carrierdb.dbapi is dbapi


def test_fetch_description_and_rowcount(conn):
    cur = conn.cursor()
    cur.executemany("INSERT INTO t (id, note, price) VALUES (?, ?, ?)", [(1, "a", Decimal("1.50")), (2, "b", None), (3, "c", 3)])
    assert cur.rowcount == 3
    cur.execute("CREATE TABLE u (id INTEGER)")  # changes no row: not the INSERTs' count
    assert cur.rowcount == 0
    cur.execute("UPDATE t SET note = note || ? WHERE id >= ?", ("!", 2))
    assert cur.rowcount == 2 and cur.description is None
    cur.execute("SELECT id, note, price, at, data FROM t ORDER BY id")
    assert cur.rowcount == 3
    assert [d[0] for d in cur.description] == ["id", "note", "price", "at", "data"]
    assert all(len(d) == 7 for d in cur.description)
    types = [d[1] for d in cur.description]
    assert types[0] == dbapi.NUMBER and types[1] == dbapi.STRING and types[2] == dbapi.NUMBER
    assert types[3] == dbapi.DATETIME and types[4] == dbapi.BINARY and types[1] != dbapi.NUMBER
    assert cur.fetchone() == (1, "a", Decimal("1.50"), None, None)
    cur.arraysize = 2
    assert cur.fetchmany() == [(2, "b!", None, None, None), (3, "c!", Decimal("3"), None, None)]
    assert cur.fetchone() is None and cur.fetchall() == []
    cur.execute("SELECT id FROM t ORDER BY id")
    assert [row for row in cur] == [(1,), (2,), (3,)]
    cur.execute("DELETE FROM t WHERE id = ?", [3])
    assert cur.rowcount == 1
    with pytest.raises(dbapi.ProgrammingError, match="no result"):
        cur.fetchall()


def test_rows_keep_columns_of_the_same_name(conn):
    cur = conn.cursor()
    cur.execute("SELECT 1 AS a, 2 AS a")
    assert cur.fetchall() == [(1, 2)] and [d[0] for d in cur.description] == ["a", "a"]


def test_empty_select_still_describes_its_columns(conn):
    cur = conn.cursor().execute("SELECT id, note FROM t WHERE id < 0")
    assert cur.fetchall() == [] and cur.rowcount == 0 and [d[0] for d in cur.description] == ["id", "note"]


def test_question_marks_in_literals_and_comments_are_not_placeholders(conn):
    cur = conn.cursor()
    cur.execute("SELECT ? AS a, '?' AS b, 'it''s ?' AS c -- ? in a comment\n /* ? */", ["x"])
    assert cur.fetchall() == [("x", "?", "it's ?")]
    with pytest.raises(dbapi.ProgrammingError, match="1 \\? placeholder"):
        cur.execute("SELECT ?", [1, 2])
    with pytest.raises(dbapi.ProgrammingError, match="qmark"):
        cur.execute("SELECT ?", {"a": 1})


def test_sqlite_comments_do_not_nest(conn):
    # SQLite ends a comment at the first */; PostgreSQL nests them.
    assert qmark_to_numbered("/* dir/*.csv */ SELECT ?", nested_comments=False) == ("/* dir/*.csv */ SELECT $1", 1)
    if conn.database.backend == "sqlite":
        assert conn.cursor().execute("/* files in dir/*.csv */ SELECT ?", ["x"]).fetchall() == [("x",)]
    else:
        assert conn.cursor().execute("/* files in dir/*.csv */ */ SELECT ?", ["x"]).fetchall() == [("x",)]


def test_placeholder_rewriting_skips_quotes_of_each_backend():
    assert qmark_to_numbered("SELECT ?, ?") == ("SELECT $1, $2", 2)
    assert qmark_to_numbered("SELECT $$ ? $$, $tag$ ?$ $tag$, ?") == ("SELECT $$ ? $$, $tag$ ?$ $tag$, $1", 1)
    assert qmark_to_numbered("SELECT E'\\' ?', \"a?\", ?") == ("SELECT E'\\' ?', \"a?\", $1", 1)
    assert qmark_to_numbered("SELECT doc ?? 'k', doc ??| ?") == ("SELECT doc ? 'k', doc ?| $1", 1)
    assert qmark_to_numbered("SELECT /* /* ? */ ? */ ?") == ("SELECT /* /* ? */ ? */ $1", 1)
    assert qmark_to_numbered("SELECT [a?], ?", brackets=True) == ("SELECT [a?], $1", 1)  # SQLite: [a?] is a name
    assert qmark_to_numbered("SELECT arr[?]") == ("SELECT arr[$1]", 1)


def test_commit_persists_and_rollback_discards(conn, observer):
    cur = conn.cursor()
    cur.execute("INSERT INTO t (id, note) VALUES (?, ?)", [1, "kept"])
    assert notes(observer) == []  # the implicit transaction is not committed yet
    conn.commit()
    assert notes(observer) == ["kept"]
    cur.execute("INSERT INTO t (id, note) VALUES (?, ?)", [2, "dropped"])
    conn.rollback()
    assert notes(observer) == ["kept"]
    cur.execute("INSERT INTO t (id, note) VALUES (?, ?)", [3, "closed before commit"])
    conn.close()
    assert notes(observer) == ["kept"] and not conn.database.in_transaction
    with pytest.raises(dbapi.InterfaceError, match="closed"):
        conn.cursor()


def test_context_manager_commits_or_rolls_back(carrierdb_url, observer, conn):
    conn.close()
    with dbapi.connect(carrierdb_url) as first:
        first.cursor().execute("INSERT INTO t (id, note) VALUES (?, ?)", [1, "committed"])
    assert first.closed and notes(observer) == ["committed"]
    with pytest.raises(KeyError):
        with dbapi.connect(carrierdb_url) as second:
            second.cursor().execute("INSERT INTO t (id, note) VALUES (?, ?)", [2, "rolled back"])
            raise KeyError("boom")
    assert notes(observer) == ["committed"]


def test_autocommit_runs_each_statement_on_its_own(conn, observer):
    conn.autocommit = True
    conn.cursor().execute("INSERT INTO t (id, note) VALUES (?, ?)", [1, "at once"])
    assert notes(observer) == ["at once"] and not conn.database.in_transaction


def test_errors_arrive_as_pep_249_classes(conn):
    cur = conn.cursor()
    cur.execute("INSERT INTO t (id, note) VALUES (?, ?)", [1, "a"])
    with pytest.raises(dbapi.IntegrityError):
        cur.execute("INSERT INTO t (id, note) VALUES (?, ?)", [2, "a"])
    conn.rollback()
    with pytest.raises(dbapi.ProgrammingError):
        cur.execute("SELEKT 1")
    conn.rollback()
    with pytest.raises(dbapi.ProgrammingError, match="cannot pass a object"):
        cur.execute("SELECT ?", [object()])
    with pytest.raises(dbapi.NotSupportedError):
        cur.callproc("anything")
    cur.close()
    with pytest.raises(dbapi.InterfaceError):
        cur.execute("SELECT 1")


def test_type_constructors_bind(conn):
    cur = conn.cursor()
    cur.execute("INSERT INTO t (id, at, data) VALUES (?, ?, ?)", [1, dbapi.Timestamp(2024, 5, 6, 7, 8, 9), dbapi.Binary(b"\x01\x02")])
    cur.execute("SELECT at, data FROM t")
    assert cur.fetchone() == (dt.datetime(2024, 5, 6, 7, 8, 9), b"\x01\x02")
    cur.execute("SELECT ? AS d, ? AS t", [dbapi.Date(2024, 5, 6), dbapi.Time(7, 8, 9)])
    assert [str(v)[:10] for v in cur.fetchone()] == ["2024-05-06", "07:08:09"]
    assert dbapi.DateFromTicks(0) == dt.date.fromtimestamp(0)


def test_pandas_read_sql_through_the_connection(conn):
    conn.cursor().executemany("INSERT INTO t (id, note, price) VALUES (?, ?, ?)", [(1, "a", 1), (2, "b", 2)])
    conn.commit()
    # pandas warns for any DB-API connection other than sqlite3's (README: "pandas and DB-API").
    with pytest.warns(UserWarning, match=PANDAS_WARNING):
        everything = pd.read_sql("SELECT id, note FROM t ORDER BY id", conn)
    assert everything.to_dict("list") == {"id": [1, 2], "note": ["a", "b"]}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=UserWarning)
        one = pd.read_sql("SELECT id, note FROM t WHERE id = ?", conn, params=[2])
        empty = pd.read_sql("SELECT id, note FROM t WHERE id < 0", conn)
    assert one.to_dict("list") == {"id": [2], "note": ["b"]}
    assert list(empty.columns) == ["id", "note"] and len(empty) == 0


def test_a_connection_dropped_unclosed_discards_only_its_own_uncommitted_work(carrierdb_db, observer):
    """The notebook idiom pd.read_sql(sql, db.dbapi()) never closes its connection: what db
    writes afterwards commits on its own, and what the dropped connection wrote is rolled back."""
    carrierdb_db.execute("CREATE TABLE u (id INTEGER PRIMARY KEY)")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=UserWarning)
        assert pd.read_sql("SELECT count(*) AS n FROM u", carrierdb_db.dbapi()).to_dict("list") == {"n": [0]}
    assert not carrierdb_db.in_transaction
    carrierdb_db.execute("INSERT INTO u (id) VALUES (1)")
    assert observer.query("SELECT count(*) AS n FROM u") == [{"n": 1}]
    # Read through a kept connection, write with db, then drop the connection: db's row stays.
    conn = carrierdb_db.dbapi()
    assert conn.cursor().execute("SELECT count(*) FROM u").fetchall() == [(1,)]
    if carrierdb_db.backend == "postgresql":  # SQLite: db's write would wait for the reader's lock
        carrierdb_db.execute("INSERT INTO u (id) VALUES (2)")
    conn.cursor().execute("INSERT INTO u (id) VALUES (?)", [3])
    conn = None
    gc.collect()
    expected = [1, 2] if carrierdb_db.backend == "postgresql" else [1]
    assert [r["id"] for r in observer.query("SELECT id FROM u ORDER BY id")] == expected
    assert [r["id"] for r in carrierdb_db.query("SELECT id FROM u ORDER BY id")] == expected


def test_a_connection_failing_in_pandas_leaves_db_writes_their_own(carrierdb_db, observer):
    """A failed pd.read_sql keeps its connection alive in the traceback: db must not join it."""
    carrierdb_db.execute("CREATE TABLE u (id INTEGER PRIMARY KEY)")
    conn = carrierdb_db.dbapi()
    with pytest.raises(carrierdb.CarrierDBError), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=UserWarning)
        pd.read_sql("SELECT no_such_column FROM u", conn)
    conn.rollback()  # PostgreSQL: the failed statement aborted conn's transaction
    conn.cursor().execute("SELECT count(*) FROM u")
    if carrierdb_db.backend == "sqlite":
        conn.rollback()  # SQLite: one writer at a time, a reader's open transaction would make db wait
    carrierdb_db.execute("INSERT INTO u (id) VALUES (1)")
    assert not carrierdb_db.in_transaction and observer.query("SELECT count(*) AS n FROM u") == [{"n": 1}]
    conn.close()


def test_readme_pandas_and_dbapi_examples_run_as_written(carrierdb_migrated_db):
    db = carrierdb_migrated_db
    frames, dbapi_block = readme_blocks(REPO / "README.md", "## pandas and DB-API", "python")
    namespace = {"db": db}
    inserted, name, status_dtype, empty_dtypes = run_block(frames, namespace)
    assert inserted == 1 and name == "Acme Freight"
    frame = namespace["frame"]
    assert str(frame["id"].dtype) == "Int64" and str(frame["name"].dtype) == "string"
    assert str(frame["created_at"].dtype) == "datetime64[ns, UTC]"
    assert str(frame["status"].dtype) == ("category" if db.backend == "postgresql" else "string")
    assert str(status_dtype) == "category" and list(status_dtype.categories) == ["ACTIVE", "INACTIVE", "SUSPENDED", "REVOKED"]
    assert {k: str(v) for k, v in empty_dtypes.items()} == {"id": "Int64", "name": "string"}
    _, rowcount, _, _, described, fetched, _, read = run_block(dbapi_block, namespace)
    assert rowcount == 1 and described == ("name", "text") and fetched == [(1, "Acme Freight Lines")]
    assert read.to_dict("list") == {"id": [1], "name": ["Acme Freight Lines"]}
    assert db.query("SELECT name FROM carriers") == [{"name": "Acme Freight Lines"}] and not db.in_transaction


def test_a_dbapi_transaction_is_separate_from_db_transaction_blocks(carrierdb_db, conn, observer):
    """A DB-API connection is a session of its own: neither transaction joins the other."""
    conn.cursor().execute("INSERT INTO t (id, note) VALUES (?, ?)", [1, "dbapi, uncommitted"])
    assert notes(carrierdb_db) == [] and not carrierdb_db.in_transaction  # invisible to db
    if carrierdb_db.backend == "postgresql":  # SQLite has one writer: db would wait for conn's lock
        with carrierdb_db.transaction():
            carrierdb_db.execute("INSERT INTO t (id, note) VALUES (2, 'db')")
            conn.cursor().execute("SELECT 1")
        assert notes(observer) == ["db"]  # the block committed at its own end
        conn.rollback()
        assert notes(observer) == ["db"]
    else:
        conn.rollback()
        carrierdb_db.execute("INSERT INTO t (id, note) VALUES (2, 'db')")  # commits on its own
        assert conn.cursor().execute("SELECT note FROM t").fetchall() == [("db",)]
        conn.rollback()
        assert notes(observer) == ["db"]
    if carrierdb_db.backend == "postgresql":
        with pytest.raises(KeyError):
            with carrierdb_db.transaction():
                inner = carrierdb_db.dbapi()
                inner.cursor().execute("INSERT INTO t (id, note) VALUES (?, ?)", [3, "dbapi, committed"])
                inner.commit()  # its own transaction: committed whatever the block does
                inner.close()
                carrierdb_db.execute("INSERT INTO t (id, note) VALUES (4, 'rolled back')")
                raise KeyError("the block fails")
        assert notes(observer) == ["db", "dbapi, committed"]


def test_dbapi_on_an_in_memory_sqlite_database_is_refused_with_the_reason():
    with carrierdb.connect("sqlite::memory:") as memory:
        with pytest.raises(carrierdb.ConfigurationError, match="in-memory.*private") as caught:
            memory.dbapi()
    assert "carrierdb.dbapi.connect" in str(caught.value)


def test_a_password_in_the_url_shows_in_no_repr_and_no_connection_error(carrierdb_admin_url):
    password = urlsplit(carrierdb_admin_url).password
    assert password  # the plugin's server takes TCP logins with a password
    with carrierdb.connect(carrierdb_admin_url) as db:
        conn = db.dbapi()
        try:
            shown = [repr(db), db._repr_html_(), repr(conn), str(conn)]
        finally:
            conn.close()
    missing = carrierdb_admin_url.rsplit("/", 1)[0] + "/no_such_database_here"
    with pytest.raises(carrierdb.CarrierDBError) as caught:
        carrierdb.connect(missing, connect_retries=0)
    with pytest.raises(carrierdb.CarrierDBError) as caught_dbapi:
        dbapi.connect(missing, connect_retries=0)
    shown += [str(caught.value), repr(caught.value), str(caught_dbapi.value)]
    assert "no_such_database_here" in shown[-1]  # the error does name the database it tried
    for text in shown:
        assert password not in text, text
