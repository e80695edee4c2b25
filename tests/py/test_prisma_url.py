"""Prisma's PostgreSQL URL parameters (what `prisma init` writes into .env) are accepted, and those
that carry a meaning here take effect."""

from __future__ import annotations

import threading
import time

import pytest

import carrierdb

pytestmark = pytest.mark.postgres_only


def with_params(url: str, params: str) -> str:
    return url + ("&" if "?" in url else "?") + params


def prepared_count(db) -> int:
    """Runs one statement often enough to be prepared, on one session, and counts the session's prepared statements."""
    with db.transaction():
        for k in range(8):
            db.query("SELECT $1::int AS v", [k])
        return db.query("SELECT count(*) AS n FROM pg_prepared_statements")[0]["n"]


def test_every_prisma_parameter_is_accepted_and_secrets_stay_hidden(carrierdb_backend, carrierdb_url):
    url = with_params(
        carrierdb_url,
        "schema=public&pgbouncer=false&connection_limit=3&pool_timeout=2&connect_timeout=4&sslmode=prefer"
        "&sslcert=/etc/ssl/certs/ca-certificates.crt&sslidentity=/nonexistent/identity.p12&sslpassword=hunter2-pkcs"
        "&sslaccept=accept_invalid_certs&statement_cache_size=50&socket_timeout=30&application_name=billing",
    )
    db = carrierdb.connect(url)
    assert db.query("SELECT current_schema() AS s, current_setting('application_name') AS a") == [{"s": "public", "a": "billing"}]
    assert db._db.pool_size == 3
    for shown in (db.url, repr(db), db._repr_html_()):
        assert "hunter2" not in shown
    assert "sslrootcert=%2Fetc%2Fssl%2Fcerts%2Fca-certificates.crt" in db.url  # Prisma's sslcert is the server's CA certificate
    db.close()
    # A refused connection never shows the TLS identity's password either.
    wrong = url.replace("://postgres:", "://postgres:wrong", 1)
    with pytest.raises(carrierdb.ConnectionFailed) as info:
        carrierdb.connect(wrong, connect_retries=0)
    assert "hunter2" not in str(info.value) and "wrong" not in str(info.value)


@pytest.mark.parametrize(
    "params, named",
    [("connection_limit=0", "connection_limit"), ("pgbouncer=yes", "pgbouncer"), ("pool_timeout=soon", "pool_timeout"),
     ("statement_cache_size=-1", "statement_cache_size"), ("sslaccept=maybe", "sslaccept"), ("socket_timeout=-3", "socket_timeout")],
)
def test_a_malformed_prisma_parameter_is_refused_by_name(carrierdb_backend, carrierdb_url, params, named):
    with pytest.raises(carrierdb.ConfigurationError) as info:
        carrierdb.connect(with_params(carrierdb_url, params))
    assert named in str(info.value)


def test_schema_sets_the_search_path_and_migrations_land_there(carrierdb_backend, carrierdb_url, tmp_path):
    admin = carrierdb.connect(carrierdb_url, pool_size=1)
    admin.execute('CREATE SCHEMA tenant_one')
    db = carrierdb.connect(with_params(carrierdb_url, "schema=tenant_one"))
    assert db.query("SELECT current_schema() AS s") == [{"s": "tenant_one"}]
    (tmp_path / "m" / "20240101000000_init").mkdir(parents=True)
    (tmp_path / "m" / "20240101000000_init" / "migration.sql").write_text("CREATE TABLE carriers (id INTEGER PRIMARY KEY);")
    db.migrations(tmp_path / "m").deploy()
    tables = admin.query("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
                         "('pg_catalog', 'information_schema') ORDER BY 2")
    assert tables == [{"table_schema": "tenant_one", "table_name": "_prisma_migrations"},
                      {"table_schema": "tenant_one", "table_name": "carriers"}]
    db.close()
    admin.close()


def test_connection_limit_and_pool_timeout_shape_the_pool(carrierdb_backend, carrierdb_url):
    db = carrierdb.connect(with_params(carrierdb_url, "connection_limit=1&pool_timeout=0.3"), pool_timeout=30)
    assert db._db.pool_size == 1
    held = threading.Event()
    done = threading.Event()

    def hold():
        with db.transaction():
            db.query("SELECT 1")
            held.set()
            done.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(10)
    started = time.monotonic()
    try:
        with pytest.raises(carrierdb.OperationTimeout):
            db.query("SELECT 1")
    finally:
        done.set()
        worker.join()
    assert 0.25 < time.monotonic() - started < 5
    db.close()


@pytest.mark.parametrize("params, expected", [("", 1), ("pgbouncer=true", 0), ("statement_cache_size=0", 0)])
def test_pgbouncer_and_statement_cache_size_switch_preparation(carrierdb_backend, carrierdb_url, params, expected):
    db = carrierdb.connect(with_params(carrierdb_url, params) if params else carrierdb_url)
    assert prepared_count(db) == expected
    assert db.capabilities["behind_pooler"] is (params == "pgbouncer=true")
    db.close()


def test_statement_cache_size_bounds_the_prepared_statements(carrierdb_backend, carrierdb_url):
    db = carrierdb.connect(with_params(carrierdb_url, "statement_cache_size=2"))
    with db.transaction():
        for k in range(8):
            for text in ("SELECT $1::int AS v", "SELECT $1::int + 1 AS v", "SELECT $1::int + 2 AS v"):
                db.query(text, [k])
        assert 1 <= db.query("SELECT count(*) AS n FROM pg_prepared_statements")[0]["n"] <= 2
    db.close()


def test_sslmode_reaches_libpq(carrierdb_backend, carrierdb_url):
    # The test server has no TLS: require must fail, and say why.
    with pytest.raises(carrierdb.ConnectionFailed) as info:
        carrierdb.connect(with_params(carrierdb_url, "sslmode=require&sslaccept=strict"), connect_retries=0)
    assert "SSL" in str(info.value)


def test_schema_through_a_pooler_is_refused_unless_it_is_the_servers_default(carrierdb_backend, carrierdb_url, pgbouncer_url):
    admin = carrierdb.connect(carrierdb_url, pool_size=1)
    admin.execute("CREATE SCHEMA tenant")
    pooled = pgbouncer_url(carrierdb_url)
    db = carrierdb.connect(with_params(pooled, "schema=public&pgbouncer=true"))  # what `prisma init` writes
    assert db.query("SELECT current_schema() AS s") == [{"s": "public"}]
    db.close()
    with pytest.raises(carrierdb.ConfigurationError) as info:
        carrierdb.connect(with_params(pooled, "schema=tenant"))
    assert "DIRECT_URL" in str(info.value) and "pooler" in str(info.value)
    admin.close()
