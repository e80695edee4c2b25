"""Shadow databases: where ``migrate dev`` and ``migrate diff --from-migrations`` replay the
migrations folder to learn the schema it builds. The whole lifecycle is here.

PostgreSQL: a database named ``carrierdb_shadow_<pid>_<random>`` is created on the development
database's server and dropped on leaving, whatever happened (an error, a failing migration, Ctrl-C,
SIGTERM); or the one ``shadowDatabaseUrl`` (the schema's datasource) / ``SHADOW_DATABASE_URL``
names, which is reset (every object dropped) and kept. SQLite: a file in a temporary folder,
deleted on leaving. The replay is ``migrate deploy`` itself, with the variant each backend runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit, urlunsplit

from . import _core
from .config import Environment, resolve
from .database import Database, connect

__all__ = ["PREFIX", "ShadowUnavailable", "shadow_database", "replayed_model", "shadow_url_for"]

PREFIX = "carrierdb_shadow_"
SHADOW_VARIABLE = "SHADOW_DATABASE_URL"
HISTORY_TABLES = ("_prisma_migrations", "_carrierdb_seeds")


class ShadowUnavailable(_core.ConfigurationError):
    """No shadow database of a dialect can be had here; ``str()`` says why and how to get one."""


def shadow_url_for(schema_file: Optional[Path], env: str | Environment | None, given: Optional[str] = None) -> Optional[str]:
    """The shadow URL the user configured: ``given``, else SHADOW_DATABASE_URL (shell or env files),
    else the datasource's ``shadowDatabaseUrl`` (``env("X")`` or a literal); None when there is none."""
    if given:
        return given
    found = resolve(variable=SHADOW_VARIABLE, env=env)
    if not found.embedded_default:
        return found.url
    if schema_file is None or not schema_file.is_file():
        return None
    datasource = re.search(r"\bdatasource\s+\w+\s*\{([^}]*)\}", schema_file.read_text(encoding="utf-8"))
    if datasource is None:
        return None
    setting = re.search(r'^\s*shadowDatabaseUrl\s*=\s*(?:env\(\s*"([^"]+)"\s*\)|"([^"]*)")', datasource.group(1), re.M)
    if setting is None:
        return None
    if setting.group(2) is not None:
        return setting.group(2)
    variable = resolve(variable=setting.group(1), env=env)
    return None if variable.embedded_default else variable.url


def _backend(url: str) -> str:
    return _core.parse_url(url)["backend"]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _on_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@contextlib.contextmanager
def _sigterm_stops() -> Iterator[None]:
    """SIGTERM stops the block as Ctrl-C does (a KeyboardInterrupt, which the drop below survives),
    where nobody else handles it: the CLI installs the same handler; a script's own one is kept."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    terminate.carrierdb_stops_operations = True  # type: ignore[attr-defined]  # see cpp/bindings/signal_watch.hpp
    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """A second Ctrl-C (or SIGTERM) while the shadow is being dropped waits until it is dropped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in saved:
        signal.signal(s, lambda signum, frame: arrived.append(signum))
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        if arrived:
            raise KeyboardInterrupt("SIGTERM" if arrived[0] == signal.SIGTERM else "")


@contextlib.contextmanager
def _created_postgres(server_url: str) -> Iterator[str]:
    """A new database on ``server_url``'s server for the block; dropped on leaving, in every case."""
    name = f"{PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
    with _sigterm_stops():
        admin = connect(server_url, pool_size=1, create=False)
        try:
            # The drop is armed before the CREATE: a stop arriving as the CREATE completes (too late
            # to cancel it) must not leave the database behind. IF EXISTS: it may never have been made.
            failed = True
            try:
                try:
                    admin.execute(f"CREATE DATABASE {_quoted(name)}")
                except _core.DatabaseError as error:
                    raise ShadowUnavailable(
                        f"could not create a shadow database on {admin.url}: {error}; give one to reset instead with "
                        f"{SHADOW_VARIABLE} or the datasource's shadowDatabaseUrl") from error
                yield _on_database(server_url, name)
                failed = False
            finally:
                with _signals_deferred():
                    _drop(admin, name, keep_error_raised=failed)
        finally:
            admin.close()


