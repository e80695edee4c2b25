"""connect() and Database: the Python face of the C++ database handle.

A Database is the handle: identity, statements, transactions, the schema and its models.
Migrations (``db.migrations()``) and seeding (``db.seeds``) are objects of their own over it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from . import _core
from .config import Environment, Resolution, project_root, resolve
from .dbapi_connection import Connection
from .migrate import Migrations
from .models import Model
from .query_result import QueryResult
from .seeds import Seeds

__all__ = ["Database", "connect", "connect_for_migrations", "resolve_for_migrations"]

logger = logging.getLogger("carrierdb")


def _route_core_logs() -> None:
    """Send the core's messages to the ``carrierdb`` logger, at its current threshold.

    The threshold is read here (at each connect) so the core skips formatting messages nobody
    will see; call ``carrierdb.refresh_logging()`` after changing the level of a live process.
    """
    _core.set_log_sink(lambda level, message: logger.log(level, message), logger.getEffectiveLevel())


def refresh_logging() -> None:
    """Re-read the ``carrierdb`` logger's level (e.g. after ``logging.basicConfig(level=DEBUG)``)."""
    _route_core_logs()


def connect(url: str | None = None, **options: Any) -> "Database":
    """Open a database.

    ``url`` defaults to ``DATABASE_URL`` from the environment, then the ``.env`` files, then the
    embedded SQLite default (see :mod:`carrierdb.config`). Options (durations in seconds):
    ``pool_size`` (4), ``connect_timeout`` (5), ``statement_timeout`` (none), ``pool_timeout`` (30),
    ``busy_timeout`` (5, SQLite), ``connect_retries`` (3), ``retry_initial_delay`` (0.2),
    ``retry_max_delay`` (3), ``application_name`` ("carrierdb"), ``prepare_threshold`` (5: PostgreSQL
    statements run that often are prepared on the server; -1 disables it), ``create`` (True: a
    missing SQLite file is created; False: it is reported as missing, and nothing is created);
    ``env`` picks the environment (a name or an :class:`Environment`) and ``schema`` the schema
    file. None means the default; an unknown or mistyped option is a ConfigurationError naming it.
    """
    env = options.pop("env", None)
    schema = options.pop("schema", None)
    resolution = resolve(url, env=env)
    made_folder = None
    if resolution.embedded_default and options.get("create") is not False:
        # The default location is ours to create; a user-given path must already exist.
        folder = resolution.root / ".carrierdb"
        made_folder = None if folder.is_dir() else folder
        folder.mkdir(parents=True, exist_ok=True)
    _route_core_logs()
    try:
        # The core checks the options (an unknown or mistyped one is a ConfigurationError).
        handle = _core.Database.open(resolution.url, **options)
    except BaseException as error:
        if made_folder is not None:
            _remove_if_empty(made_folder)  # a failed connect leaves nothing behind
        if isinstance(error, _core.ConnectionFailed):
            explain_source(error, resolution)
        raise
    logger.info("connected to %s (%s: %s)", handle.url, resolution.source, resolution.reason)
    return Database(handle, resolution, schema=schema)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # something was written there after all: it stays


def resolve_for_migrations(url: str | None = None, env: str | Environment | None = None) -> Resolution:
    """The URL migrations use: ``url``, else ``DIRECT_URL`` (Prisma's ``directUrl``) when it is
    defined, because a transaction-mode pooler behind ``DATABASE_URL`` cannot hold the session
    lock; otherwise the usual ``DATABASE_URL`` resolution."""
    if url is None:
        direct = resolve(variable="DIRECT_URL", env=env)
        if not direct.embedded_default:
            return direct
    return resolve(url, env=env)


def connect_for_migrations(url: str | None = None, env: str | Environment | None = None, **options: Any) -> "Database":
    """Open the database for migrations (see :func:`resolve_for_migrations`)."""
    resolution = resolve_for_migrations(url, env)
    if resolution.variable != "DIRECT_URL":
        return connect(url, env=env, **options)
    try:
        return connect(resolution.url, env=env, **options)
    except _core.ConnectionFailed as error:
        explain_source(error, resolution)
        raise


