"""Connecting: URL forms, the embedded default, typed results, pool behaviour, GIL release."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

import carrierdb


def test_connect_reports_backend_and_version(carrierdb_backend, carrierdb_db):
    assert carrierdb_db.backend == carrierdb_backend
    prefix = "PostgreSQL 15" if carrierdb_backend == "postgresql" else "SQLite 3."
    assert carrierdb_db.server_version.startswith(prefix)


def test_parameters_round_trip_with_their_types(carrierdb_db):
    carrierdb_db.execute("CREATE TABLE v (i BIGINT, r DOUBLE PRECISION, b BOOLEAN, t TEXT, n DECIMAL(12,3), ts TIMESTAMP(3))")
    stamp = dt.datetime(2024, 9, 6, 12, 30, 15, 123000)
    carrierdb_db.execute(
        "INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)", [2**62, 1.25, True, "O'Brien 🚚 שלום", Decimal("12.345"), stamp]
    )
    row = carrierdb_db.query("SELECT i, r, b, t, n, ts FROM v")[0]
    assert row == {"i": 2**62, "r": 1.25, "b": True, "t": "O'Brien 🚚 שלום", "n": Decimal("12.345"), "ts": stamp}


def test_null_parameters_are_sql_null(carrierdb_db):
    assert carrierdb_db.query("SELECT CAST($1 AS TEXT) IS NULL AS missing", [None]) == [{"missing": True}]


def test_same_placeholder_twice_binds_one_value(carrierdb_db):
    assert carrierdb_db.query("SELECT $1 = $1 AS same, $2 AS other", ["a", "b"]) == [{"same": True, "other": "b"}]


def test_execute_returns_affected_rows(carrierdb_db):
    carrierdb_db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT)")
    for k in range(5):
        carrierdb_db.execute("INSERT INTO c (id, name) VALUES ($1, $2)", [k, f"n{k}"])
    assert carrierdb_db.execute("UPDATE c SET name = 'x' WHERE id < $1", [3]) == 3
    assert carrierdb_db.execute("DELETE FROM c") == 5


def test_execute_script_runs_every_statement(carrierdb_db):
    carrierdb_db.execute_script(
        """
        -- a comment; with a semicolon
        CREATE TABLE s (id INTEGER PRIMARY KEY, note TEXT);
        INSERT INTO s VALUES (1, 'semi;colon');
        /* block ; comment */
        INSERT INTO s VALUES (2, 'it''s');
        """
    )
    assert carrierdb_db.query("SELECT note FROM s ORDER BY id") == [{"note": "semi;colon"}, {"note": "it's"}]


def test_unsupported_parameter_type_is_a_type_error(carrierdb_db):
    with pytest.raises(TypeError, match=r"parameter \$1: cannot pass a object"):
        carrierdb_db.query("SELECT $1", [object()])


@pytest.mark.sqlite_only
def test_sqlite_url_forms_open_the_same_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = carrierdb.connect(f"sqlite:///{tmp_path}/forms.db")
    first.execute("CREATE TABLE marker (x INTEGER)")
    first.close()
    for url in ("sqlite:forms.db", "file:./forms.db", "file:./forms.db?connection_limit=1", f"sqlite://{tmp_path}/forms.db"):
        db = carrierdb.connect(url)
        assert db.query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'marker'") == [{"n": 1}], url
        db.close()


@pytest.mark.sqlite_only
def test_memory_database_is_one_connection(carrierdb_backend):
    db = carrierdb.connect("sqlite::memory:", pool_size=8)
    db.execute("CREATE TABLE m (x INTEGER)")
    results = []

    def worker():
        results.append(db.query("SELECT count(*) AS n FROM m")[0]["n"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every thread saw the same in-memory database, not a fresh empty one.
    assert results == [0, 0, 0, 0]


@pytest.mark.sqlite_only
def test_embedded_default_creates_the_database_file(tmp_path: Path, monkeypatch, carrierdb_backend):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CARRIERDB_PROJECT_DIR", raising=False)
    monkeypatch.setenv("CARRIERDB_ENV", "development")
    monkeypatch.chdir(tmp_path)
    db = carrierdb.connect()
    assert db.backend == "sqlite"
    assert db.sqlite_path == str(tmp_path / ".carrierdb" / "development.db")
    assert (tmp_path / ".carrierdb" / "development.db").is_file()
    assert db.resolution.source == "embedded default"


def test_pool_serves_threads_concurrently(carrierdb_db):
    carrierdb_db.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, who TEXT)")
    errors = []

    def worker(n: int) -> None:
        try:
            for k in range(20):
                carrierdb_db.execute("INSERT INTO p (id, who) VALUES ($1, $2)", [n * 100 + k, f"t{n}"])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert carrierdb_db.query("SELECT count(*) AS n FROM p") == [{"n": 80}]


def test_gil_is_released_during_a_query(carrierdb_backend, carrierdb_db):
    """Another Python thread runs while a long statement is in the database."""
    slow = (
        "SELECT pg_sleep(1) IS NULL AS done"
        if carrierdb_backend == "postgresql"
        else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) SELECT count(*) AS done FROM c"
    )
    window = {}
    finished = threading.Event()

    def long_query() -> None:
        window["start"] = time.monotonic()
        carrierdb_db.query(slow)
        window["end"] = time.monotonic()
        finished.set()

    ticks = []
    t = threading.Thread(target=long_query)
    t.start()
    while not finished.is_set():
        ticks.append(time.monotonic())
        time.sleep(0.005)
    t.join()
    # Had the query held the GIL, this thread could not have run strictly inside its window.
    inside = [x for x in ticks if window["start"] + 0.05 < x < window["end"] - 0.05]
    assert window["end"] - window["start"] > 0.2, "the statement was too short to observe"
    assert inside


def test_repr_never_shows_the_password(carrierdb_backend, carrierdb_db, carrierdb_url):
    from urllib.parse import urlsplit

    password = urlsplit(carrierdb_url).password
    assert "carrierdb.Database" in repr(carrierdb_db)
    if password:
        assert password not in repr(carrierdb_db)
        assert password not in carrierdb_db.url
        assert password not in carrierdb_db._repr_html_()
        assert "****" in carrierdb_db.url


@pytest.mark.postgres_only
def test_prepared_statements_survive_a_table_change(carrierdb_backend, carrierdb_db):
    """Statements run often are prepared on the server; a later ALTER TABLE must not break them."""
    carrierdb_db.execute("CREATE TABLE p (id INTEGER)")
    carrierdb_db.execute("INSERT INTO p VALUES (1)")
    db = carrierdb.connect(carrierdb_db.resolution.url, pool_size=1, prepare_threshold=0)
    for _ in range(3):
        assert db.query("SELECT * FROM p") == [{"id": 1}]
    db.execute("ALTER TABLE p ADD COLUMN note TEXT DEFAULT 'x'")
    assert db.query("SELECT * FROM p") == [{"id": 1, "note": "x"}]
    unprepared = carrierdb.connect(carrierdb_db.resolution.url, prepare_threshold=-1)
    assert unprepared.query("SELECT * FROM p") == [{"id": 1, "note": "x"}]


# -- options --------------------------------------------------------------------------------------

def test_a_misspelled_connect_option_is_refused_naming_the_known_ones(carrierdb_backend, carrierdb_url):
    with pytest.raises(carrierdb.ConfigurationError) as info:
        carrierdb.connect(carrierdb_url, statment_timeout=1)
    assert "unknown connect() option(s): statment_timeout" in str(info.value) and "statement_timeout" in str(info.value)
    # The core's own entry point checks them: options cross into C++ by name, never silently dropped.
    with pytest.raises(carrierdb.ConfigurationError, match="statment_timeout"):
        carrierdb._core.Database.open(carrierdb_url, statment_timeout=1)


def test_a_refused_connect_to_the_embedded_default_leaves_no_folder_behind(tmp_path, monkeypatch):
    # The embedded default exists on SQLite only: connect() creates .carrierdb/ for it, and must
    # not leave it behind when the connect itself is refused.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(tmp_path))
    with pytest.raises(carrierdb.ConfigurationError, match="statment_timeout"):
        carrierdb.connect(statment_timeout=1)
    assert not (tmp_path / ".carrierdb").exists()
    db = carrierdb.connect()
    try:
        assert db.backend == "sqlite" and (tmp_path / ".carrierdb").is_dir()
    finally:
        db.close()
    # A folder that was there before stays, whatever happens.
    with pytest.raises(carrierdb.ConfigurationError):
        carrierdb.connect(pool_size="4")
    assert (tmp_path / ".carrierdb").is_dir()


def test_a_connect_option_of_the_wrong_type_is_refused_naming_it(carrierdb_backend, carrierdb_url):
    with pytest.raises(carrierdb.ConfigurationError, match="pool_size takes a non-negative int, not str '4'"):
        carrierdb.connect(carrierdb_url, pool_size="4")
    with pytest.raises(carrierdb.ConfigurationError, match="connect_timeout takes a number"):
        carrierdb.connect(carrierdb_url, connect_timeout="soon")
    db = carrierdb.connect(carrierdb_url, pool_size=2, statement_timeout=None)  # None: the default (no timeout)
    assert db.query("SELECT 1 AS one") == [{"one": 1}]
    db.close()
