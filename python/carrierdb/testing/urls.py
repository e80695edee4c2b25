"""Pointing a server URL at another database."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))
