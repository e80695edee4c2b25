"""A throwaway PostgreSQL server for one test session, made as scripts/pg-server makes it.

The data directory lives on tmpfs (``/dev/shm`` where there is one: ``CREATE DATABASE ... TEMPLATE``
is mostly the file system creating files, 16 to 31 ms there against 100 to 440 ms on disk), with
``fsync``, ``synchronous_commit`` and ``full_page_writes`` off: nothing in it needs to survive a
crash. As root the server runs as ``postgres`` (initdb refuses root). Every login needs the
password, over TCP (so wrong-password handling is tested for real) and over the unix socket, which
sits in the 0700 base directory with ``unix_socket_permissions=0700``: no other local user can
reach the server, and the password file initdb reads is deleted right after it. The password is
checked with md5, not scram as scripts/pg-server does: every test logs in to its own database,
and scram's 4,096 PBKDF2 rounds on both sides cost 10 ms of a busy 2-core machine per login.

The directory is named ``carrierdb-pg.<pid>.*`` after the process that started it: a session
killed with SIGKILL leaves its server running, and the next session stops it (``sweep_servers``).
"""

from __future__ import annotations

import atexit
import contextlib
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


TMPDIR_ENV = "CARRIERDB_TEST_TMPDIR"
MIN_FREE = 1 << 30  # Docker's default /dev/shm is 64 MB: a few clones fill it


def scratch_root() -> Path:
    """Where the test server and SQLite databases go: ``CARRIERDB_TEST_TMPDIR`` when set, else
    /dev/shm when writable with at least 1 GiB free, else the temporary directory."""
    if os.environ.get(TMPDIR_ENV):
        return Path(os.environ[TMPDIR_ENV])
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        stats = os.statvfs(shm)
        if stats.f_bavail * stats.f_frsize >= MIN_FREE:
            return shm
    return Path(tempfile.gettempdir())


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
        self.base.chmod(0o700)  # mkdtemp's mode already; the server's socket and data live here
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        password = secrets.token_hex(12)
        pwfile = self.base / "pwfile"
        descriptor = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(password + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        data = self.base / "data"
        try:
            init = self._run(str(self.bin_dir / "initdb"), "-D", str(data), "--auth-local=md5", "--auth-host=md5",
                             f"--pwfile={pwfile}", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        finally:
            pwfile.unlink(missing_ok=True)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed in {data}: {init.stdout}{init.stderr}")
        port = _free_port()
        options = (f"-p {port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c unix_socket_permissions=0700 "
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


def stop_directory(bin_dir: Path, base: Path) -> str:
    """Stops the server whose data lives under ``base`` (if it runs) and removes ``base``; says what
    it did. pg_ctl runs only when the postmaster.pid there names that data directory (a planted
    one naming another server's is left alone)."""
    data = base / "data"
    stopped = note = ""
    try:
        lines = (data / "postmaster.pid").read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    if lines:
        if len(lines) > 1 and Path(lines[1]).resolve() == data.resolve():
            prefix, options = _as_server_user()
            result = subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                                    capture_output=True, timeout=60, **options)
            stopped, note = ("stopped and ", "") if result.returncode == 0 else ("", " (its server was not running)")
        else:
            stopped = "did not stop (its postmaster.pid names another data directory) and "
    shutil.rmtree(base, ignore_errors=True)
    return f"{stopped}{'could not remove' if base.exists() else 'removed'} the PostgreSQL{note}"


def _ours(path: Path) -> bool:
    """Whether ``path`` (not followed if a link) belongs to this user, or to postgres when root."""
    try:
        owner = path.lstat().st_uid
    except OSError:
        return False
    if not path.is_dir() or path.is_symlink():
        return False
    uids = {os.geteuid()}
    if os.geteuid() == 0:
        import pwd

        with contextlib.suppress(KeyError):
            uids.add(pwd.getpwnam("postgres").pw_uid)
    return owner in uids


def sweep_servers() -> list[tuple[str, str]]:
    """Stops and removes the servers (and SQLite folders) of dead sessions on this machine, among
    the folders this user (or postgres, when root) owns; returns (folder, what was done) pairs."""
    bin_dir = server_bin()
    done = []
    for prefix in (DIR_PREFIX, SQLITE_PREFIX):
        for base in scratch_root().glob(f"{prefix}*.*"):
            pid = base.name[len(prefix):].split(".", 1)[0]
            if not pid.isdigit() or pid_alive(int(pid)) or (bin_dir is None and prefix == DIR_PREFIX) or not _ours(base):
                continue
            if prefix == DIR_PREFIX:
                done.append((str(base), stop_directory(bin_dir, base)))
            else:
                shutil.rmtree(base, ignore_errors=True)
                done.append((str(base), "could not remove the SQLite databases" if base.exists() else "removed the SQLite databases"))
    return done
