"""Template databases: the project's migrations deployed (and the ``testing`` seed loaded) once,
then copied for each test.

A template's name carries the project's folder and a checksum of everything that shapes it
(``migrations/``, the ``testing`` seed set, ``schema.prisma``, carrierdb's version): a repeated session against the same server reuses
it, a changed file makes a new one and the project's stale one of that kind is removed. On PostgreSQL it is a database marked
``IS_TEMPLATE`` that accepts no connections (``CREATE DATABASE ... TEMPLATE`` fails while anyone is
connected to the source); on SQLite a file in pytest's cache directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import zlib
from pathlib import Path
from typing import Iterator

from carrierdb.testing.owners import TEMPLATE_PREFIX, new_name, quoted
from carrierdb.testing.urls import with_database

KINDS = ("migrated", "seeded")
SEED_SET = "testing"
_fingerprints: dict[str, str] = {}


def _visible(folder: Path) -> list[Path]:
    """The files under ``folder``, without hidden ones (.DS_Store) and __pycache__ (written while a
    template is built: counting them would make every next session build it again)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(
        part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts))


def _inputs(root: Path) -> list[Path]:
    """What a template is made of: schema.prisma, the migrations, the testing seed set's manifest
    and the files it lists (all of seeds/testing when the manifest cannot be read)."""
    files = [root / "schema.prisma"] if (root / "schema.prisma").is_file() else []
    if (root / "migrations").is_dir():
        files += _visible(root / "migrations")
    seeds = root / "seeds" / SEED_SET
    try:
        listed = json.loads((seeds / "manifest.json").read_text())["files"]
        files += [seeds / "manifest.json"] + [(seeds / entry["path"]).resolve() for entry in listed]
    except (OSError, ValueError, KeyError, TypeError):
        files += _visible(seeds) if seeds.is_dir() else []
    return [path for path in files if path.is_file()]


def fingerprint(root: Path) -> str:
    """A checksum of carrierdb's version and the files that shape a template of ``root``'s project,
    read once per session (per process): statting them for every test cost a millisecond, half
    the SQLite budget."""
    cached = _fingerprints.get(str(root))
    if cached is None:
        import carrierdb

        digest = hashlib.sha256(carrierdb.__version__.encode() + b"\0")
        for path in _inputs(root):
            digest.update(os.path.relpath(path, root).encode() + b"\0" + path.read_bytes() + b"\0")
        cached = _fingerprints[str(root)] = digest.hexdigest()[:16]
    return cached


def fill(url: str, root: Path, kind: str) -> None:
    """Deploys ``root``'s migrations on the database at ``url`` and, for ``seeded``, loads the testing seed."""
    import carrierdb

    schema = root / "schema.prisma"
    with carrierdb.connect(url, pool_size=1, schema=str(schema) if schema.is_file() else None) as db:
        db.migrations(root / "migrations").deploy()
        if kind == "seeded":
            db.seeds.apply(SEED_SET, directory=root / "seeds")


def template_name(root: Path, kind: str) -> str:
    """``cdbtpl_<kind>_<project>_<files>``: the project's folder is part of the name, so two
    checkouts sharing a server (or a test's copy of the project) never remove each other's."""
    place = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:6]
    return f"{TEMPLATE_PREFIX}{kind[0]}_{place}_{fingerprint(root)[:12]}"


def postgres_template(admin_url: str, root: Path, kind: str) -> str:
    """The name of the PostgreSQL template of ``kind`` for ``root``, built if missing. Sessions and
    xdist workers that need the same one wait for the first to build it (an advisory lock)."""
    import carrierdb

    name = template_name(root, kind)
    lock = zlib.crc32(name.encode())
    with carrierdb.connect(admin_url, pool_size=1) as admin:
        admin.query("SELECT pg_advisory_lock($1)", [lock])
        try:
            if admin.query("SELECT 1 AS x FROM pg_database WHERE datname = $1", [name]):
                return name
            build = new_name("build")
            admin.execute(f"CREATE DATABASE {quoted(build)}")
            try:
                fill(with_database(admin_url, build), root, kind)
                admin.execute(f"ALTER DATABASE {quoted(build)} RENAME TO {quoted(name)}")
            except BaseException:
                admin.execute(f"DROP DATABASE IF EXISTS {quoted(build)} WITH (FORCE)")
                raise
            admin.execute(f"ALTER DATABASE {quoted(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
            _drop_stale_templates(admin, name)
        finally:
            admin.query("SELECT pg_advisory_unlock($1)", [lock])
    return name


def _drop_stale_templates(admin, current: str) -> None:
    """Drops the other templates of ``current``'s kind: built from files that have changed since."""
    import carrierdb

    kind_prefix = current.rsplit("_", 1)[0] + "_"  # the same kind of the same project
    for row in admin.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2", [kind_prefix, current]):
        try:
            admin.execute(f"ALTER DATABASE {quoted(row['datname'])} WITH IS_TEMPLATE false")
            admin.execute(f"DROP DATABASE IF EXISTS {quoted(row['datname'])}")
        except carrierdb.CarrierDBError:
            pass  # a session still cloning it: the next session removes it


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_template(cache_dir: Path, root: Path, kind: str) -> Path:
    """The SQLite template file of ``kind`` for ``root`` in ``cache_dir``, built if missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    name = template_name(root, kind)
    path = cache_dir / f"{name}.db"
    with _file_lock(cache_dir / "templates.lock"):
        if path.is_file():
            return path
        build = cache_dir / f"{name}.{os.getpid()}.building.db"
        try:
            fill(f"sqlite:{build}", root, kind)
            os.replace(build, path)
        finally:
            for leftover in cache_dir.glob(f"{build.name}*"):
                leftover.unlink()
        for stale in cache_dir.glob(f"{name.rsplit('_', 1)[0]}_*.db"):
            if stale != path and ".building." not in stale.name:
                stale.unlink()
    return path
