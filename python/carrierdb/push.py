"""``db push``: the schema applied to a database directly, without a migration (for prototyping).
The live database is read back, diffed against the schema, and the script runs in one transaction.
Refused in production, and when the change may lose data unless that is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from . import _core
from .config import Environment, project_root
from .database import connect_for_migrations
from .develop import counted_losses, enum_renames
from .shadow import HISTORY_TABLES

__all__ = ["DbPush", "db_push"]


@dataclass(frozen=True)
class DbPush:
    """What ``db push`` changed: one summary line per change, the warnings it accepted, the script
    it ran and its statement count (an empty summary: the database already matched)."""

    url: str
    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    script: str = ""
    statements: int = 0
    data_loss: list[str] = field(default_factory=list)  # accepted: counted in the database before the push

    @property
    def in_sync(self) -> bool:
        return not self.summary

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "in_sync": self.in_sync, "summary": self.summary, "warnings": self.warnings, "script": self.script,
                "statements": self.statements, "data_loss": self.data_loss}

    def __str__(self) -> str:
        if self.in_sync:
            return f"{self.url} already matches the schema: nothing to push"
        return "\n".join([*self.summary, *(f"warning: {w}" for w in self.warnings), *(f"data loss (accepted): {d}" for d in self.data_loss),
                          f"pushed to {self.url} ({self.statements} statement(s), one transaction; no migration written)"])


def db_push(url: Optional[str] = None, env: str | Environment | None = None, *, schema: Optional[str | Path] = None,
            accept_data_loss: bool = False, rename_enum_values: Sequence[str] = ()) -> DbPush:
    """See :func:`carrierdb.commands.db_push`."""
    parsed = _core.Schema.load(str(schema or project_root() / "schema.prisma"))
    with connect_for_migrations(url, env=env) as db:
        if db.environment.is_production:
            raise _core.MigrationStateError(f"refusing to push the schema to {db.url} in the production environment: db push "
                                            "writes no migration; create one with `carrierdb migrate dev` and deploy it")
        renames = enum_renames(rename_enum_values)
        live = _core.read_target_model(db._db, list(HISTORY_TABLES))
        target = _core.target_model_of(parsed, db.backend)
        diff = _core.diff_target_models(live, target, renames)
        if not diff["summary"]:
            return DbPush(db.url)
        losses = counted_losses(db, live, target, renames, accept_data_loss, "pushing the schema")
        statements = _core.push_script(db._db, diff["script"])
        return DbPush(db.url, diff["summary"], diff["warnings"], diff["script"], statements, losses)
