"""pytest plugin: each test gets its own migrated, seeded database in milliseconds, on SQLite and
on a real PostgreSQL (the ``pytest11`` entry point; the parts are in carrierdb.testing).

Fixtures (README, "Testing with pytest"):
  carrierdb_backend       "sqlite" or "postgresql"; a test using any database fixture runs once per
                          backend (``@pytest.mark.carrierdb_backends("postgresql")`` narrows it)
  carrierdb_url           the URL of the test's own database: empty, or a clone of the migrated or
                          seeded template when the test also asks for carrierdb_migrated_db or
                          carrierdb_seeded_db (then all of them are the same database); on SQLite
                          a file in the session's folder on tmpfs, removed after the test
  carrierdb_db            a connected carrierdb.Database on carrierdb_url
  carrierdb_migrated_db   the same, with the project's migrations deployed
  carrierdb_seeded_db     the same, migrated and seeded with the testing set (seeds/testing)
  carrierdb_tx_db         a migrated, seeded database shared by the session, the test running inside
                          a transaction that is rolled back at its end (for tests that need no commit)
  carrierdb_admin_url     (session) the admin URL of the PostgreSQL server the tests use
  empty_database(backend, tmp_path, request, stem)   a context manager for a second empty database

PostgreSQL: ``--carrierdb-url`` or CARRIERDB_TEST_DATABASE_URL names an existing server; without
either the plugin starts a throwaway one from the local server binaries (on tmpfs, fsync off) on
first use and stops it at the end of the session, also after a failure or Ctrl-C. Under
pytest-xdist each worker starts its own server (on first use): a test that looks at the whole
server (its locks, its sessions, a standby replaying its WAL) sees only its own worker's tests, as
in a serial run. With a configured URL the workers share that server, each with its own databases
(names carry host and pid) cloned from templates shared by all. At session start a sweep removes
what dead sessions left (their servers and databases) and says so. Without server binaries the
PostgreSQL cases are skipped with the way to install them, except under CI=true, where that is an
error: CI must never pass by skipping a backend.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import pytest

from carrierdb.testing import owners, server as servers
from carrierdb.testing.session import PG_ENV, TestDatabases, Unavailable
from carrierdb.testing.urls import database_of, with_database

__all__ = ["BACKENDS", "PG_ENV", "empty_database", "with_database"]

BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("carrierdb")
    group.addoption(
        "--carrierdb-backend",
        action="append",
        choices=BACKENDS,
        help="run database tests on this backend only (repeatable; default: both)",
    )
    group.addoption(
        "--carrierdb-url",
        default=None,
        help=f"admin URL of an existing PostgreSQL server for the tests (default: ${PG_ENV}, else a throwaway server)",
    )


def _selected(config: pytest.Config) -> list[str]:
    return list(config.getoption("--carrierdb-backend") or BACKENDS)


def _configured_url(config: pytest.Config) -> str | None:
    return config.getoption("--carrierdb-url") or os.environ.get(PG_ENV) or None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres_only: behaviour that exists on PostgreSQL only")
    config.addinivalue_line("markers", "sqlite_only: behaviour that exists on SQLite only")
    config.addinivalue_line("markers", "carrierdb_backends(*names): run the test on these backends only (sqlite, postgresql)")
    if getattr(config, "cache", None) is not None:
        cache = Path(config.cache.mkdir("carrierdb"))
    else:  # -p no:cacheprovider: a folder of our own, which git ignores as it does .pytest_cache
        cache = Path(str(config.rootpath)) / ".carrierdb-cache"
        cache.mkdir(exist_ok=True)
        (cache / ".gitignore").write_text("# created by carrierdb's pytest plugin (pytest ran without its cache)\n*\n")
    config._carrierdb = TestDatabases(_configured_url(config), cache)  # type: ignore[attr-defined]
    if (os.environ.get("CI") == "true" and "postgresql" in _selected(config) and not _configured_url(config)
            and servers.server_bin() is None):
        raise pytest.UsageError(f"CI=true, no {PG_ENV} and no PostgreSQL server binaries ({servers.INSTALL_HINT}): "
                                "PostgreSQL tests would not run")


def _say(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The stale sweep: once per session, in the controller (never in an xdist worker)."""
    config = session.config
    if hasattr(config, "workerinput"):
        return
    for base, what in servers.sweep_servers():
        _say(config, f"carrierdb: {what} of a dead test session: {base}")
    url = _configured_url(config)
    if url and "postgresql" in _selected(config):
        import carrierdb

        try:
            with carrierdb.connect(url, pool_size=1) as admin:
                removed = owners.sweep_databases(admin)
        except carrierdb.CarrierDBError as error:
            _say(config, f"carrierdb: the stale-database sweep could not run: {error}")
            return
        for name in removed:
            _say(config, f"carrierdb: dropped database {name}, left by a dead test session")


