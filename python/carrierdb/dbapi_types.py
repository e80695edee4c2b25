"""PEP 249's exceptions, type objects and constructors, for carrierdb.dbapi."""

from __future__ import annotations

import datetime as _dt
import time as _time

from . import _core

__all__ = [
    "BINARY", "DATETIME", "NUMBER", "ROWID", "STRING",
    "Binary", "DataError", "DatabaseError", "Date", "DateFromTicks", "Error", "IntegrityError", "InterfaceError",
    "InternalError", "NotSupportedError", "OperationalError", "ProgrammingError", "Time", "TimeFromTicks", "Timestamp",
    "TimestampFromTicks", "Warning",
]

# carrierdb's error tree already carries PEP 249's names (bind_errors.cpp): they are the same
# classes, so `except carrierdb.IntegrityError` and `except dbapi.IntegrityError` are one thing.
Error = _core.CarrierDBError
InterfaceError = _core.InterfaceError
DatabaseError = _core.DatabaseError
DataError = _core.DataError
OperationalError = _core.OperationalError
IntegrityError = _core.IntegrityError
InternalError = _core.InternalError
ProgrammingError = _core.ProgrammingError


class NotSupportedError(DatabaseError):
    """A DB-API method or feature carrierdb does not provide (``callproc``, ``nextset``)."""


class Warning(Exception):  # noqa: A001 - PEP 249 names it so
    """PEP 249's Warning; carrierdb raises none today (kept for code that catches it)."""


def _error(kind: type, message: str, hint: str | None = None) -> Exception:
    """An error raised here, shaped like the engine's (``message``, ``hint``, ``str()`` both)."""
    error = kind(message + (f"\nhint: {hint}" if hint else ""))
    error.message, error.hint = message, hint
    return error


# -- types and constructors ------------------------------------------------------------------
class _TypeObject:
    """Compares equal to each column kind (``Cursor.description``'s type_code) of its group."""

    def __init__(self, name: str, *kinds: str):
        self._name, self._kinds = name, frozenset(kinds)

    def __eq__(self, other: object) -> bool:
        return other in self._kinds if isinstance(other, str) else other is self

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f"<carrierdb.dbapi.{self._name}>"


STRING = _TypeObject("STRING", "text", "json")
BINARY = _TypeObject("BINARY", "bytes")
NUMBER = _TypeObject("NUMBER", "integer", "real", "numeric", "boolean")
DATETIME = _TypeObject("DATETIME", "timestamp", "timestamptz", "date")
ROWID = _TypeObject("ROWID")  # neither backend reports a column as a row id

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> _dt.date:
    return Date(*_time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:
    return Time(*_time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:
    return Timestamp(*_time.localtime(ticks)[:6])