def _drop(admin: Database, name: str, keep_error_raised: bool) -> None:
    """Drops the shadow. When that fails while another error is on its way out (the replay's, a
    stop), that error stays the one raised and the leftover database is named on stderr."""
    try:
        admin.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
    except _core.CarrierDBError as error:
        if not keep_error_raised:
            raise
        print(f"carrierdb: could not drop the shadow database {name} on {admin.url} ({error}); "
              f'drop it with: DROP DATABASE "{name}" WITH (FORCE)', file=sys.stderr)


def _same_database(shadow: Database, shadow_url: str, dev_url: str) -> bool:
    """Whether ``shadow`` is the database behind ``dev_url``, however the two URLs spell it
    (localhost or 127.0.0.1, other parameters, a relative SQLite path). PostgreSQL: an advisory lock
    taken on the development database, tried from the shadow; advisory locks conflict only within
    one database of one server."""
    if _backend(dev_url) != shadow.backend:
        return False
    if shadow.backend == "sqlite":
        here, there = Path(_core.parse_url(shadow_url)["path"]), Path(_core.parse_url(dev_url)["path"])
        return here.exists() and there.exists() and os.path.samefile(here, there)
    key = secrets.randbelow(2**62)
    with connect(dev_url, pool_size=1, create=False) as dev:
        dev.query("SELECT pg_advisory_lock($1)", [key])
        try:
            free = shadow.query("SELECT pg_try_advisory_lock($1) AS free", [key])[0]["free"]
            if free:
                shadow.query("SELECT pg_advisory_unlock($1)", [key])
            return not free
        finally:
            dev.query("SELECT pg_advisory_unlock($1)", [key])


@contextlib.contextmanager
def shadow_database(dialect: str, *, server_url: Optional[str], shadow_url: Optional[str], dev_url: Optional[str] = None
                    ) -> Iterator[tuple[Database, bool]]:
    """An empty database of ``dialect`` for the block, and whether it is a configured one that was
    reset (True) or a temporary one. ``shadow_url`` is used when it is of ``dialect``; else
    PostgreSQL needs ``server_url`` (a PostgreSQL URL whose server may create databases).
    Raises ShadowUnavailable when neither gives one."""
    if shadow_url is not None and _backend(shadow_url) == dialect:
        with connect(shadow_url, pool_size=1) as db:
            if dev_url and _same_database(db, shadow_url, dev_url):
                raise _core.ConfigurationError("the shadow database is the development database: migrate dev resets the shadow "
                                               f"database, so it must be another database; point {SHADOW_VARIABLE} elsewhere")
            yield db, True
        return
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix=PREFIX) as folder:
            with connect(f"sqlite:{Path(folder) / 'shadow.db'}", pool_size=1) as db:
                yield db, False
        return
    if server_url is None or _backend(server_url) != "postgresql":
        raise ShadowUnavailable(f"no PostgreSQL shadow database: the development database is not PostgreSQL and no "
                                f"{SHADOW_VARIABLE} (or datasource shadowDatabaseUrl) of PostgreSQL is set; set one to "
                                "an empty database carrierdb may reset")
    with _created_postgres(server_url) as url:
        db = connect(url, pool_size=1)
        try:
            yield db, False
        finally:
            db.close()  # before the DROP, which would otherwise end this connection under it


def replay(db: Database, directory: Path, reset: bool, table: str = HISTORY_TABLES[0]) -> None:
    """Apply every migration of ``directory`` to the shadow ``db`` (``reset``: drop its objects first).
    A failing migration is a MigrationError that says it failed in the shadow database."""
    migrations = db.migrations(directory, table=table)
    try:
        if reset:
            migrations.reset(allow_production=True, replay=True)  # a shadow holds no one's data
        else:
            # The SQL only, in as few transactions as allowed: the shadow is thrown away, and a
            # migration.py changes data, not the schema, and must not run (its side effects) twice.
            migrations.deploy(replay=True)
    except _core.MigrationError as error:
        error.message = f"replaying the migrations into the shadow database failed: {error.message}"
        error.args = (f"replaying the migrations into the shadow database failed: {error.args[0]}", *error.args[1:])
        raise


def replayed_model(dialect: str, directory: Path, *, server_url: Optional[str], shadow_url: Optional[str],
                   dev_url: Optional[str] = None) -> Any:
    """The migrations folder replayed into a shadow of ``dialect``, read back as a TargetModel.
    The shadow is gone when this returns or raises."""
    with shadow_database(dialect, server_url=server_url, shadow_url=shadow_url, dev_url=dev_url) as (db, reset):
        replay(db, directory, reset)
        return _core.read_target_model(db._db, list(HISTORY_TABLES))
