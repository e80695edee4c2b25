"""One test process's databases: where PostgreSQL comes from, the templates, the clone pool and the
transaction fixture's databases; ``close()`` leaves nothing behind.

PostgreSQL comes from ``--carrierdb-url``, else ``CARRIERDB_TEST_DATABASE_URL``, else a server
this process (each pytest-xdist worker) starts on first use (``server.Server``). The URL of a started server is exported as
``CARRIERDB_TEST_DATABASE_URL`` for the session, so subprocesses (the CLI under test) and nested
pytest runs use the same server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from carrierdb.testing import owners, templates
from carrierdb.testing import server as servers
from carrierdb.testing.clone_pool import ClonePool
from carrierdb.testing.owners import new_name, quoted
from carrierdb.testing.urls import database_of, with_database

PG_ENV = "CARRIERDB_TEST_DATABASE_URL"


class Unavailable(Exception):
    """PostgreSQL cannot be had in this session; the message says why and what to do."""


class TestDatabases:
    __test__ = False  # not a test class, whatever pytest's naming rules say

    def __init__(self, configured_url: str | None, sqlite_cache: Path):
        self.configured_url = configured_url or None
        self.sqlite_cache = sqlite_cache
        self.server: servers.Server | None = None
        self._url: str | None = None
        self._unavailable: str | None = None
        self._exported = False
        self._pool: ClonePool | None = None
        self._tx: dict[tuple, object] = {}
        self._templates: dict[tuple, object] = {}
        self._handles: dict[str, object] = {}
        self._sqlite_dir: Path | None = None
        self._sqlite_count = 0
        self._owner_lock = None  # the connection holding this session's owner lock

    # -- the server ----------------------------------------------------------------------------
    def admin_url(self) -> str:
        """The admin URL of the session's PostgreSQL, starting a server on first use."""
        if self._url:
            return self._url
        if self._unavailable:
            raise Unavailable(self._unavailable)
        if self.configured_url:
            self._url = self.configured_url
            self._hold_owner_lock()
            return self._url
        bin_dir = servers.server_bin()
        if bin_dir is None:
            self._unavailable = (f"no PostgreSQL server binaries (initdb, pg_ctl) on this machine: {servers.INSTALL_HINT}; "
                                 f"or point {PG_ENV} or --carrierdb-url at a server")
            raise Unavailable(self._unavailable)
        self.server = servers.Server(bin_dir)
        try:
            self._url = self.server.start()
        except Exception as error:
            self.server.stop()
            self._unavailable = f"the throwaway PostgreSQL did not start: {error}"
            raise Unavailable(self._unavailable) from error
        os.environ[PG_ENV] = self._url
        self._exported = True
        self._hold_owner_lock()
        return self._url

    def _hold_owner_lock(self) -> None:
        """Marks this session live on the server (owners.hold_lock) until stop_server()."""
        if self._owner_lock is None:
            self._owner_lock = owners.hold_lock(self._url)

    # -- databases for one test ----------------------------------------------------------------
    def pool(self) -> ClonePool:
        if self._pool is None:
            self._pool = ClonePool(self.admin_url())
        return self._pool

    def postgres_clone(self, root: Path, kind: str | None) -> str:
        """A new database's URL: a clone of the ``kind`` template of ``root`` (None: an empty one).
        ``connect(url)`` hands out the connection the pool opened to it."""
        import carrierdb

        if kind is None:
            return self._handed_out(*self.pool().take("template1"))
        key = ("postgresql", str(root), kind, templates.fingerprint(root))
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = templates.postgres_template(self.admin_url(), root, kind)
        try:
            return self._handed_out(*self.pool().take(template))
        except carrierdb.CarrierDBError:
            # Another session of this project, with other files, replaced the template: build ours again.
            self._templates[key] = templates.postgres_template(self.admin_url(), root, kind)
            return self._handed_out(*self.pool().take(self._templates[key]))

    def _handed_out(self, name: str, handle) -> str:
        url = with_database(self.admin_url(), name)
        self._handles[url] = handle
        return url

    def connect(self, url: str):
        """``carrierdb.connect(url)``, with the connection the pool opened ahead when there is one."""
        import carrierdb
        from carrierdb.config import resolve
        from carrierdb.database import Database

        handle = self._handles.pop(url, None)
        return carrierdb.connect(url) if handle is None else Database(handle, resolve(url))

    def give_back(self, url: str) -> None:
        handle = self._handles.pop(url, None)
        if handle is not None:
            handle.close()
        self.pool().give_back(database_of(url))

    def sqlite_file(self) -> Path:
        """A new path for a test's SQLite database, on tmpfs where there is one (a file created in
        pytest's tmp_path costs milliseconds on a busy disk; on tmpfs microseconds)."""
        if self._sqlite_dir is None:
            self._sqlite_dir = Path(tempfile.mkdtemp(prefix=f"{servers.SQLITE_PREFIX}{os.getpid()}.", dir=servers.scratch_root()))
        self._sqlite_count += 1
        return self._sqlite_dir / f"test{self._sqlite_count}.db"

    def sqlite_clone(self, root: Path, kind: str, path: Path) -> str:
        """``path`` as a copy of the SQLite ``kind`` template of ``root``; returns its URL."""
        key = ("sqlite", str(root), kind, templates.fingerprint(root))
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = templates.sqlite_template(self.sqlite_cache, root, kind)
        try:
            shutil.copyfile(template, path)
        except FileNotFoundError:
            # Another session of this project, with other files, removed it: build ours again.
            template = self._templates[key] = templates.sqlite_template(self.sqlite_cache, root, kind)
            shutil.copyfile(template, path)
        return f"sqlite:{path}"

    @staticmethod
    def remove_sqlite(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def empty_postgres(self, stem: str) -> tuple[str, object]:
        """A new empty database named after ``stem``, and the admin connection that drops it."""
        import carrierdb

        admin = carrierdb.connect(self.admin_url(), pool_size=1)
        name = new_name(stem)
        admin.execute(f"CREATE DATABASE {quoted(name)}")
        return with_database(self.admin_url(), name), admin

    def transaction_database(self, backend: str, root: Path):
        """The session's seeded database of ``backend`` for ``root`` that the transaction fixture
        lends to one test at a time (connected once)."""
        import carrierdb

        key = (backend, str(root), templates.fingerprint(root))
        db = self._tx.get(key)
        if db is None:
            if backend == "sqlite":
                url = self.sqlite_clone(root, "seeded", self.sqlite_file())
            else:
                url = self.postgres_clone(root, "seeded")
            schema = root / "schema.prisma"
            db = self._tx[key] = carrierdb.connect(url, pool_size=1, schema=str(schema) if schema.is_file() else None)
        return db

    # -- the end -------------------------------------------------------------------------------
    def close(self) -> list[str]:
        """Drops every database this process made, stops its server; returns what could not be dropped."""
        for db in self._tx.values():
            db.close()
        self._tx.clear()
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        left = self._pool.close() if self._pool is not None else []
        self._pool = None
        if self._sqlite_dir is not None:
            shutil.rmtree(self._sqlite_dir, ignore_errors=True)
            self._sqlite_dir = None
        return left

    def stop_server(self) -> None:
        if self._exported:
            os.environ.pop(PG_ENV, None)
            self._exported = False
        if self._owner_lock is not None:
            self._owner_lock.close()
            self._owner_lock = None
        if self.server is not None:
            self.server.stop()
            self.server = None
        self._url = None
