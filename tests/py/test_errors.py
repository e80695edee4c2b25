"""Bad input gives a clear error of the right class, and never shows a password."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import carrierdb
from carrierdb.pytest_plugin import with_database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# -- configuration errors (no database involved) ---------------------------------------------

@pytest.mark.parametrize(
    "url",
    ["postgresql://user:hunter2@[::1/db", "postgresql://user:hunter2@host:notaport/db", "postgres://user:hunter2@host:99999999999/db"],
)
def test_malformed_postgres_url_is_a_configuration_error(url):
    with pytest.raises(carrierdb.ConfigurationError) as info:
        carrierdb.connect(url)
    assert "hunter2" not in str(info.value)
    assert "malformed PostgreSQL URL" in str(info.value) or "port" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("url", ["mysql://root:hunter2@localhost/db", "mongodb+srv://u:hunter2@x/y"])
def test_unknown_scheme_names_it_and_lists_the_supported_forms(url):
    with pytest.raises(carrierdb.ConfigurationError) as info:
        carrierdb.connect(url)
    message = str(info.value)
    assert "unknown database URL scheme" in message
    assert url.split(":")[0] in message
    assert "postgresql://" in info.value.hint and "sqlite" in info.value.hint
    assert "hunter2" not in message


@pytest.mark.parametrize("url", ["", "   ", "no-scheme-here", "sqlite:", "file:"])
def test_empty_or_schemeless_url_is_rejected(url):
    with pytest.raises(carrierdb.ConfigurationError):
        carrierdb.connect(url) if url.strip() else carrierdb._core.parse_url(url)


def test_unknown_connect_option_is_rejected():
    with pytest.raises(carrierdb.ConfigurationError, match="pool_sise"):
        carrierdb.connect("sqlite::memory:", pool_sise=3)


# -- connection errors -------------------------------------------------------------------------

def test_unreachable_server_names_host_and_port_after_the_retry_budget():
    port = free_port()
    with pytest.raises(carrierdb.ConnectionFailed) as info:
        carrierdb.connect(
            f"postgresql://app:hunter2@127.0.0.1:{port}/carriers",
            connect_retries=2,
            retry_initial_delay=0.01,
            retry_max_delay=0.02,
        )
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message
    assert "after 3 attempts" in message
    assert "hunter2" not in message and "hunter2" not in repr(info.value)
    assert isinstance(info.value, ConnectionError)  # builtin, for generic retry code


@pytest.mark.postgres_only
def test_wrong_password_fails_at_once_without_showing_it(carrierdb_backend, carrierdb_admin_url):
    url = with_password(carrierdb_admin_url, "definitely-wrong-pw")
    with pytest.raises(carrierdb.ConnectionFailed) as info:
        carrierdb.connect(url, connect_retries=5, retry_initial_delay=5)  # retries would take >5 s
    message = str(info.value)
    assert "password authentication failed" in message
    assert "attempts" not in message  # not retried: the server answered
    assert "definitely-wrong-pw" not in message + repr(info.value) + str(info.value.hint)
    assert "password" in info.value.hint


@pytest.mark.postgres_only
def test_missing_database_says_so_and_how_to_fix_it(carrierdb_backend, carrierdb_admin_url):
    with pytest.raises(carrierdb.ConnectionFailed) as info:
        carrierdb.connect(with_database(carrierdb_admin_url, "no_such_db_here"))
    assert 'database "no_such_db_here" does not exist' in str(info.value)
    assert "createdb" in info.value.hint
    assert urlsplit(carrierdb_admin_url).password not in str(info.value)


@pytest.mark.sqlite_only
def test_sqlite_path_in_missing_directory(carrierdb_backend, tmp_path: Path):
    missing = tmp_path / "nope" / "deeper"
    with pytest.raises(carrierdb.ConnectionFailed) as info:
        carrierdb.connect(f"sqlite:{missing}/app.db")
    assert f"directory '{missing}' does not exist" in str(info.value)
    assert not missing.exists()  # nothing created behind the user's back


@pytest.mark.sqlite_only
def test_sqlite_path_in_read_only_directory(carrierdb_backend, tmp_path: Path):
    # pytest's tmp_path sits under a private (0700) directory; the unprivileged user below
    # must be able to reach the read-only one.
    base = Path(tempfile.mkdtemp(prefix="carrierdb-ro-"))
    base.chmod(0o755)
    ro = base / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() != 0:
        with pytest.raises(carrierdb.ConnectionFailed, match="not writable"):
            carrierdb.connect(f"sqlite:{ro}/app.db")
        return
    # Root ignores directory permissions: check as an unprivileged user in a child process.
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        message = b"no error"
        try:
            os.setgid(65534)
            os.setuid(65534)
            carrierdb.connect(f"sqlite:{ro}/app.db")
        except carrierdb.ConnectionFailed as e:
            message = ("ConnectionFailed: " + str(e)).encode()
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            message = f"{type(e).__name__}: {e}".encode()
        os.write(write_end, message)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reported = pipe.read().decode()
    os.waitpid(pid, 0)
    assert reported.startswith("ConnectionFailed: "), reported
    assert "not writable" in reported
    assert not (ro / "app.db").exists()
    ro.chmod(0o755)
    shutil.rmtree(base)


# -- statement errors --------------------------------------------------------------------------

def test_syntax_error_carries_the_server_text_and_position(carrierdb_backend, carrierdb_db):
    with pytest.raises(carrierdb.ProgrammingError) as info:
        carrierdb_db.query("SELECT id FROM carriers WHERE name = 'x' ORDR BY id")
    e = info.value
    assert "ORDR" in str(e) or "syntax error" in str(e)
    if carrierdb_backend == "postgresql":
        assert e.sqlstate == "42601"
        assert "LINE 1:" in str(e) and "^" in str(e)  # the server's caret under the error
    else:
        assert e.sqlstate == "SQLITE_ERROR"
        assert e.position is not None and e.position > 0


def test_unknown_table_is_a_programming_error(carrierdb_db):
    with pytest.raises(carrierdb.ProgrammingError, match="no_such_table"):
        carrierdb_db.query("SELECT * FROM no_such_table")


@pytest.mark.parametrize("given", [[], [1], [1, 2, 3]])
def test_wrong_number_of_parameters(carrierdb_db, given):
    with pytest.raises(carrierdb.ProgrammingError, match="wrong number of parameters"):
        carrierdb_db.query("SELECT CAST($1 AS TEXT) AS a, CAST($2 AS TEXT) AS b", given)
    # The connection is still usable afterwards.
    assert carrierdb_db.query("SELECT 1 AS ok") == [{"ok": 1}]


def test_constraint_violations_map_to_their_classes(carrierdb_db):
    carrierdb_db.execute_script(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (
          id INTEGER PRIMARY KEY,
          parent_id INTEGER REFERENCES parent (id),
          mc TEXT UNIQUE,
          name TEXT NOT NULL,
          size INTEGER CHECK (size > 0)
        );
        INSERT INTO parent VALUES (1);
        INSERT INTO child VALUES (1, 1, 'MC1', 'a', 1);
        """
    )
    with pytest.raises(carrierdb.UniqueViolation) as info:
        carrierdb_db.execute("INSERT INTO child VALUES (2, 1, $1, 'b', 1)", ["MC1"])
    assert info.value.columns == ["mc"]
    assert isinstance(info.value, carrierdb.IntegrityError)
    with pytest.raises(carrierdb.ForeignKeyViolation):
        carrierdb_db.execute("INSERT INTO child VALUES (3, 99, 'MC3', 'c', 1)")
    with pytest.raises(carrierdb.NotNullViolation) as info:
        carrierdb_db.execute("INSERT INTO child VALUES (4, 1, 'MC4', NULL, 1)")
    assert info.value.columns == ["name"]
    with pytest.raises(carrierdb.CheckViolation):
        carrierdb_db.execute("INSERT INTO child VALUES (5, 1, 'MC5', 'e', 0)")


