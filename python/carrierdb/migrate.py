"""Migrations: Prisma-compatible history, deploy (and dry-run), status, rollback, resolve, reset.

    db = carrierdb.connect()
    migrations = db.migrations()            # migrations/ under the project root
    print(migrations.status())
    migrations.deploy(progress=True)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Optional

from . import _core
from .config import project_root
from .data_migrations import new_python_migration, run_step
from .progress import Progress, progress_reporter
from .reports import DeployReport, MigrationEntry, MigrationStatus

__all__ = ["DeployReport", "MigrationEntry", "MigrationStatus", "Migrations"]

DEFAULT_TABLE = "_prisma_migrations"


class Migrations:
    """The migrations folder applied to one database."""

    # db is the carrierdb.Database (not imported: database imports this module).
    def __init__(self, db: Any, directory: Optional[str | Path] = None, *, table: str = DEFAULT_TABLE,
                 lock_timeout: float = 10.0) -> None:
        self.db = db
        self.directory = Path(directory) if directory is not None else project_root() / "migrations"
        # migration.py runs with this Database lent the migrator's connection and transaction.
        self._engine = _core.Migrator(db._db, str(self.directory), table, lock_timeout, data_steps=functools.partial(run_step, db))

    def status(self) -> _core.MigrationStatus:
        return self._engine.status()

    def deploy(self, *, dry_run: bool = False, allow_edited: bool = False, trace_locks: bool = False,
               single_transaction: bool = False, replay: bool = False, progress: Progress = None) -> _core.DeployReport:
        """Apply pending migrations, each in its own transaction. ``dry_run`` runs them in one
        transaction that is rolled back. Raises MigrationError subclasses on refusal or failure.
        ``trace_locks`` (with ``dry_run``, PostgreSQL only) fills ``report.lock_traces``: per
        statement, the table locks it took (from pg_locks), what they block, how long they are held.
        ``single_transaction``: all pending migrations in one transaction, applied together or not at
        all (Alembic's default), when each can run in a transaction, none has a migration.py and none
        needs a commit before the next (a PostgreSQL enum value added, a SQLite rebuild); else one
        transaction each. ``replay`` (a shadow database's): the SQL only, migration.py not run, in as
        few transactions as those commits allow."""
        with progress_reporter(progress, "dry run" if dry_run else "deploy", "migration") as report:
            return self._engine.deploy(dry_run=dry_run, allow_edited=allow_edited, trace_locks=trace_locks,
                                       single_transaction=single_transaction, replay=replay, progress=report)

    def rollback(self, steps: int = 1, *, to: Optional[str] = None, accept_data_loss: bool = False,
                 progress: Progress = None) -> _core.DeployReport:
        """Run down.sql of the latest ``steps`` applied migrations, or of all applied after ``to``.

        Down scripts that drop tables or columns holding rows are refused with DataLossError
        (its ``losses`` list each table or column and its row count; nothing is changed) unless
        ``accept_data_loss`` (Prisma's ``--accept-data-loss``)."""
        with progress_reporter(progress, "rollback", "migration") as report:
            return self._engine.rollback(steps=steps, to=to or "", accept_data_loss=accept_data_loss, progress=report)

    def resolve(self, *, applied: Optional[str] = None, rolled_back: Optional[str] = None) -> None:
        """Prisma's ``migrate resolve``: record ``applied`` as applied without running it
        (baselining), or mark the failed ``rolled_back`` migration as rolled back."""
        if (applied is None) == (rolled_back is None):
            raise _core.ConfigurationError("resolve takes exactly one of applied=NAME or rolled_back=NAME")
        if applied is not None:
            self._engine.resolve_applied(applied)
        else:
            self._engine.resolve_rolled_back(rolled_back)

    def reset(self, *, allow_production: bool = False, replay: bool = False, progress: Progress = None) -> _core.DeployReport:
        """Drop every object in the schema and apply all migrations. Refused in the production
        environment (``db.environment.is_production``) unless ``allow_production``. ``replay`` as
        for :meth:`deploy` (a shadow database)."""
        with progress_reporter(progress, "reset", "migration") as report:
            return self._engine.reset(self.db.environment.engine_name, allow_production=allow_production, replay=replay,
                                      progress=report)

    def new(self, name: str, *, python: bool = False) -> Path:
        """Create ``<timestamp>_<name>/`` with empty migration.sql and down.sql, and this
        database's variants (``migration.sqlite.sql``, ``down.sqlite.sql``) when
        migration_lock.toml names another provider; ``python`` adds migration.py (a data step)."""
        folder = Path(_core.create_migration(str(self.directory), name, self.db.backend, self.db.backend))
        if python:
            new_python_migration(folder, name)
        return folder

    def __repr__(self) -> str:
        return f"<carrierdb.Migrations {self.directory} on {self.db.url}>"