def pytest_sessionfinish(session: pytest.Session) -> None:
    left = session.config._carrierdb.close()
    if left:
        _say(session.config, f"carrierdb: could not drop {', '.join(left)} (the next session's sweep will)")


def pytest_unconfigure(config: pytest.Config) -> None:
    databases = getattr(config, "_carrierdb", None)
    if databases is not None:
        databases.close()
        databases.stop_server()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "carrierdb_backend" not in metafunc.fixturenames:
        return
    backends = _selected(metafunc.config)
    if metafunc.definition.get_closest_marker("postgres_only"):
        backends = [b for b in backends if b == "postgresql"]
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = [b for b in backends if b == "sqlite"]
    marker = metafunc.definition.get_closest_marker("carrierdb_backends")
    if marker is not None:
        unknown = set(marker.args) - set(BACKENDS)
        if unknown:
            raise pytest.UsageError(f"carrierdb_backends: unknown backend {sorted(unknown)} in {metafunc.definition.nodeid}; "
                                    f"choose from {list(BACKENDS)}")
        backends = [b for b in backends if b in marker.args]
    metafunc.parametrize("carrierdb_backend", backends)


def _databases(request: pytest.FixtureRequest) -> TestDatabases:
    return request.config._carrierdb


def _postgres(request: pytest.FixtureRequest) -> TestDatabases:
    """The session's databases once PostgreSQL is there; skips (fails under CI=true) otherwise."""
    databases = _databases(request)
    try:
        databases.admin_url()
    except Unavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(str(error), pytrace=False)
        pytest.skip(str(error))
    return databases


def _project_root() -> Path:
    from carrierdb.config import project_root

    return project_root()


@pytest.fixture(scope="session")
def carrierdb_admin_url(request: pytest.FixtureRequest) -> str:
    """The admin URL of the session's PostgreSQL server (superuser, database ``postgres``)."""
    return _postgres(request).admin_url()


def _template_kind(request: pytest.FixtureRequest) -> str | None:
    if "carrierdb_seeded_db" in request.fixturenames:
        return "seeded"
    if "carrierdb_migrated_db" in request.fixturenames:
        return "migrated"
    return None


@pytest.fixture
def carrierdb_url(carrierdb_backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    databases = _databases(request) if carrierdb_backend == "sqlite" else _postgres(request)
    kind = _template_kind(request)
    if carrierdb_backend == "sqlite":
        path = databases.sqlite_file()
        try:
            yield f"sqlite:{path}" if kind is None else databases.sqlite_clone(_project_root(), kind, path)
        finally:
            databases.remove_sqlite(path)
        return
    url = databases.postgres_clone(_project_root(), kind)
    try:
        yield url
    finally:
        databases.give_back(url)


@contextlib.contextmanager
def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest, stem: str = "test") -> Iterator[str]:
    """A URL to a new, empty database: ``<stem>.db`` in ``tmp_path`` on SQLite, a database created on
    the test server (and dropped on leaving) on PostgreSQL. A test wanting a second one calls this."""
    if backend == "sqlite":
        yield f"sqlite:{tmp_path / (stem + '.db')}"
        return
    url, admin = _postgres(request).empty_postgres(stem)
    try:
        yield url
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {owners.quoted(database_of(url))} WITH (FORCE)")
        admin.close()


@pytest.fixture
def carrierdb_db(carrierdb_url: str, request: pytest.FixtureRequest) -> Iterator["carrierdb.Database"]:  # noqa: F821
    db = _databases(request).connect(carrierdb_url)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def carrierdb_migrated_db(carrierdb_db):
    """An isolated database with the project's migrations applied (a clone of the migrated template)."""
    return carrierdb_db


@pytest.fixture
def carrierdb_seeded_db(carrierdb_migrated_db):
    """An isolated, migrated database seeded with the project's testing set (a clone of the seeded template)."""
    return carrierdb_migrated_db


@pytest.fixture
def carrierdb_tx_db(carrierdb_backend: str, request: pytest.FixtureRequest) -> Iterator["carrierdb.Database"]:  # noqa: F821
    """The session's migrated, seeded database, inside a transaction rolled back after the test: the
    test's own ``with db.transaction()`` blocks are savepoints in it. Nothing it writes is ever
    committed, so it suits tests that need no commit (and no second connection seeing their rows)."""
    databases = _postgres(request) if carrierdb_backend == "postgresql" else _databases(request)
    db = databases.transaction_database(carrierdb_backend, _project_root())
    # The private handle: Database.transaction() is a context manager that commits on success,
    # and this transaction must end in a rollback whatever the test does.
    db._db.begin()
    try:
        yield db
    finally:
        while db.in_transaction:
            db._db.rollback()
