"""pytest plugin: an isolated database per test, on SQLite and on a real PostgreSQL.

Fixtures:
  carrierdb_backend  "sqlite" or "postgresql"; tests that use it run once per backend
  carrierdb_url      a URL to a fresh, empty database of that backend (dropped afterwards)
  carrierdb_db       a connected carrierdb.Database on that URL
  carrierdb_migrated_db   the same, with the project's migrations/ deployed
  carrierdb_seeded_db     the same, migrated and seeded with the testing set (seeds/testing)
  empty_database(backend, tmp_path, request, stem)   a context manager, for a test wanting a second
                          empty database beside carrierdb_url

PostgreSQL comes from CARRIERDB_TEST_DATABASE_URL (an admin URL: the plugin creates and drops
one database per test there). Without it, PostgreSQL cases are skipped with that reason, except
under CI=true, where a missing server is an error: CI must never pass by skipping a backend.
Mark tests with ``@pytest.mark.postgres_only`` / ``@pytest.mark.sqlite_only`` for behaviour that
exists on one backend.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

BACKENDS = ("sqlite", "postgresql")
PG_ENV = "CARRIERDB_TEST_DATABASE_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("carrierdb")
    group.addoption(
        "--carrierdb-backend",
        action="append",
        choices=BACKENDS,
        help="run database tests on this backend only (repeatable; default: both)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres_only: behaviour that exists on PostgreSQL only")
    config.addinivalue_line("markers", "sqlite_only: behaviour that exists on SQLite only")
    if os.environ.get("CI") == "true" and not os.environ.get(PG_ENV):
        selected = config.getoption("--carrierdb-backend") or BACKENDS
        if "postgresql" in selected:
            raise pytest.UsageError(f"CI=true but {PG_ENV} is not set: PostgreSQL tests would not run")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "carrierdb_backend" not in metafunc.fixturenames:
        return
    backends = list(metafunc.config.getoption("--carrierdb-backend") or BACKENDS)
    if metafunc.definition.get_closest_marker("postgres_only"):
        backends = [b for b in backends if b == "postgresql"]
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = [b for b in backends if b == "sqlite"]
    metafunc.parametrize("carrierdb_backend", backends)


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


@pytest.fixture
def carrierdb_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (scripts/test starts a PostgreSQL server and sets it)")
    return url


@pytest.fixture
def carrierdb_url(carrierdb_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    with empty_database(carrierdb_backend, tmp_path, request) as url:
        yield url


@contextlib.contextmanager
def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest, stem: str = "test") -> Iterator[str]:
    """A URL to a new, empty database: ``<stem>.db`` in ``tmp_path`` on SQLite, a database created on
    the test server (and dropped on leaving) on PostgreSQL. A test wanting a second one calls this."""
    if backend == "sqlite":
        yield f"sqlite:{tmp_path / (stem + '.db')}"
        return
    import carrierdb

    admin_url = request.getfixturevalue("carrierdb_admin_url")
    name = f"carrierdb_{stem}_{uuid.uuid4().hex[:16]}"
    admin = carrierdb.connect(admin_url, pool_size=1)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_url, name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def carrierdb_db(carrierdb_url: str) -> Iterator["carrierdb.Database"]:  # noqa: F821
    import carrierdb

    db = carrierdb.connect(carrierdb_url)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def carrierdb_migrated_db(carrierdb_db):
    """An isolated database with the project's migrations applied."""
    carrierdb_db.migrations().deploy()
    return carrierdb_db


@pytest.fixture
def carrierdb_seeded_db(carrierdb_migrated_db):
    """An isolated, migrated database seeded with the project's testing set."""
    carrierdb_migrated_db.seeds.apply("testing")
    return carrierdb_migrated_db
