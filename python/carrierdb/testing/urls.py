"""Pointing a server URL at another database, and reading which database a URL names."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database. ``//`` stays even with an empty host
    (``postgresql:///postgres?host=/run/postgresql``, a unix socket), as do the query and fragment."""
    parts = urlsplit(url)
    result = f"{parts.scheme}://{parts.netloc}/{dbname}"
    if parts.query:
        result += "?" + parts.query
    if parts.fragment:
        result += "#" + parts.fragment
    return result


def database_of(url: str) -> str:
    """The database a server URL names (its path, without the query)."""
    return unquote(urlsplit(url).path.lstrip("/"))
