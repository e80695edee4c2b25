"""Names of the databases a test session creates, and the sweep of those a dead session left.

Every name a session creates starts with ``cdbt_<host>_<pid>_``: the host (a short hash of the
host name) and the pid of the process that owns it. A later session on the same host removes the
ones whose process is gone (killed with SIGKILL, a machine that lost power); a database of a live
session, or of another host (whose pids mean nothing here), is never touched. Each session holds
an advisory lock keyed on its prefix while it runs (``hold_lock``), and the sweep drops a prefix's
databases only when it can take that lock: two containers with the same host name sharing a server
never drop each other's live databases. Templates
(``cdbtpl_``) belong to no session: they are kept for the next session to reuse.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import secrets
import socket

PREFIX = "cdbt_"
TEMPLATE_PREFIX = "cdbtpl_"
HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_OWNED = re.compile(r"^cdbt_([0-9a-f]{6})_([0-9]+)_")
_counter = itertools.count(1)


def quoted(name: str) -> str:
    """``name`` as a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def new_name(kind: str) -> str:
    """A database name owned by this process, unique on the server (at most 63 bytes)."""
    return f"{owner_prefix()}{kind[:20]}_{next(_counter)}_{secrets.token_hex(3)}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def owner_prefix(pid: int | None = None) -> str:
    """The start of every database name process ``pid`` (default: this one) on this host creates."""
    return f"{PREFIX}{HOST}_{os.getpid() if pid is None else pid}_"


def lock_key(prefix: str) -> int:
    """The session-level advisory lock a live session holds for its ``prefix`` (a signed bigint)."""
    return int.from_bytes(hashlib.sha256(prefix.encode()).digest()[:8], "big", signed=True)


def hold_lock(admin_url: str):
    """A connection holding this process's owner lock for as long as it stays open: the sweep of
    another session (even in a container with the same host name, whose pids mean nothing here)
    never drops the databases of a session holding it."""
    from carrierdb import _core

    handle = _core.Database.open(admin_url)
    # try: a second TestDatabases of this process already holds it (a blocking call would wait forever).
    handle.query("SELECT pg_try_advisory_lock($1::bigint)", [lock_key(owner_prefix())])
    return handle


def stale(names: list[str]) -> list[str]:
    """The names among ``names`` that a dead process on this host owned (by its pid)."""
    dead = []
    for name in names:
        match = _OWNED.match(name)
        if match and match.group(1) == HOST and not pid_alive(int(match.group(2))):
            dead.append(name)
    return dead


def sweep_databases(admin) -> list[str]:
    """Drops the databases dead sessions on this host left on ``admin``'s server; returns their
    names. A prefix whose owner lock someone holds is a live session's, whatever its pid says."""
    names = [row["datname"] for row in admin.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [PREFIX])]
    by_owner: dict[str, list[str]] = {}
    for name in stale(names):
        by_owner.setdefault(_OWNED.match(name).group(0), []).append(name)
    removed = []
    for prefix, owned in by_owner.items():
        key = lock_key(prefix)
        if not admin.query("SELECT pg_try_advisory_lock($1::bigint) AS free", [key])[0]["free"]:
            continue
        try:
            for name in owned:
                admin.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")
                removed.append(name)
        finally:
            admin.query("SELECT pg_advisory_unlock($1::bigint)", [key])
    return removed
