"""A real PgBouncer in transaction mode in front of the test server, for the whole session.

`pgbouncer_url(url)` turns a URL of the test server (carrierdb_admin_url, or a per-test
database on it) into the same database reached through PgBouncer. Server connections are few
(`default_pool_size`), so clients really do share them: a session lock, a named prepared statement
or a session SET made by one client lands on a server connection the next client may get.
PgBouncer refuses to run as root: it runs as `postgres` then, and is stopped by its PID at the end
of the session, also when tests fail. A missing pgbouncer binary fails the fixture under CI=true.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest

POOL_SIZE = 3  # server connections per (database, user): small enough that clients share them


@dataclass
class Pooler:
    host: str
    port: int
    pid: int
    log: Path

    def url(self, direct_url: str) -> str:
        """`direct_url` (any database on the test server) through PgBouncer."""
        parts = urlsplit(direct_url)
        credentials = parts.netloc.rsplit("@", 1)[0]
        return urlunsplit((parts.scheme, f"{credentials}@{self.host}:{self.port}", parts.path, parts.query, parts.fragment))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(admin_url: str, workdir: Path) -> tuple[subprocess.Popen, Pooler]:
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if binary is None:
        message = "pgbouncer is not installed (apt-get install pgbouncer; scripts/bootstrap installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = urlsplit(admin_url)
    user, password = unquote(server.username or "postgres"), unquote(server.password or "")
    port = _free_port()
    (workdir / "users.txt").write_text(f'"{user}" "{password}"\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server.hostname} port={server.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {workdir / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {POOL_SIZE}\nmin_pool_size = 0\nreserve_pool_size = 0\n"
        "max_client_conn = 400\nmax_db_connections = 0\n"
        # Per-test databases are dropped WITH (FORCE) while PgBouncer may still hold server
        # connections to them: let it forget them quickly.
        "server_idle_timeout = 2\nserver_lifetime = 60\nserver_login_retry = 1\n"
        "ignore_startup_parameters = extra_float_digits\nlog_connections = 0\nlog_disconnections = 0\n"
        f"logfile = {workdir / 'pgbouncer.log'}\npidfile =\n"
    )
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chmod(workdir, 0o700)
        for path in [workdir, *workdir.iterdir()]:
            os.chown(path, owner.pw_uid, owner.pw_gid)
        run_as = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    else:
        run_as = {}
    # -q: PgBouncer logs to its logfile only. Its stderr must never be a pipe nobody reads: once
    # the pipe is full, PgBouncer blocks on a log line and stops answering.
    proc = subprocess.Popen([binary, "-q", str(workdir / "pgbouncer.ini")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=workdir, **run_as)
    deadline = time.monotonic() + 15
    while True:
        if proc.poll() is not None:
            log = (workdir / "pgbouncer.log").read_text() if (workdir / "pgbouncer.log").exists() else ""
            raise RuntimeError(f"pgbouncer exited with {proc.returncode}: {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("pgbouncer did not start listening within 15 s")
            time.sleep(0.05)
    return proc, Pooler("127.0.0.1", port, proc.pid, workdir / "pgbouncer.log")


@pytest.fixture(scope="session")
def pgbouncer(carrierdb_admin_url: str) -> Iterator[Pooler]:
    admin_url = carrierdb_admin_url
    workdir = Path(tempfile.mkdtemp(prefix="carrierdb-pgbouncer."))
    proc, pooler = _start(admin_url, workdir)
    try:
        yield pooler
    finally:
        # SIGTERM can still wait for clients in 1.18; nothing here needs a graceful end.
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pgbouncer_url(pgbouncer: Pooler) -> Callable[[str], str]:
    """Maps a URL of the test server to the same database through PgBouncer."""
    return pgbouncer.url
