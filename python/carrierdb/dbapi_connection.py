"""The PEP 249 Connection and Cursor over a carrierdb Database (the module is carrierdb.dbapi)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterator, Sequence

from .dbapi_types import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
    _error,
)
from .placeholders import qmark_to_numbered

__all__ = ["Connection", "Cursor"]


class Connection:
    """PEP 249 connection owning a :class:`carrierdb.Database` of its own (pool size 1 from
    ``db.dbapi()``): a session separate from any other handle, as every DB-API driver's is.

    The first statement begins a transaction; ``commit()`` or ``rollback()`` ends it. ``autocommit = True`` runs
    each statement on its own instead. ``close()`` rolls back what is not committed. As a context
    manager it commits on success, rolls back on an exception, then closes.
    """

    # PEP 249's optional extension: the exception classes as connection attributes.
    Error, InterfaceError, DatabaseError, DataError = Error, InterfaceError, DatabaseError, DataError
    OperationalError, IntegrityError, InternalError = OperationalError, IntegrityError, InternalError
    ProgrammingError, NotSupportedError, Warning = ProgrammingError, NotSupportedError, Warning

    def __init__(self, database, *, owns_database: bool = False):
        self._database = database
        self._owns_database = owns_database
        self._closed = False
        self._in_transaction = False
        self.autocommit = False

    @property
    def database(self):
        """The :class:`carrierdb.Database` this connection runs on."""
        return self._database

    @property
    def closed(self) -> bool:
        return self._closed

    def cursor(self) -> "Cursor":
        self._check_open()
        return Cursor(self)

    def commit(self) -> None:
        self._check_open()
        if self._in_transaction:
            self._end_transaction(self._database._db.commit)

    def rollback(self) -> None:
        self._check_open()
        if self._in_transaction:
            self._end_transaction(self._database._db.rollback)

    def close(self) -> None:
        if self._closed:
            return
        try:
            if self._in_transaction:
                self._end_transaction(self._database._db.rollback)
        finally:
            self._closed = True
            if self._owns_database:
                self._database.close()

    def __del__(self) -> None:
        # `pandas.read_sql(sql, db.dbapi())` drops its connection unclosed. PEP 249: a connection
        # closed without commit rolls back; the handle is its own, so nothing of db's is touched.
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception:
                pass  # interpreter shutdown or a dead server: the server ends the session anyway

    def __enter__(self) -> "Connection":
        self._check_open()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if error is None:
                self.commit()
            elif not self._closed:
                self.rollback()
        finally:
            self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("in transaction" if self._in_transaction else "idle")
        return f"<carrierdb.dbapi.Connection {self._database.backend} {self._database.url} {state}>"

    # -- what cursors use --------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise _error(InterfaceError, "this DB-API connection is closed", "open another with db.dbapi() or carrierdb.dbapi.connect(url)")

    def _begin_if_needed(self) -> None:
        if self.autocommit or self._in_transaction:
            return
        self._database._db.begin()
        self._in_transaction = True

    def _end_transaction(self, end) -> None:
        try:
            end()
        finally:
            self._in_transaction = False

    def _run(self, sql: str, params: Sequence[Any] | None):
        """(rows as tuples, columns, affected rows) of one statement, in this connection's transaction."""
        self._check_open()
        sqlite = self._database.backend == "sqlite"
        numbered, wanted = qmark_to_numbered(sql, brackets=sqlite, nested_comments=not sqlite)
        values = _parameters(params)
        if len(values) != wanted:
            raise _error(
                ProgrammingError,
                f"the statement has {wanted} ? placeholder(s) but {len(values)} parameter(s) were given",
                "paramstyle is 'qmark': one ? per parameter; write ?? for a literal ? (PostgreSQL's jsonb operators)",
            )
        self._begin_if_needed()
        try:
            return self._database._db.query_described(numbered, values, tuples=True)
        except TypeError as error:  # a parameter of a type SQL cannot take
            raise _error(ProgrammingError, str(error)) from error


def _parameters(params: Sequence[Any] | None) -> list[Any]:
    if params is None:
        return []
    if isinstance(params, (str, bytes)) or isinstance(params, dict) or not hasattr(params, "__len__"):
        raise _error(ProgrammingError, f"parameters must be a list or tuple (paramstyle is 'qmark'), not {type(params).__name__}")
    # datetime.time (dbapi.Time) has no engine value of its own: its ISO text is what both backends take.
    return [p.isoformat() if isinstance(p, _dt.time) else p for p in params]


class Cursor:
    """PEP 249 cursor: ``execute``, ``executemany``, ``fetchone``/``fetchmany``/``fetchall``,
    ``description``, ``rowcount``, ``arraysize``; iterating fetches rows one by one."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.arraysize = 1
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self._rows: list[tuple] = []
        self._position = 0
        self._closed = False

    def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> "Cursor":
        self._check_open()
        self._reset()
        rows, columns, affected = self.connection._run(operation, parameters)
        if columns:
            # (name, type_code, display_size, internal_size, precision, scale, null_ok): only the
            # first two are known; type_code is the column's kind and compares equal to STRING etc.
            self.description = [(name, kind, None, None, None, None, None) for name, kind, _oid, _list in columns]
            self._rows = rows
            self.rowcount = len(rows)
        else:
            self.rowcount = affected
        return self

    def executemany(self, operation: str, seq_of_parameters) -> "Cursor":
        self._check_open()
        total = 0
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
            total += max(self.rowcount, 0)
        self._reset()
        self.rowcount = total
        return self

    def fetchone(self) -> tuple | None:
        self._check_result()
        if self._position >= len(self._rows):
            return None
        row = self._rows[self._position]
        self._position += 1
        return row

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        self._check_result()
        size = self.arraysize if size is None else size
        rows = self._rows[self._position : self._position + size]
        self._position += len(rows)
        return rows

    def fetchall(self) -> list[tuple]:
        self._check_result()
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return rows

    def close(self) -> None:
        self._closed = True
        self._reset()

    def callproc(self, procname: str, parameters: Sequence[Any] = ()) -> None:
        raise _error(NotSupportedError, "callproc is not supported", "run `SELECT procname(?, ...)` or `CALL procname(?, ...)` with execute()")

    def nextset(self) -> None:
        raise _error(NotSupportedError, "nextset is not supported: a statement returns one result set")

    def setinputsizes(self, sizes) -> None:
        pass  # PEP 249 lets an implementation ignore size hints

    def setoutputsize(self, size, column=None) -> None:
        pass

    def __iter__(self) -> Iterator[tuple]:
        return self

    def __next__(self) -> tuple:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def __enter__(self) -> "Cursor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reset(self) -> None:
        self.description = None
        self.rowcount = -1
        self._rows = []
        self._position = 0

    def _check_open(self) -> None:
        if self._closed:
            raise _error(InterfaceError, "this cursor is closed", "take another with connection.cursor()")
        self.connection._check_open()

    def _check_result(self) -> None:
        self._check_open()
        if self.description is None:
            # psycopg's wording, which tools that fetch after any statement (JupySQL's %sql) recognise.
            raise _error(ProgrammingError, "no results to fetch: the last statement returned no result set (or none was executed)")
