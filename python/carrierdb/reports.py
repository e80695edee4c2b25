"""What operations return: DeployReport, MigrationStatus, SeedReport, and the rows they hold.

Each report is one C++ struct, bound read-only in ``cpp/bindings/bind_reports.cpp``, which lists
its fields once (the class attribute ``__fields__``, in order). Everything else is derived from
that list here: ``to_json()``, ``repr()``, ``==``, and ``row["field"]`` on the rows (which were
plain dicts before and are still read that way). What each report shows as text (``str``, the
CLI's output) and as HTML (a notebook's) is written once, below, on the class itself.
"""

from __future__ import annotations

import html
from typing import Any, Sequence

from . import _core
from .display import Markup, html_table, pretty_as_text, text_table

__all__ = ["ValidationReport", "AppliedMigration", "DeployReport", "MigrationLocks", "StatementLocks", "TracedLock", "MigrationEntry", "MigrationStatus", "SeedFileResult", "SeedPruneEntry", "SeedReject", "SeedReport", "SeedRun"]


# -- what every report shares, from its bound fields -------------------------------------------

def _fields(report: Any) -> dict[str, Any]:
    return {name: getattr(report, name) for name in type(report).__fields__}


def _plain(value: Any) -> Any:
    if hasattr(type(value), "__fields__"):
        return value.to_json()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _to_json(self) -> dict[str, Any]:
    """The report as JSON-ready dicts and lists, keyed by field (the CLI's ``--json`` output)."""
    renamed = type(self).__json_names__
    return {renamed.get(name, name): _plain(value) for name, value in _fields(self).items()}


def _repr(self) -> str:
    return f"{type(self).__name__}({', '.join(f'{name}={value!r}' for name, value in _fields(self).items())})"


def _eq(self, other: Any) -> bool:
    if type(other) is not type(self):
        return NotImplemented
    return _fields(self) == _fields(other)


def _hash(self) -> int:
    return hash(tuple(_fields(self).values()))


def _getitem(self, name: str) -> Any:
    if name not in type(self).__fields__:
        raise KeyError(name)
    return getattr(self, name)


def _keys(self) -> tuple[str, ...]:
    return type(self).__fields__


def _report(bound: type) -> type:
    """Gives a bound report class what every report has, from its fields."""
    bound.to_json = _to_json
    bound.__repr__ = _repr
    bound.__eq__ = _eq
    bound.__hash__ = _hash
    return bound


def _shows(bound: type):
    """Puts the members of the decorated class on the bound report class, which it then stands for."""

    def attach(members: type) -> type:
        for name, member in vars(members).items():
            if name not in ("__module__", "__qualname__", "__dict__", "__weakref__", "__doc__"):
                setattr(bound, name, member)
        bound._repr_pretty_ = pretty_as_text
        return _report(bound)

    return attach


def _row(bound: type) -> type:
    """A report's row: also read as ``row["name"]``, as when rows were dicts."""
    bound.__getitem__ = _getitem
    bound.keys = _keys
    return _report(bound)


AppliedMigration = _row(_core.AppliedMigration)
TracedLock = _row(_core.TracedLock)
StatementLocks = _row(_core.StatementLocks)
MigrationLocks = _row(_core.MigrationLocks)
MigrationEntry = _row(_core.MigrationEntry)
SeedFileResult = _row(_core.SeedFileResult)
SeedPruneEntry = _row(_core.SeedPruneEntry)
SeedReject = _row(_core.SeedReject)
SeedRun = _row(_core.SeedRun)


# -- migrations ------------------------------------------------------------------------------------

_STATE_COLOUR = {"applied": "#2e7d32", "pending": "#f9a825", "rolled_back": "#f9a825", "failed": "#c62828", "edited": "#c62828",
                 "missing_locally": "#6a1b9a"}


def _lock_trace_lines(traces: Sequence[Any]) -> list[str]:
    """``--trace-locks``: per migration and statement, the locks taken and what they block."""
    lines = ["locks taken (a deploy holds each until its migration commits):"] if traces else []
    for t in traces:
        if not t.traced:
            lines.append(f"  {t.migration}: not traced: {t.not_traced}")
            continue
        lines.append(f"  {t.migration} ({t.file})")
        for s in t.statements:
            lines.append(f"    line {s.line}: {s.statement}")
            for lock in s.locks:
                who = "created by this migration: no one else sees it yet" if lock.created else f"blocks {lock.blocks}"
                lines.append(f"      {lock.mode} on {lock.relation} for {s.held_seconds * 1000:.1f} ms: {who}")
            if not s.locks:
                lines.append("      no new table lock")
    return lines


