"""A directory the process may not look into is "not the project root", never a crash.

Found on a fresh Debian: the checkout lived under /root (mode 0700) and a test that dropped
privileges while its working directory was there died of PermissionError in project_root().
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import carrierdb
from carrierdb.config import project_root, resolve
from carrierdb.seeds import seed_directory

NOBODY = 65534


def run_below_unsearchable_directory(workdir: Path, check) -> dict:
    """check()'s result (a dict), run in a forked child whose working directory is ``workdir`` and
    which may not search the directory above it: as root the child becomes `nobody` (the directory is
    0700 and root's, like /root); otherwise the directory loses its search bit."""
    private = workdir.parent
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        try:
            os.chdir(workdir)
            for name in ("CARRIERDB_PROJECT_DIR", "DATABASE_URL", "CARRIERDB_ENV"):
                os.environ.pop(name, None)
            if os.geteuid() == 0:
                private.chmod(0o700)
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            else:
                private.chmod(0o600)
            try:
                os.stat(workdir / "schema.prisma")
                reachable = True
            except PermissionError:
                reachable = False
            result = {"premise: workdir unreachable by absolute path": not reachable, **check()}
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            result = {"error": f"{type(e).__name__}: {e}"}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reported = json.loads(pipe.read().decode() or '{"error": "child reported nothing"}')
    os.waitpid(pid, 0)
    private.chmod(0o755)
    return reported


def test_project_root_below_an_unsearchable_directory_falls_back_to_the_working_directory(carrierdb_backend, request):
    private = Path(tempfile.mkdtemp(prefix="carrierdb-private-"))
    # What the child writes to (the SQLite file) must be reachable without the private directory.
    shared = Path(tempfile.mkdtemp(prefix="carrierdb-shared-"))
    shared.chmod(0o777)
    try:
        workdir = private / "project"
        workdir.mkdir()
        (workdir / "schema.prisma").write_text("")
        (workdir / "migrations").mkdir()
        url = f"sqlite:{shared}/app.db" if carrierdb_backend == "sqlite" else request.getfixturevalue("carrierdb_url")

        def check() -> dict:
            db = carrierdb.connect(url)
            try:
                db.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY)")
                migrations_directory = str(db.migrations().directory)
            finally:
                db.close()
            resolution = resolve(env="test")
            return {
                "project_root": str(project_root()),
                "embedded_default": resolution.embedded_default,
                "default_url": resolution.url,
                "seed_directory": str(seed_directory("test")),
                "migrations_directory": migrations_directory,
            }

        reported = run_below_unsearchable_directory(workdir, check)
        assert "error" not in reported, reported["error"]
        assert reported["premise: workdir unreachable by absolute path"]
        # Neither the working directory nor its parent can be probed, so the root is where we are.
        assert reported["project_root"] == str(workdir.resolve())
        assert reported["embedded_default"]
        assert reported["default_url"] == f"sqlite:{workdir.resolve()}/.carrierdb/test.db"
        assert reported["seed_directory"] == str(workdir.resolve() / "seeds" / "testing")
        assert reported["migrations_directory"] == str(workdir.resolve() / "migrations")
    finally:
        shutil.rmtree(private)
        shutil.rmtree(shared)
