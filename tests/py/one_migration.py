"""A throwaway project for one test module: its schema.prisma and a single migration (PostgreSQL,
and SQLite when given), deployed on the test's database."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import carrierdb

DATASOURCE = 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'


def deployed(url: str, root: Path, schema: str, postgres: str, sqlite: str | None = None) -> Iterator[carrierdb.Database]:
    """Writes the project under `root`, deploys it and yields the connected database (a fixture body)."""
    (root / "schema.prisma").write_text(schema)
    step = root / "migrations" / "20240101000000_init"
    step.mkdir(parents=True)
    (step / "migration.sql").write_text(postgres)
    if sqlite is not None:
        (step / "migration.sqlite.sql").write_text(sqlite)
    database = carrierdb.connect(url, schema=str(root / "schema.prisma"))
    try:
        assert database.migrations(root / "migrations").deploy().ok
        yield database
    finally:
        database.close()