@_shows(_core.DeployReport)
class DeployReport:
    @property
    def names(self) -> list[str]:
        return [m.name for m in self.migrations]

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.migrations)

    def _mark(self, m: AppliedMigration) -> str:
        if m.skipped:
            return "skip"
        return "ok  " if m.ok else "FAIL"

    def _headline(self) -> str:
        verb = {"deploy": "applied", "rollback": "rolled back", "reset": "reset and applied"}[self.operation]
        if self.dry_run:
            verb = "dry run (nothing was changed)"
        return f"{verb}: {len(self.migrations)} migration(s) in {self.seconds:.3f} s"

    def __str__(self) -> str:
        lines = [self._headline()]
        width = max((len(m.name) for m in self.migrations), default=0)
        for m in self.migrations:
            line = f"  {self._mark(m)} {m.name:<{width}}  {m.seconds * 1000:8.1f} ms"
            if m.error:
                line += f"\n       {m.error}"
            lines.append(line)
        lines += _lock_trace_lines(self.lock_traces)
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = ((self._mark(m).strip(), Markup(f"<code>{html.escape(m.name)}</code>"), f"{m.seconds * 1000:.1f} ms", m.error)
                for m in self.migrations)
        warnings = Markup("".join(f"<p>warning: {html.escape(w)}</p>" for w in self.warnings))
        return html_table(self._headline(), ("result", "migration", "time", "error"), rows, warnings)


@_shows(_core.MigrationStatus)
class MigrationStatus:
    def by_state(self, state: str) -> list[str]:
        return [e.name for e in self.entries if e.state == state]

    @property
    def applied(self) -> list[str]:
        return self.by_state("applied")

    @property
    def pending(self) -> list[str]:
        return self.by_state("pending") + self.by_state("rolled_back")

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
        entries = self.entries
        if entries:
            width = max(len(e.name) for e in entries)
            lines.append(f"  {'STATE':<16}{'MIGRATION':<{width + 2}}WHEN")
            for e in entries:
                when = e.applied_at or e.rolled_back_at or ""
                lines.append(f"  {e.state:<16}{e.name:<{width + 2}}{when}")
        counts: dict[str, int] = {}
        for e in entries:
            counts[e.state] = counts.get(e.state, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "none"
        lines.append(f"{len(entries)} migration(s): {summary}. {self.advice()}.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = ((Markup(f"<span style='color:{_STATE_COLOUR.get(e.state, 'inherit')}'>{html.escape(e.state)}</span>"),
                 Markup(f"<code>{html.escape(e.name)}</code>"), e.applied_at or e.rolled_back_at) for e in self.entries)
        caption = Markup(f"migrations in <code>{html.escape(self.directory)}</code> against <code>{html.escape(self.url)}</code>")
        return html_table(caption, ("state", "migration", "when"), rows, Markup(f"<p>{html.escape(self.advice())}</p>"))

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame([e.to_json() for e in self.entries])


# -- seeding -----------------------------------------------------------------------------------------

_FILE_HEADERS = ("file", "rows", "inserted", "updated", "unchanged", "rejected", "model")
_REJECT_HEADERS = ("row", "field", "code", "value", "message")  # the message last: never cut
_REJECTS_SHOWN = 20