def explain_source(error: _core.ConnectionFailed, resolution: Resolution) -> None:
    """Add to a connection error that its URL came from a shell variable shadowing an env file:
    the usual reason the "right" database cannot be reached."""
    note = resolution.shadowing_note()
    if note:
        # str(error) is the message followed by its hint: the note goes between them.
        full = error.args[0]
        hint_part = full[len(error.message):] if full.startswith(error.message) else ""
        error.message = f"{error.message}\n{note}"
        error.args = (error.message + hint_part, *error.args[1:])


class Database:
    """A pool of connections to one database. Thread-safe; use one per process.

    ``query`` returns rows as dicts, ``execute`` the affected-row count; placeholders are
    ``$1, $2, ...`` on both backends. ``with db.transaction():`` commits or rolls back, and
    nested blocks become savepoints.
    """

    def __init__(self, handle: _core.Database, resolution: Resolution | None = None,
                 schema: str | os.PathLike[str] | _core.Schema | None = None) -> None:
        self._db = handle
        self.resolution = resolution
        self._environment = resolution.environment if resolution else Environment.resolve()
        self._schema_source = schema
        self._schema: _core.Schema | None = None
        self._models: dict[str, Model] = {}
        self._model_attributes: dict[str, Model] = {}  # db.carrier -> its Model

    # -- identity --------------------------------------------------------------------------
    @property
    def backend(self) -> str:
        """``"postgresql"`` or ``"sqlite"``."""
        return self._db.backend

    @property
    def url(self) -> str:
        """The URL with its password masked."""
        return self._db.url

    @property
    def server_version(self) -> str:
        return self._db.server_version

    @property
    def capabilities(self) -> dict[str, bool]:
        return self._db.capabilities

    @property
    def statements_run(self) -> int:
        """How many SQL statements this handle has run (query/execute, BEGIN/COMMIT included):
        take the difference around an operation to see its round trips."""
        return self._db.statements_run

    @property
    def sqlite_path(self) -> str | None:
        return self._db.sqlite_path

    @property
    def environment(self) -> Environment:
        """The environment this database was opened for; seeding and reset take it from here."""
        return self._environment

    def __repr__(self) -> str:
        return f"<carrierdb.Database {self.backend} {self.url}>"

    def _repr_html_(self) -> str:
        import html

        return (
            "<table><tr><th colspan=2 style='text-align:left'>carrierdb.Database</th></tr>"
            f"<tr><td>backend</td><td>{html.escape(self.backend)}</td></tr>"
            f"<tr><td>url</td><td><code>{html.escape(self.url)}</code></td></tr>"
            f"<tr><td>pool</td><td>{self._db.open_connections} open of {self._db.pool_size}</td></tr></table>"
        )

    # -- statements ------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | None = None) -> QueryResult:
        """Run one statement and return its rows as dicts: a :class:`QueryResult`, a list that
        also knows its columns' types (``.columns``, ``.to_pandas()``), rows or not."""
        rows, columns, _ = self._db.query_described(sql, params, tuples=True)
        return QueryResult.from_tuples(rows, columns, database=self)

    def dbapi(self) -> Connection:
        """A DB-API 2.0 (PEP 249) connection to this database, for ``pandas.read_sql`` and other
        DB-API tools: ``?`` placeholders, an implicit transaction ended by ``commit()`` or
        ``rollback()``. Like every DB-API driver's connection it is a session of its own (a
        separate database handle on the same URL and schema, closed with it): its transaction is
        not ``db``'s, and dropping it unclosed rolls back only its own uncommitted work."""
        from .dbapi_types import _error

        if self.url == "sqlite::memory:":
            raise _error(
                _core.ConfigurationError,
                "db.dbapi(): an in-memory SQLite database is private to its one connection, so a DB-API connection of its own cannot see it",
                "use a SQLite file (sqlite:///path.db), or carrierdb.dbapi.connect('sqlite::memory:') for a DB-API-only in-memory database",
            )
        if self.resolution is None:
            raise _error(
                _core.ConfigurationError,
                "db.dbapi(): this Database was built from a bare handle and does not know its URL",
                "open it with carrierdb.connect(url), or use carrierdb.dbapi.connect(url)",
            )
        own = connect(self.resolution.url, env=self._environment, schema=self._schema_source, pool_size=1)
        return Connection(own, owns_database=True)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement and return the number of rows it changed."""
        return self._db.execute(sql, params)

    def execute_script(self, sql: str) -> None:
        """Run a multi-statement script (no parameters), statement by statement."""
        self._db.execute_script(sql)

    def table_names(self) -> list[str]:
        """User tables in the current schema."""
        return self._db.table_names()

    def schema_snapshot(self) -> list[str]:
        """A canonical, sorted description of the schema (columns, types, keys, indexes,
        checks, enums): equal lists mean equal schemas."""
        return self._db.schema_snapshot()

    # -- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator["Database"]:
        """Commit on success, roll back on any exception. Nested blocks are savepoints."""
        self._db.begin()
        try:
            yield self
        except BaseException:
            self._db.rollback()
            raise
        self._db.commit()

    @property
    def in_transaction(self) -> bool:
        return self._db.transaction_depth > 0

    # -- the data model --------------------------------------------------------------------
    @property
    def schema(self) -> _core.Schema:
        """The parsed schema: ``connect(schema=...)`` (a path or a Schema), else
        ``schema.prisma`` in the project root. Read once, on first use."""
        if self._schema is None:
            source = self._schema_source
            if isinstance(source, _core.Schema):
                self._schema = source
            else:
                root = self.resolution.root if self.resolution else project_root()
                self._schema = _core.Schema.load(str(source or (root / "schema.prisma")))
        return self._schema

    def schema_drift(self, ignore_tables: Sequence[str] = ("_prisma_migrations", "_carrierdb_seeds")) -> list[dict[str, Any]]:
        """Differences between schema.prisma and this database (tables, columns, types,
        nullability, primary and unique keys), each as "schema says X, database has Y"."""
        return _core.find_drift(self._db, self.schema, list(ignore_tables))

    def model(self, name: str) -> Model:
        """Validated CRUD for one model: ``db.model("Carrier")`` (or ``db.carrier``)."""
        # Cached by the name asked for: describing a model (schema.model) builds its whole field
        # list, which cost more than the INSERT's own client work when done on every db.carrier.
        model = self._models.get(name)
        if model is None:
            key = self.schema.model(name)["name"]
            model = self._models.get(key) or Model(self, self.schema, key)
            self._models[key] = self._models[name] = model
        return model

    def __getattr__(self, name: str) -> Model:
        # db.carrier -> db.model("Carrier"); only lowerCamel names of the schema's models.
        if name.startswith("_") or not name[:1].islower():
            raise AttributeError(name)
        model = self._model_attributes.get(name)
        if model is not None:
            return model
        try:
            schema = self.schema
        except _core.CarrierDBError as error:
            raise AttributeError(f"{name!r}: no such attribute, and the schema could not be read: {error}") from error
        for model_name in schema.model_names:
            if model_name[:1].lower() + model_name[1:] == name:
                model = self._model_attributes[name] = self.model(model_name)
                return model
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r} (and the schema has no model {name[:1].upper() + name[1:]!r})")

    # -- engine parts ----------------------------------------------------------------------
    def migrations(self, directory: str | Path | None = None, *, table: str = "_prisma_migrations", lock_timeout: float = 10.0) -> Migrations:
        """The migrations folder (default: ``migrations/`` in the project root) on this database."""
        return Migrations(self, directory, table=table, lock_timeout=lock_timeout)

    @property
    def seeds(self) -> Seeds:
        """Seeding this database: ``apply`` a seed set, upsert ``records``, ``export``, ``status``."""
        return Seeds(self)

    # -- lifetime --------------------------------------------------------------------------
    def close(self) -> None:
        """Close idle connections. The object stays usable: it reconnects on demand."""
        self._db.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# The environment variable CARRIERDB_LOG_LEVEL gives scripts and CI a switch without code.
if os.environ.get("CARRIERDB_LOG_LEVEL"):
    logging.basicConfig()
    logger.setLevel(os.environ["CARRIERDB_LOG_LEVEL"].upper())
