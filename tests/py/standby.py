"""A real streaming standby of the test server, for tests of read-only targets.

``pg_standby`` (session-scoped) copies the test server (``carrierdb_admin_url``) with
``pg_basebackup -R`` and starts the copy as a hot standby on a free loopback port. Every database
the tests create on the primary appears on the standby once it has replayed that far:
``standby.url_for(primary_url)`` points a URL at the standby, ``standby.catch_up()`` waits for
the replay. Stopped at the end of the session, also when tests fail. Without the server
binaries the fixture fails under CI=true (nothing may hide a PostgreSQL test there) and skips
elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest

# Settings a hot standby must have at least as high as its primary, or it refuses to start.
_MATCHED_SETTINGS = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions", "max_locks_per_transaction")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"cannot start a PostgreSQL standby: {reason}")
    pytest.skip(f"cannot start a PostgreSQL standby: {reason}")


def _server_bin() -> Path | None:
    for candidate in [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]:
        if (candidate / "pg_basebackup").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Standby:
    primary_url: str  # admin URL of the primary
    port: int

    def url_for(self, primary_database_url: str) -> str:
        """The same database (and credentials) on the standby."""
        parts = urlsplit(primary_database_url)
        credentials = parts.netloc.rpartition("@")[0]
        return urlunsplit((parts.scheme, f"{credentials}@127.0.0.1:{self.port}", parts.path, parts.query, parts.fragment))

    @property
    def url(self) -> str:
        return self.url_for(self.primary_url)

    def catch_up(self, timeout: float = 30.0) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        import carrierdb

        with carrierdb.connect(self.primary_url, pool_size=1) as primary:
            # The insert position, not the write position: the test server runs with
            # synchronous_commit off, so a commit that has returned may not be written yet, and
            # waiting for the write position could let a test look at the standby too early.
            target = primary.query("SELECT pg_current_wal_insert_lsn()::text AS lsn")[0]["lsn"]
        deadline = time.monotonic() + timeout
        with carrierdb.connect(self.url, pool_size=1) as standby:
            while True:
                row = standby.query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done, pg_last_wal_replay_lsn()::text AS at", [target])[0]
                if row["done"]:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"the standby replayed only to {row['at']} of {target} within {timeout} s")
                time.sleep(0.02)


@pytest.fixture(scope="session")
def pg_standby(carrierdb_admin_url: str) -> Iterator[Standby]:
    primary_url = carrierdb_admin_url
    bin_dir = _server_bin()
    if bin_dir is None:
        _unavailable("pg_basebackup / pg_ctl not found under /usr/lib/postgresql (apt-get install postgresql-15)")

    import carrierdb

    with carrierdb.connect(primary_url, pool_size=1) as primary:
        settings = {name: primary.query(f"SHOW {name}")[0][name] for name in _MATCHED_SETTINGS}

    parts = urlsplit(primary_url)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Outside pytest's private (0700) temp tree: the server runs as postgres and must reach it.
    base = Path(tempfile.mkdtemp(prefix="carrierdb-standby-"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data = base / "data"
    env = dict(os.environ, PGPASSWORD=unquote(parts.password or ""), PGCONNECT_TIMEOUT="10")
    pg_ctl = [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        backup = subprocess.run(
            [*as_postgres, str(bin_dir / "pg_basebackup"), "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
             "-U", unquote(parts.username or "postgres"), "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"],
            env=env, capture_output=True, text=True, timeout=120,
        )
        if backup.returncode != 0:
            raise RuntimeError(f"pg_basebackup failed: {backup.stderr.strip()}")
        port = _free_port()
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in settings.items())
        start = subprocess.run([*pg_ctl, "-w", "-t", "60", "-l", str(base / "server.log"), "start", "-o", options],
                               capture_output=True, text=True, timeout=90)
        started = True
        if start.returncode != 0:
            log = (base / "server.log").read_text(errors="replace") if (base / "server.log").exists() else ""
            raise RuntimeError(f"the standby did not start: {start.stderr.strip()}\n{log[-2000:]}")
        standby = Standby(primary_url, port)
        with carrierdb.connect(standby.url, pool_size=1) as check:
            assert check.query("SELECT pg_is_in_recovery() AS r")[0]["r"] is True, "the copy is not in recovery"
        standby.catch_up()
        yield standby
    finally:
        if started:
            subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
