"""Databases cloned from templates before a test asks, and dropped after it, off the test's path.

Background threads (two: the machine has two cores) make every clone: they keep ``depth`` clones
of each template in use ready, each with a connected handle (a PostgreSQL login is a backend fork
and an authentication: as costly as the clone here), and drop the databases tests gave back when
no clone is wanted. A test takes a ready clone (a deque pop) or waits for one being made.
``close()`` stops the threads and drops every database the pool made, handed out or not: nothing
stays on the server.
"""

from __future__ import annotations

import collections
import threading

from carrierdb.testing.owners import new_name, quoted
from carrierdb.testing.urls import with_database


class ClonePool:
    def __init__(self, admin_url: str, depth: int = 3, workers: int = 2, drops_held: int = 16):
        import carrierdb

        self.admin_url = admin_url
        self.depth = depth
        self.drops_held = drops_held
        # The workers' connections (one each); close() uses the first after joining them.
        self._admins = [carrierdb.connect(admin_url, pool_size=1) for _ in range(workers)]
        # FILE_COPY (PostgreSQL 15+; older servers only copy files) copies the template's files and
        # logs one record; the default WAL_LOG logs every block, 8 MB of WAL a clone, which can run a
        # streaming standby of the test server (tests/py/standby.py) out of WAL to replay.
        version = int(self._admins[0].query("SHOW server_version_num")[0]["server_version_num"])
        self._strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
        self._making: collections.Counter[str] = collections.Counter()
        self._ready: dict[str, collections.deque[tuple[str, object]]] = {}
        self._failed: dict[str, BaseException] = {}
        self._drops: collections.deque[str] = collections.deque()
        self._made: set[str] = set()  # every database created and not dropped yet
        self._wake = threading.Condition()
        self._closing = False
        self._threads = [threading.Thread(target=self._work, args=(admin,), name="carrierdb-clone-pool", daemon=True)
                         for admin in self._admins]
        for thread in self._threads:
            thread.start()

    def take(self, template: str) -> tuple[str, object]:
        """The name of a new database cloned from ``template``, for the caller alone, and a
        ``carrierdb._core.Database`` connected to it (the caller closes it); raises what cloning
        raised (a template that does not exist, a server that went away)."""
        with self._wake:
            ready = self._ready.setdefault(template, collections.deque())
            self._wake.notify_all()
            while not ready:
                error = self._failed.pop(template, None)
                if error is not None:
                    raise error
                if self._closing or not any(thread.is_alive() for thread in self._threads):
                    raise RuntimeError("carrierdb's clone pool is closed: the test session is ending")
                self._wake.wait()
            name = ready.popleft()
            self._wake.notify_all()  # one slot free: refill
            return name

    def give_back(self, name: str) -> None:
        """Drops ``name`` in the background (its connections are ended: WITH (FORCE))."""
        with self._wake:
            self._drops.append(name)
            self._wake.notify_all()

    def _next_job(self) -> tuple[str, str] | None:
        """(what, name) to do next; None once closing. Called holding the lock. Clones come first,
        drops wait for a moment without one, unless ``drops_held`` databases already wait (each
        holds the template's size on tmpfs)."""
        while not self._closing:
            if len(self._drops) > self.drops_held:
                return "drop", self._drops.popleft()
            for template, ready in self._ready.items():
                if len(ready) + self._making[template] < self.depth and template not in self._failed:
                    self._making[template] += 1
                    return "clone", template
            if self._drops:
                return "drop", self._drops.popleft()
            self._wake.wait()
        return None

    def _work(self, admin) -> None:
        from carrierdb import _core

        while True:
            with self._wake:
                job = self._next_job()
            if job is None:
                return
            what, name = job
            try:
                if what == "drop":
                    admin.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")
                    with self._wake:
                        self._made.discard(name)
                    continue
                clone = new_name("t")
                with self._wake:
                    self._made.add(clone)
                admin.execute(f"CREATE DATABASE {quoted(clone)} TEMPLATE {quoted(name)}{self._strategy}")
                handle = _core.Database.open(with_database(self.admin_url, clone))
                with self._wake:
                    # A concurrent clone of this template may have failed and removed its deque:
                    # make a new one (a KeyError here would report the template as broken).
                    self._ready.setdefault(name, collections.deque()).append((clone, handle))
                    self._wake.notify_all()
            except BaseException as error:  # noqa: BLE001  (handed to the test that waits for this template)
                with self._wake:
                    if what == "clone":
                        self._failed[name] = error
                        # Asked for again by the next take(); the ready clones' connections close.
                        for discarded, handle in self._ready.pop(name, ()):
                            handle.close()
                            self._drops.append(discarded)
                    self._wake.notify_all()
            finally:
                if what == "clone":
                    with self._wake:
                        self._making[name] -= 1

    def close(self) -> list[str]:
        """Stops the background thread and drops every database this pool made; returns the names
        it could not drop (empty when the server is clean)."""
        with self._wake:
            self._closing = True
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=120)
        for ready in self._ready.values():
            for _, handle in ready:
                handle.close()
        left = []
        for name in sorted(self._made):
            try:
                self._admins[0].execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")
            except Exception:  # noqa: BLE001  (the server may be gone already)
                left.append(name)
        for admin in self._admins:
            admin.close()
        return left
