"""A DB-API 2.0 (PEP 249) face of carrierdb: ``carrierdb.dbapi.connect(url)`` or ``db.dbapi()``.

For tools that speak DB-API (``pandas.read_sql`` and others; notebooks' SQL magics are not tested): ``qmark`` placeholders on
both backends, rows as tuples, PEP 249's implicit transactions (each connection is a session of
its own, as with any DB-API driver), and its exception names, which are carrierdb's own classes.
The objects live in ``dbapi_types`` and ``dbapi_connection`` (which ``Database.dbapi()`` uses);
this module adds the globals and ``connect()``.
"""

from __future__ import annotations

from typing import Any

from .database import connect as _open_database
from .dbapi_connection import Connection, Cursor
from . import dbapi_types
from .dbapi_types import *  # noqa: F403  (the exceptions, type objects and constructors, all public here)

__all__ = [*dbapi_types.__all__, "Connection", "Cursor", "apilevel", "connect", "paramstyle", "threadsafety"]

apilevel = "2.0"
# Threads may share the module, not a connection: a connection's transaction belongs to one thread.
threadsafety = 1
# One style on both backends; the engine's $n is not a PEP 249 style, so `?` is rewritten to it.
paramstyle = "qmark"


def connect(url: str | None = None, **options: Any) -> "Connection":
    """Open a database (as :func:`carrierdb.connect`) and return a DB-API connection owning it:
    ``close()`` closes the database too."""
    return Connection(_open_database(url, **options), owns_database=True)
