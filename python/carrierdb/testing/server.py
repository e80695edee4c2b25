"""A throwaway PostgreSQL server for one test session, made as scripts/pg-server makes it.

The data directory lives on tmpfs (``/dev/shm`` where there is one: ``CREATE DATABASE ... TEMPLATE``
is mostly the file system creating files, 16 to 31 ms there against 100 to 440 ms on disk), with
``fsync``, ``synchronous_commit`` and ``full_page_writes`` off: nothing in it needs to survive a
crash. As root the server runs as ``postgres`` (initdb refuses root). TCP logins need a password,
so wrong-password handling is tested for real; the unix socket stays trust. The password is
checked with md5, not scram as scripts/pg-server does: every test logs in to its own database,
and scram's 4,096 PBKDF2 rounds on both sides cost 10 ms of a busy 2-core machine per login.

The directory is named ``carrierdb-pg.<pid>.*`` after the process that started it: a session
killed with SIGKILL leaves its server running, and the next session stops it (``sweep_servers``).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from carrierdb.testing.owners import pid_alive

INSTALL_HINT = ("install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql-15; scripts/bootstrap --test does it) "
                "or set CARRIERDB_PG_BIN to the folder holding initdb and pg_ctl")
DIR_PREFIX = "carrierdb-pg."
SQLITE_PREFIX = "carrierdb-sqlite."  # a session's SQLite test databases, also named after its pid


def server_bin() -> Path | None:
    """The directory holding initdb and pg_ctl: ``CARRIERDB_PG_BIN`` when set (and nothing else then),
    else ``pg_config --bindir``, else /usr/lib/postgresql/*/bin (15 first, as scripts/pg-server chooses)."""
    if os.environ.get("CARRIERDB_PG_BIN"):
        folder = Path(os.environ["CARRIERDB_PG_BIN"])
        return folder if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file() else None
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            candidates.append(Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    candidates.append(Path("/usr/lib/postgresql/15/bin"))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def scratch_root() -> Path:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user() -> tuple[list[str], dict]:
    """The command prefix and subprocess options that run a server binary as an unprivileged user."""
    if os.geteuid() != 0:
        return [], {}
    # From /: the checkout may sit below a directory postgres cannot enter (/root is 0700).
    return ["runuser", "-u", "postgres", "--"], {"cwd": "/"}


class Server:
    """One PostgreSQL server: ``start()`` sets ``url`` (the admin URL); ``stop()`` removes everything.
    Stopped at interpreter exit too, by the process that started it only."""

    def __init__(self, bin_dir: Path, scratch: Path | None = None):
        self.bin_dir = bin_dir
        self.scratch = scratch  # where the data directory goes: default scratch_root()
        self.base: Path | None = None
        self.url = ""
        self._owner = os.getpid()

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix, options = _as_server_user()
        return subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=timeout, **options)

    def start(self) -> str:
        self.base = Path(tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}.", dir=self.scratch or scratch_root()))
        atexit.register(self.stop)
        self.base.chmod(0o755)
        password = secrets.token_hex(12)
        pwfile = self.base / "pwfile"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            for path in (self.base, pwfile):
                shutil.chown(path, "postgres", "postgres")
        data = self.base / "data"
        init = self._run(str(self.bin_dir / "initdb"), "-D", str(data), "--auth-local=trust", "--auth-host=md5",
                         f"--pwfile={pwfile}", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed in {data}: {init.stdout}{init.stderr}")
        port = _free_port()
        options = (f"-p {port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c password_encryption=md5")
        log = self.base / "server.log"
        started = self._run(str(self.bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(log), "start", "-o", options)
        if started.returncode != 0:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start from {data}: {started.stderr.strip()}\n{text[-2000:]}")
        self.url = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
        # initdb stored the password as scram (its default), which md5 logins then use: store its md5
        # hash instead (the hash, so the password itself appears in no statement).
        import carrierdb

        md5 = "md5" + hashlib.md5((password + "postgres").encode()).hexdigest()
        with carrierdb.connect(self.url, pool_size=1) as admin:
            admin.execute(admin.query("SELECT format('ALTER ROLE postgres PASSWORD %L', $1::text) AS s", [md5])[0]["s"])
        return self.url

    def stop(self) -> None:
        if self.base is None or os.getpid() != self._owner:
            return
        base, self.base = self.base, None
        stop_directory(self.bin_dir, base)


def stop_directory(bin_dir: Path, base: Path) -> None:
    """Stops the server whose data lives under ``base`` (if it runs) and removes ``base``."""
    if (base / "data" / "postmaster.pid").exists():
        prefix, options = _as_server_user()
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, **options)
    shutil.rmtree(base, ignore_errors=True)


def sweep_servers() -> list[str]:
    """Stops and removes the servers (and SQLite folders) of dead sessions on this machine; returns
    what it removed."""
    bin_dir = server_bin()
    removed = []
    for prefix in (DIR_PREFIX, SQLITE_PREFIX):
        for base in scratch_root().glob(f"{prefix}*.*"):
            pid = base.name[len(prefix):].split(".", 1)[0]
            if not pid.isdigit() or pid_alive(int(pid)) or (bin_dir is None and prefix == DIR_PREFIX):
                continue
            if prefix == DIR_PREFIX:
                stop_directory(bin_dir, base)
            else:
                shutil.rmtree(base, ignore_errors=True)
            removed.append(str(base))
    return removed
