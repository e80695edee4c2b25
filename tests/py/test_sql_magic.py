"""A notebook's SQL magic (JupySQL's %sql) over carrierdb's DB-API connection, on both backends:
a query into a DataFrame, and a write that the magic commits (JupySQL autocommits by default)."""

from __future__ import annotations

import pytest
import sql  # noqa: F401  (JupySQL: a test dependency scripts/bootstrap --test installs)
from IPython.testing.globalipapp import start_ipython


@pytest.fixture(scope="module")
def shell():
    ip = start_ipython()
    ip.run_line_magic("load_ext", "sql")
    ip.run_line_magic("config", "SqlMagic.displaylimit = 0")
    return ip


def test_sql_magic_queries_and_writes_through_the_dbapi_connection(shell, carrierdb_db, carrierdb_url, carrierdb_backend):
    import carrierdb

    carrierdb_db.execute("CREATE TABLE fleet (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    carrierdb_db.execute("INSERT INTO fleet (id, name) VALUES (1, 'Acme'), (2, 'Bolt <b>')")
    conn = carrierdb_db.dbapi()
    shell.user_ns["conn"] = conn
    shell.run_line_magic("sql", f"conn --alias {carrierdb_backend}")
    run = shell.run_cell("rows = %sql SELECT id, name FROM fleet ORDER BY id")
    assert run.error_in_exec is None, run.error_in_exec
    frame = shell.user_ns["rows"].DataFrame()
    assert frame.to_dict("list") == {"id": [1, 2], "name": ["Acme", "Bolt <b>"]}
    run = shell.run_cell("%sql INSERT INTO fleet (id, name) VALUES (3, 'Cargo')")
    assert run.error_in_exec is None, run.error_in_exec
    with carrierdb.connect(carrierdb_url) as other:  # another session sees the write: it was committed
        assert other.query("SELECT name FROM fleet WHERE id = 3") == [{"name": "Cargo"}]
    shell.run_line_magic("sql", f"--close {carrierdb_backend}")
    assert conn.closed  # JupySQL closed the DB-API connection it was given
