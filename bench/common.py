"""What every benchmark script shares: the project root, database URLs, and where results go."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def with_db(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` on the same server."""
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))


def save_result(benchmark: str, result: dict, lines: list[str] = ()) -> int:
    """Print the result's ``lines`` and write ``bench/results/<benchmark>.json`` (ignored by git)
    for later comparison; returns the script's exit status."""
    for line in lines:
        print(line)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{benchmark}.json").write_text(json.dumps(result, indent=2))
    return 0


def fresh_database(admin, admin_url: str, name: str, project: Path = ROOT) -> str:
    """A new database ``name`` with ``project``'s migrations deployed; returns its URL."""
    import carrierdb

    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = with_db(admin_url, name)
    db = carrierdb.connect(url, schema=str(project / "schema.prisma"))
    db.migrations(project / "migrations").deploy()
    db.close()
    return url


def psql_env(url: str) -> dict[str, str]:
    """The environment that points psql at ``url`` (libpq's PG* variables)."""
    p = urlsplit(url)
    env = dict(os.environ)
    env.update(PGHOST=p.hostname or "", PGPORT=str(p.port or 5432), PGUSER=p.username or "", PGPASSWORD=p.password or "",
               PGDATABASE=p.path.lstrip("/"))
    return env
