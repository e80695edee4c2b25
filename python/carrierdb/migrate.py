"""Migrations: Prisma-compatible history, deploy (and dry-run), status, rollback, resolve, reset.

    db = carrierdb.connect()
    migrations = db.migrations()            # migrations/ under the project root
    print(migrations.status())
    migrations.deploy(progress=True)
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from . import _core
from .config import project_root
from .interrupts import reports_as
from .progress import Progress, progress_reporter

__all__ = ["DeployReport", "MigrationEntry", "MigrationStatus", "Migrations"]

DEFAULT_TABLE = "_prisma_migrations"


@dataclass(frozen=True)
class MigrationEntry:
    """One migration as the status sees it. ``state`` is one of applied, edited, pending,
    rolled_back (pending again after a rollback), failed, missing_locally."""

    name: str
    state: str
    local: bool
    has_down: bool
    transactional: bool
    applied_at: Optional[str]
    rolled_back_at: Optional[str]
    stored_checksum: Optional[str]
    current_checksum: Optional[str]
    logs: Optional[str]
    attempts: int


@dataclass
class MigrationStatus:
    directory: str
    url: str
    table: str
    history_exists: bool
    entries: list[MigrationEntry]
    needs_action: bool

    def by_state(self, state: str) -> list[str]:
        return [e.name for e in self.entries if e.state == state]

    @property
    def applied(self) -> list[str]:
        return self.by_state("applied")

    @property
    def pending(self) -> list[str]:
        return self.by_state("pending") + self.by_state("rolled_back")

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "url": self.url,
            "table": self.table,
            "history_exists": self.history_exists,
            "needs_action": self.needs_action,
            "migrations": [asdict(e) for e in self.entries],
        }

    def advice(self) -> str:
        states = {e.state for e in self.entries}
        if "failed" in states:
            name = self.by_state("failed")[0]
            return f"a failed migration blocks deploys: fix it, then `carrierdb migrate resolve --rolled-back {name}`"
        if "edited" in states:
            return "an applied migration was edited: restore it, or put the change in a new migration"
        if states & {"pending", "rolled_back"}:
            return "run `carrierdb migrate deploy`"
        if "missing_locally" in states:
            return "migrations applied to the database are missing from the folder: pull them, or check --dir"
        return "the database is up to date"

    def __str__(self) -> str:
        lines = [f"migrations in {self.directory} against {self.url} (history: {self.table})"]
        if self.entries:
            width = max(len(e.name) for e in self.entries)
            lines.append(f"  {'STATE':<16}{'MIGRATION':<{width + 2}}WHEN")
            for e in self.entries:
                when = e.applied_at or e.rolled_back_at or ""
                lines.append(f"  {e.state:<16}{e.name:<{width + 2}}{when}")
        counts: dict[str, int] = {}
        for e in self.entries:
            counts[e.state] = counts.get(e.state, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "none"
        lines.append(f"{len(self.entries)} migration(s): {summary}. {self.advice()}.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {"applied": "#2e7d32", "pending": "#f9a825", "rolled_back": "#f9a825", "failed": "#c62828", "edited": "#c62828", "missing_locally": "#6a1b9a"}
        rows = "".join(
            f"<tr><td style='color:{colour.get(e.state, 'inherit')}'>{html.escape(e.state)}</td>"
            f"<td><code>{html.escape(e.name)}</code></td><td>{html.escape(e.applied_at or e.rolled_back_at or '')}</td></tr>"
            for e in self.entries
        )
        return (
            f"<p>migrations in <code>{html.escape(self.directory)}</code> against <code>{html.escape(self.url)}</code></p>"
            f"<table><tr><th>state</th><th>migration</th><th>when</th></tr>{rows}</table>"
            f"<p>{html.escape(self.advice())}</p>"
        )

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame([asdict(e) for e in self.entries])


@dataclass
class DeployReport:
    """What deploy, rollback or reset did (or, for a dry run, would do)."""

    operation: str
    dry_run: bool
    migrations: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def names(self) -> list[str]:
        return [m["name"] for m in self.migrations]

    @property
    def ok(self) -> bool:
        return all(m["ok"] for m in self.migrations)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        verb = {"deploy": "applied", "rollback": "rolled back", "reset": "reset and applied"}[self.operation]
        if self.dry_run:
            verb = "dry run (nothing was changed)"
        lines = [f"{verb}: {len(self.migrations)} migration(s) in {self.seconds:.3f} s"]
        for m in self.migrations:
            if m["skipped"]:
                mark = "skip"
            else:
                mark = "ok  " if m["ok"] else "FAIL"
            line = f"  {mark} {m['name']}  {m['seconds'] * 1000:.1f} ms"
            if m["error"]:
                line += f"\n       {m['error']}"
            lines.append(line)
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


class Migrations:
    """The migrations folder applied to one database."""

    def __init__(self, db, directory: Optional[str | Path] = None, *, table: str = DEFAULT_TABLE, lock_timeout: float = 10.0):
        self.db = db
        self.directory = Path(directory) if directory is not None else project_root() / "migrations"
        self._engine = _core.Migrator(db._db, str(self.directory), table, lock_timeout)

    def status(self) -> MigrationStatus:
        raw = self._engine.status()
        return MigrationStatus(
            directory=str(self.directory),
            url=self.db.url,
            table=raw["table"],
            history_exists=raw["history_exists"],
            entries=[MigrationEntry(**e) for e in raw["entries"]],
            needs_action=raw["needs_action"],
        )

    def deploy(self, *, dry_run: bool = False, allow_edited: bool = False, progress: Progress = None) -> DeployReport:
        """Apply pending migrations, each in its own transaction. ``dry_run`` runs them in one
        transaction that is rolled back. Raises MigrationError subclasses on refusal or failure."""
        with progress_reporter(progress, "dry run" if dry_run else "deploy", "migration") as report, \
                reports_as(lambda raw: DeployReport("deploy", **raw)):
            raw = self._engine.deploy(dry_run=dry_run, allow_edited=allow_edited, progress=report)
        return DeployReport("deploy", **raw)

    def rollback(self, steps: int = 1, *, to: Optional[str] = None, accept_data_loss: bool = False,
                 progress: Progress = None) -> DeployReport:
        """Run down.sql of the latest ``steps`` applied migrations, or of all applied after ``to``.

        Down scripts that drop tables or columns holding rows are refused with DataLossError
        (its ``losses`` list each table or column and its row count; nothing is changed) unless
        ``accept_data_loss`` (Prisma's ``--accept-data-loss``)."""
        with progress_reporter(progress, "rollback", "migration") as report, reports_as(lambda raw: DeployReport("rollback", **raw)):
            raw = self._engine.rollback(steps=steps, to=to or "", accept_data_loss=accept_data_loss, progress=report)
        return DeployReport("rollback", **raw)

    def resolve(self, *, applied: Optional[str] = None, rolled_back: Optional[str] = None) -> None:
        """Prisma's ``migrate resolve``: record ``applied`` as applied without running it
        (baselining), or mark the failed ``rolled_back`` migration as rolled back."""
        if (applied is None) == (rolled_back is None):
            raise _core.ConfigurationError("resolve takes exactly one of applied=NAME or rolled_back=NAME")
        if applied is not None:
            self._engine.resolve_applied(applied)
        else:
            self._engine.resolve_rolled_back(rolled_back)

    def reset(self, *, allow_production: bool = False, progress: Progress = None) -> DeployReport:
        """Drop every object in the schema and apply all migrations. Refused in the production
        environment (``db.environment.is_production``) unless ``allow_production``."""
        with progress_reporter(progress, "reset", "migration") as report, reports_as(lambda raw: DeployReport("reset", **raw)):
            raw = self._engine.reset(self.db.environment.engine_name, allow_production=allow_production, progress=report)
        return DeployReport("reset", **raw)

    def new(self, name: str) -> Path:
        """Create ``<timestamp>_<name>/`` with empty migration.sql and down.sql, and this
        database's variants (``migration.sqlite.sql``, ``down.sqlite.sql``) when
        migration_lock.toml names another provider."""
        return Path(_core.create_migration(str(self.directory), name, self.db.backend, self.db.backend))

    def __repr__(self) -> str:
        return f"<carrierdb.Migrations {self.directory} on {self.db.url}>"
