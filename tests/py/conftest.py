"""Shared helpers for carrierdb's own tests. Database fixtures come from carrierdb.pytest_plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from standby import pg_standby  # noqa: F401  (a session fixture: a real streaming standby)
from pgbouncer import pgbouncer, pgbouncer_url  # noqa: F401  (fixtures: a real PgBouncer in transaction mode)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_cli(tmp_path: Path):
    """Run the `carrierdb` command in a clean project directory; returns CompletedProcess."""

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, unset=("DATABASE_URL",)):
        environ = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("CARRIERDB_PROJECT")}
        environ.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "carrierdb.cli", *args],
            cwd=cwd or tmp_path,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project (migrations/, seeds/, schema.prisma) that a test may change."""
    for name in ("migrations", "seeds"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "schema.prisma", tmp_path / "schema.prisma")
    return tmp_path


@pytest.fixture
def fleet_url(carrierdb_url: str, tmp_path: Path) -> str:
    """A database (both backends) with examples/fleet's migrations deployed, history table included."""
    import carrierdb

    folder = tmp_path / "fleet_migrations"
    shutil.copytree(REPO / "examples" / "fleet" / "migrations", folder)
    with carrierdb.connect(carrierdb_url) as db:
        assert db.migrations(folder).deploy().ok
    return carrierdb_url
