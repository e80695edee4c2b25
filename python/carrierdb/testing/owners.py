"""Names of the databases a test session creates, and the sweep of those a dead session left.

Every name a session creates starts with ``cdbt_<host>_<pid>_``: the host (a short hash of the
host name) and the pid of the process that owns it. A later session on the same host removes the
ones whose process is gone (killed with SIGKILL, a machine that lost power); a database of a live
session, or of another host (whose pids mean nothing here), is never touched. Templates
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
    return f"{PREFIX}{HOST}_{os.getpid()}_{kind[:20]}_{next(_counter)}_{secrets.token_hex(3)}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def stale(names: list[str]) -> list[str]:
    """The names among ``names`` that a dead process on this host owned."""
    dead = []
    for name in names:
        match = _OWNED.match(name)
        if match and match.group(1) == HOST and not pid_alive(int(match.group(2))):
            dead.append(name)
    return dead


def sweep_databases(admin) -> list[str]:
    """Drops the databases dead sessions on this host left on ``admin``'s server; returns their names."""
    names = [row["datname"] for row in admin.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [PREFIX])]
    removed = []
    for name in stale(names):
        admin.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")
        removed.append(name)
    return removed