def test_deleting_a_row_a_restrict_key_still_references_is_a_foreign_key_violation(carrierdb_db):
    # SQLite enforces ON DELETE RESTRICT through an internal trigger (a different error code from
    # a plain foreign key failure); users must see the same class on both backends.
    carrierdb_db.execute_script(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE RESTRICT);
        INSERT INTO parent VALUES (1);
        INSERT INTO child VALUES (1, 1);
        """
    )
    with pytest.raises(carrierdb.ForeignKeyViolation):
        carrierdb_db.execute("DELETE FROM parent WHERE id = 1")
    with pytest.raises(carrierdb.ForeignKeyViolation):
        carrierdb_db.execute("UPDATE parent SET id = 2 WHERE id = 1")
    assert carrierdb_db.query("SELECT count(*) AS n FROM parent")[0]["n"] == 1


def test_statement_timeout_cancels_a_long_statement(carrierdb_backend, carrierdb_url):
    db = carrierdb.connect(carrierdb_url, statement_timeout=0.2)
    slow = (
        "SELECT pg_sleep(5)"
        if carrierdb_backend == "postgresql"
        else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    with pytest.raises(carrierdb.OperationTimeout) as info:
        db.query(slow)
    assert isinstance(info.value, TimeoutError)
    assert db.query("SELECT 1 AS ok") == [{"ok": 1}]


@pytest.mark.postgres_only
def test_nul_byte_in_postgres_text_is_a_data_error(carrierdb_backend, carrierdb_db):
    with pytest.raises(carrierdb.DataError, match="NUL"):
        carrierdb_db.query("SELECT $1::text", ["a\x00b"])


def test_error_tree_has_db_api_names():
    assert carrierdb.Error is carrierdb.CarrierDBError
    assert issubclass(carrierdb.UniqueViolation, carrierdb.IntegrityError)
    assert issubclass(carrierdb.IntegrityError, carrierdb.DatabaseError)
    assert issubclass(carrierdb.ProgrammingError, carrierdb.DatabaseError)
    assert issubclass(carrierdb.ConnectionFailed, carrierdb.OperationalError)
    assert issubclass(carrierdb.ConfigurationError, carrierdb.InterfaceError)
    assert not issubclass(carrierdb.ConfigurationError, carrierdb.DatabaseError)
