"""``migrate lint``'s result: the lock hazards the static rules found in PostgreSQL migration files.

Each finding is a :class:`LintFinding` (rule, severity, migration, file, line, statement, lock,
blocks, message, rewrite); :class:`LintResult` holds them with what was linted and any notes (an
SQLite folder is not linted: SQLite has no table locks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _core
from .reports import _row

__all__ = ["LintFinding", "LintResult", "RULES"]

LintFinding = _row(_core.LintFinding)
RULES: tuple[str, ...] = tuple(_core.lint_rule_names)


@dataclass(frozen=True)
class LintResult:
    """The findings of one lint run over ``directory``; ``selection`` is ``all``, ``pending`` or the
    migration name asked for. ``ok`` is False when any finding is an error."""

    directory: str
    selection: str
    findings: list = field(default_factory=list)
    linted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def to_json(self) -> dict[str, Any]:
        return {"directory": self.directory, "selection": self.selection, "linted": self.linted,
                "findings": [f.to_json() for f in self.findings], "errors": self.errors, "warnings": self.warnings,
                "ok": self.ok, "notes": self.notes}

    def __str__(self) -> str:
        lines = []
        for f in self.findings:
            lines.append(f"{f.file}:{f.line}: {f.severity} [{f.rule}] {f.message}")
            lines.append(f"    statement: {f.statement}")
            if f.lock:
                lines.append(f"    lock:      {f.lock}, blocking {f.blocks}")
            lines.append(f"    instead:   {f.rewrite}")
        lines += [f"note: {n}" for n in self.notes]
        lines.append(f"linted {len(self.linted)} migration(s) ({self.selection}): {self.errors} error(s), {self.warnings} warning(s)")
        return "\n".join(lines)