@_shows(_core.SeedReport)
class SeedReport:
    def _headline(self) -> str:
        if self.skipped:
            return (f"seed set {self.seed_set} version {self.version} is already applied to {self.environment}: "
                    f"nothing to do (pass force=True / --force to apply it again)")
        head = "dry run (nothing was written)" if self.dry_run else "seeded"
        return (f"{head}: {self.seed_set} {self.version} into {self.environment} in {self.seconds:.2f} s: "
                f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected")

    def _notes(self) -> list[str]:
        """What happened beside the files: prune, the rejects file, rejects not listed."""
        notes = []
        if self.pruned:
            notes.append(f"{'would prune' if self.dry_run else 'pruned'} {self.pruned} row(s) whose keys are not in the seed")
        elif self.prune_candidates:
            notes.append(f"{self.prune_candidates} row(s) in the database are not in the seed (kept; --prune removes them)")
        if len(self.prune_order) > 1:
            order = ", then ".join(f"{e.rows} {e.model}" for e in self.prune_order)
            notes.append(f"prune {'removed' if self.pruned and not self.dry_run else 'would remove'}, children first: {order}")
        if self.rejects_path and self.rejected:
            notes.append(f"rejected rows written to {self.rejects_path}")
        if len(self.issues) > _REJECTS_SHOWN:
            notes.append(f"{len(self.issues) - _REJECTS_SHOWN} more rejected row(s) not shown (report.issues has them all)")
        return notes

    def _file_rows(self) -> list[tuple]:
        return [(f.file, f.rows, f.inserted, f.updated, f.unchanged, f.rejected, f.model) for f in self.files]

    def _reject_rows(self) -> list[tuple]:
        return [(i.row, i.field, i.code, i.value, i.message) for i in self.issues[:_REJECTS_SHOWN]]

    def __str__(self) -> str:
        if self.skipped:
            return self._headline()
        lines = [self._headline()]
        if self.files:
            lines += text_table(_FILE_HEADERS, self._file_rows())
        lines += [f"  {note}" for note in self._notes()]
        if self.issues:
            lines.append("rejected rows:")
            lines += text_table(_REJECT_HEADERS, self._reject_rows())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        page = html_table(self._headline(), _FILE_HEADERS, self._file_rows())
        page += "".join(f"<p>{html.escape(note)}</p>" for note in self._notes())
        if self.issues:
            page += html_table("rejected rows", _REJECT_HEADERS, self._reject_rows())
        return page


# -- validation --------------------------------------------------------------------------------------

class ValidationReport:
    """Every issue of a ValidationError as a table (``error.report``): which row, which field, the
    rule (zod's code), the message and the value given. Rows are where the data came from: a seed
    file's ``file:line``, a DataFrame's or list's ``records:Model:N``, or the list index of a
    ``create_many`` record."""

    def __init__(self, model: str, issues: Sequence[dict]):
        self.model = model
        self.issues = list(issues)

    @staticmethod
    def _row_and_field(issue: dict) -> tuple[str, str]:
        path = [str(p) for p in issue.get("path", [])]
        row = issue.get("row") or ""
        if not row and path and path[0].isdigit():  # create_many: the record's index leads the path
            row, path = path[0], path[1:]
        return row, ".".join(path)

    def rows(self) -> list[tuple[str, str, str, Any, str]]:
        """(row, field, code, value, message) per issue, in the order they were found."""
        return [(*self._row_and_field(i), i.get("code", ""), i.get("value", i.get("received")), i.get("message", ""))
                for i in self.issues]

    @property
    def bad_rows(self) -> list[str]:
        """The rows with at least one issue, each once, in order."""
        return list(dict.fromkeys(row for row, *_ in self.rows() if row))

    def _headline(self) -> str:
        rows = f" in {len(self.bad_rows)} row(s)" if self.bad_rows else ""
        return f"{len(self.issues)} validation issue(s) for {self.model}{rows}"

    def __str__(self) -> str:
        return "\n".join([self._headline()] + text_table(_REJECT_HEADERS, self.rows()))

    def __repr__(self) -> str:
        return f"<carrierdb.ValidationReport {self._headline()}>"

    def _repr_html_(self) -> str:
        return html_table(self._headline(), _REJECT_HEADERS, self.rows())

    _repr_pretty_ = pretty_as_text

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=list(_REJECT_HEADERS))


def _validation_report(error: Any) -> ValidationReport:
    return ValidationReport(getattr(error, "model", ""), getattr(error, "issues", []))


def _validation_text(error: Any, printer: Any, cycle: bool) -> None:
    printer.text(f"{type(error).__name__}: {error}\n{_validation_report(error)}")


def _validation_html(error: Any) -> str:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"<p><b>{type(error).__name__}</b>: {html.escape(message)}</p>" + html_table("", _REJECT_HEADERS, _validation_report(error).rows())


# The exception class is the binding's (bind_errors.cpp); how it shows in a notebook is written here,
# beside the other reports. ``str(error)`` stays the engine's message.
_core.ValidationError.report = property(_validation_report, doc="The issues as a ValidationReport (a table).")
_core.ValidationError._repr_html_ = _validation_html
_core.ValidationError._repr_pretty_ = _validation_text
