"""Databases cloned from templates before a test asks, and dropped after it, off the test's path.

One background thread makes every clone: it keeps ``depth`` clones of each template in use ready,
and drops the databases tests gave back when no clone is wanted. A test takes a ready clone (a
deque pop) or waits for the one being made; with one producer, two ``CREATE DATABASE`` never
compete for the machine's cores. ``close()`` stops the thread and drops every database the pool
made, handed out or not: nothing stays on the server.
"""

from __future__ import annotations

import collections
import threading

from carrierdb.testing.owners import new_name, quoted


class ClonePool:
    def __init__(self, admin_url: str, depth: int = 2):
        import carrierdb

        self.depth = depth
        # Only the background thread uses this connection after __init__; close() after joining it.
        self._admin = carrierdb.connect(admin_url, pool_size=1)
        self._ready: dict[str, collections.deque[str]] = {}
        self._failed: dict[str, BaseException] = {}
        self._drops: collections.deque[str] = collections.deque()
        self._made: set[str] = set()  # every database created and not dropped yet
        self._wake = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._work, name="carrierdb-clone-pool", daemon=True)
        self._thread.start()

    def take(self, template: str) -> str:
        """The name of a new database cloned from ``template``, for the caller alone; raises what
        cloning raised (a template that does not exist, a server that went away)."""
        with self._wake:
            ready = self._ready.setdefault(template, collections.deque())
            self._wake.notify_all()
            while not ready:
                error = self._failed.pop(template, None)
                if error is not None:
                    raise error
                if self._closing or not self._thread.is_alive():
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
        """(what, name) to do next, clones first; None once closing. Called holding the lock."""
        while not self._closing:
            for template, ready in self._ready.items():
                if len(ready) < self.depth and template not in self._failed:
                    return "clone", template
            if self._drops:
                return "drop", self._drops.popleft()
            self._wake.wait()
        return None

    def _work(self) -> None:
        while True:
            with self._wake:
                job = self._next_job()
            if job is None:
                return
            what, name = job
            try:
                if what == "drop":
                    self._admin.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")
                    with self._wake:
                        self._made.discard(name)
                    continue
                clone = new_name("t")
                with self._wake:
                    self._made.add(clone)
                self._admin.execute(f"CREATE DATABASE {quoted(clone)} TEMPLATE {quoted(name)}")
                with self._wake:
                    self._ready[name].append(clone)
                    self._wake.notify_all()
            except BaseException as error:  # noqa: BLE001  (handed to the test that waits for this template)
                with self._wake:
                    if what == "clone":
                        self._failed[name] = error
                        self._ready.pop(name, None)  # asked for again by the next take()
                    self._wake.notify_all()

    def close(self) -> list[str]:
        """Stops the background thread and drops every database this pool made; returns the names
        it could not drop (empty when the server is clean)."""
        with self._wake:
            self._closing = True
            self._wake.notify_all()
        self._thread.join(timeout=120)
        left = []
        for name in sorted(self._made):
            try:
                self._admin.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")
            except Exception:  # noqa: BLE001  (the server may be gone already)
                left.append(name)
        self._admin.close()
        return left
