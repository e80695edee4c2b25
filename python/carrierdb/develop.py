"""``migrate dev``: the schema's change written as a migration (both dialects, and down.sql for
both), from the migrations folder replayed into shadow databases, then applied to the development
database. Refuses, before writing anything, when the development database cannot take it.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from . import _core, _paths
from .config import Environment, project_root
from .database import Database, connect_for_migrations
from .shadow import HISTORY_TABLES, ShadowUnavailable, replay, shadow_database, shadow_url_for

__all__ = ["DOWN_NOTE", "IN_SYNC", "MigrateDev", "counted_losses", "enum_renames", "migrate_dev"]

DIALECTS = ("postgresql", "sqlite")
IN_SYNC = "Already in sync, no schema change or pending migration was found."
DOWN_NOTE = ("-- Restores the schema as it was before this migration. Data the migration dropped (tables, columns,\n"
             "-- enum values, rows) cannot come back: restore it from a backup if you need it.\n")


@dataclass(frozen=True)
class MigrateDev:
    """What ``migrate dev`` did: the folder written (None when the schema needed no change), its
    files, the migrations applied to the development database (pending ones first, then the new
    one), one summary line per change, the data-loss warnings, and notes (a variant not written)."""

    folder: Optional[Path]
    files: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_loss: list[str] = field(default_factory=list)  # counted in the development database (accepted, or --create-only)
    concurrent_folder: Optional[Path] = None            # --online: the non-transactional migration written after `folder`

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder) if self.folder else None, "files": self.files, "applied": self.applied,
                "summary": self.summary, "warnings": self.warnings, "notes": self.notes, "data_loss": self.data_loss,
                "concurrent_folder": str(self.concurrent_folder) if self.concurrent_folder else None}

    def __str__(self) -> str:
        lines = [f"applied {name}" for name in self.applied if self.folder is None or name != self.folder.name]
        if self.folder is None:
            lines.append(IN_SYNC if not self.applied else "No schema change: no migration was written.")
        else:
            lines.append(f"created {self.folder}/ with {', '.join(self.files)}")
            lines += [f"  {line}" for line in self.summary]
            lines += [f"warning: {w}" for w in self.warnings]
            lines += [f"data loss ({'not applied yet' if self.folder.name not in self.applied else 'accepted'}): {d}" for d in self.data_loss]
            if self.concurrent_folder is not None:
                lines.append(f"created {self.concurrent_folder}/ (--online: CREATE INDEX CONCURRENTLY and VALIDATE CONSTRAINT, "
                             "outside a transaction)")
            lines.append(f"applied {self.folder.name}" if self.folder.name in self.applied else
                         "not applied (--create-only): review it, then run `carrierdb migrate dev` or `migrate deploy`")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def enum_renames(renames: Sequence[str]) -> list[tuple[str, str, str]]:
    """``Enum.OLD=NEW`` strings (``--rename-enum-value``) as (enum, old, new) triples."""
    out = []
    for text in renames:
        head, _, new = text.partition("=")
        enum, _, old = head.rpartition(".")
        if not (enum and old and new) or "=" in new:
            raise _core.ConfigurationError(f"--rename-enum-value {text!r}: write it as Enum.OLD_VALUE=NEW_VALUE "
                                           "(the names the database has: @@map and @map where the schema maps them)")
        out.append((enum, old, new))
    return out


def counted_losses(db: Database, from_model: Any, to_model: Any, renames: list[tuple[str, str, str]], accept_data_loss: bool,
                   what: str) -> list[str]:
    """The one place that decides whether a change that may lose data goes ahead: what it would
    destroy or fail on is counted in ``db`` (which holds ``from_model``); anything found refuses it
    (DataLossError listing each finding with its row count; nothing changed) unless
    ``accept_data_loss``. Returns the findings' messages. A change that touches no row (an empty
    table dropped) needs no acceptance."""
    found = _core.data_loss_between(db._db, from_model, to_model, renames, accept_data_loss=accept_data_loss, operation=what)
    return [f["message"] for f in found]


def _refuse_history(status: Any) -> None:
    """Refuses a development database whose history migrate dev cannot build on."""
    reasons = []
    if status.by_state("failed"):
        name = status.by_state("failed")[0]
        reasons.append(f"migration {name} failed on it: fix it, then `carrierdb migrate resolve --rolled-back {name}` "
                       "(or `carrierdb migrate reset` to start over)")
    if status.by_state("edited"):
        reasons.append(f"applied migration(s) {', '.join(status.by_state('edited'))} were edited since: restore them and put the "
                       "change in the schema (or `carrierdb migrate reset`, which drops all data)")
    if status.by_state("missing_locally"):
        reasons.append(f"migration(s) {', '.join(status.by_state('missing_locally'))} are applied but missing from "
                       f"{status.directory}: pull them, check --dir, or `carrierdb migrate reset` (drops all data)")
    if reasons:
        raise _core.MigrationStateError("migrate dev refuses the development database " + status.url + ":\n  - " + "\n  - ".join(reasons))


@contextlib.contextmanager
def _folder_of(directory: Path, names: list[str]) -> Iterator[Path]:
    """``directory`` with only the migrations ``names`` (the history applied so far), as a copy."""
    with tempfile.TemporaryDirectory(prefix="carrierdb_applied_") as scratch:
        copy = Path(scratch) / "migrations"
        copy.mkdir()
        if (directory / "migration_lock.toml").is_file():
            shutil.copy(directory / "migration_lock.toml", copy)
        for name in names:
            shutil.copytree(directory / name, copy / name)
        yield copy


def _replayed(dialect: str, directory: Path, applied: Optional[list[str]], *, server_url: Optional[str], shadow_url: Optional[str],
              dev_url: str) -> tuple[Any, Any]:
    """The folder replayed into a shadow of ``dialect``: (the model after the migrations ``applied``,
    or None when not asked; the model after all of them). The shadow is gone on return."""
    read = lambda db: _core.read_target_model(db._db, list(HISTORY_TABLES))  # noqa: E731
    with shadow_database(dialect, server_url=server_url, shadow_url=shadow_url, dev_url=dev_url) as (db, reset):
        before = None
        if applied is not None:
            with _folder_of(directory, applied) as subset:
                replay(db, subset, reset)
            before = read(db)
            reset = False
        replay(db, directory, reset)
        return before, read(db)


def _lock_provider(folder: Path, schema: _core.Schema) -> str:
    lock = folder / "migration_lock.toml"
    if not _paths.exists(lock):
        return schema.provider or "postgresql"
    return "sqlite" if 'provider = "sqlite"' in lock.read_text().replace("'", '"') else "postgresql"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def migrate_dev(name: str, url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
                schema: Optional[str | Path] = None, create_only: bool = False, accept_data_loss: bool = False,
                shadow_url: Optional[str] = None, rename_enum_values: Sequence[str] = (), online: bool = False) -> MigrateDev:
    """See :func:`carrierdb.commands.migrate_dev`."""
    renames = enum_renames(rename_enum_values)
    schema_file = Path(schema) if schema else project_root() / "schema.prisma"
    parsed = _core.Schema.load(str(schema_file))
    folder = Path(directory) if directory else project_root() / "migrations"
    provider = _lock_provider(folder, parsed)
    shadow_url = shadow_url_for(schema_file, env, shadow_url)
    with connect_for_migrations(url, env=env) as dev:
        return _develop(dev, name, parsed, folder, provider, shadow_url, create_only, accept_data_loss, renames, online)


def _develop(dev: Database, name: str, parsed: _core.Schema, folder: Path, provider: str, shadow_url: Optional[str], create_only: bool,
             accept_data_loss: bool, renames: list[tuple[str, str, str]], online: bool) -> MigrateDev:
    migrations = dev.migrations(folder)
    status = migrations.status()
    _refuse_history(status)
    applied_before = [e.name for e in status.entries if e.state == "applied"]
    server = dev.resolution.url if dev.resolution else None  # unmasked: the shadow is created on its server
    models: dict[str, Any] = {}
    notes: list[str] = []
    # The development database's own dialect first: its shadow also tells drift.
    before, models[dev.backend] = _replayed(dev.backend, folder, applied_before, server_url=server, shadow_url=shadow_url,
                                            dev_url=server or "")
    drift = _core.diff_target_models(before, _core.read_target_model(dev._db, list(HISTORY_TABLES)))
    if drift["summary"]:
        raise _core.MigrationStateError(
            f"migrate dev refuses {dev.url}: the database has drifted from its migration history (what the applied migrations "
            "build differs from what it holds):\n  - " + "\n  - ".join(drift["summary"])
            + "\nPut those changes in a migration (or undo them), or run `carrierdb migrate reset` (drops all data).")
    other = next(d for d in DIALECTS if d != dev.backend)
    try:
        models[other] = _replayed(other, folder, None, server_url=server, shadow_url=shadow_url, dev_url=server or "")[1]
    except (ShadowUnavailable, _core.ProviderMismatch) as why:
        # A folder Prisma wrote has no migration.<other>.sql: that variant is then not written either.
        if other == provider:
            raise ShadowUnavailable(f"migrate dev needs a {provider} shadow database to write migration.sql (the lock file's "
                                    f"provider): {why}") from why
        notes.append(f"migration.{other}.sql and down.{other}.sql were not written: {why}; write them by hand, or run "
                     f"`carrierdb migrate diff --from-migrations {folder} --to-schema {parsed.file} --provider {other} --script` "
                     "where one can be had")
    backwards = [(enum, new, old) for enum, old, new in renames]
    targets = {d: _core.target_model_of(parsed, d) for d in models}
    # --online: PostgreSQL's lock-safe forms; the concurrent part becomes a migration of its own.
    diffs = {d: (_core.diff_target_models(m, targets[d], renames, online and d == "postgresql"),
                 _core.diff_target_models(targets[d], m, backwards)) for d, m in models.items()}
    pending = migrations.deploy().names if status.pending else []
    forward = diffs[provider][0]
    if all(not f["summary"] for f, _ in diffs.values()):
        return MigrateDev(None, applied=pending, notes=notes)
    # Counted in the development database, which now holds what the shadow replay built.
    try:
        losses = counted_losses(dev, models[dev.backend], targets[dev.backend], renames, accept_data_loss or create_only,
                                f"the migration {name}")
    except _core.DataLossError as refusal:
        if pending:  # "Nothing was changed" is about the new migration: say what was applied before it
            note = (f"\n(The pending migration(s) {', '.join(pending)} had been applied before this check; they stay applied. "
                    "The new migration was neither written nor applied.)")
            refusal.message = refusal.message + note
            refusal.args = (refusal.args[0] + note, *refusal.args[1:])
        raise
    variant = next(d for d in DIALECTS if d != provider)
    path = Path(_core.create_migration(str(folder), name, provider, variant))
    concurrent = diffs.get("postgresql", ({}, {}))[0].get("concurrent_script", "")
    for dialect, (up, down) in diffs.items():
        suffix = "" if dialect == provider else f".{dialect}"
        script = up["script"] or (f"-- Nothing here: --online put this change's statements in {name}_concurrently/ (they cannot run\n"
                                  "-- in a transaction).\n" if up.get("concurrent_script") else
                                  f"-- No change on {dialect}: what this migration changes is the same there (e.g. VARCHAR lengths\n"
                                  "-- on SQLite, where they are all TEXT).\n")
        _write(path / f"migration{suffix}.sql", up["warnings_comment"] + script)
        _write(path / f"down{suffix}.sql", DOWN_NOTE + (_dropped_if_exists(down["script"], concurrent) if dialect == "postgresql" else down["script"]))
    for dialect in DIALECTS:
        if dialect not in diffs:
            for stale in (path / f"migration.{dialect}.sql", path / f"down.{dialect}.sql"):
                stale.unlink(missing_ok=True)
    second = _write_concurrent(folder, name, provider, variant, concurrent, path.name) if concurrent else None
    files = sorted(f.name for f in path.iterdir())
    applied = pending + ([] if create_only else migrations.deploy().names)
    return MigrateDev(path, files, applied, forward["summary"], forward["warnings"], notes, losses, second)


_CONCURRENT_INDEX = re.compile(r'CREATE (?:UNIQUE )?INDEX CONCURRENTLY "((?:[^"]|"")+)"')


def _dropped_if_exists(down: str, concurrent: str) -> str:
    """The first folder's down.sql drops the indexes the concurrent migration creates only if they
    are still there: rolling back that migration alone (its own down.sql) dropped them already."""
    for index in _CONCURRENT_INDEX.findall(concurrent):
        down = down.replace(f'DROP INDEX "{index}";', f'DROP INDEX IF EXISTS "{index}";')
    return down


def _write_concurrent(folder: Path, name: str, provider: str, variant: str, script: str, after: str) -> Path:
    """--online's second migration: the statements that cannot run in a transaction (CREATE INDEX
    CONCURRENTLY, VALIDATE CONSTRAINT), applied right after ``after``; its down.sql drops those
    indexes concurrently. SQLite has no such locks: its variant does nothing (``after``'s did it all)."""
    path = Path(_core.create_migration(str(folder), f"{name}_concurrently", provider, variant))
    drops = "".join(f'DROP INDEX CONCURRENTLY IF EXISTS "{index}";\n' for index in _CONCURRENT_INDEX.findall(script))
    pg, lite = ("", ".sqlite") if provider == "postgresql" else (".postgresql", "")
    _write(path / f"migration{pg}.sql", script)
    _write(path / f"down{pg}.sql", "-- carrierdb:no-transaction\n" + DOWN_NOTE + drops)
    nothing = f"-- Nothing to do on SQLite: {after}/migration.sqlite.sql made the whole change (SQLite has no table locks to avoid).\n"
    _write(path / f"migration{lite}.sql", nothing)
    _write(path / f"down{lite}.sql", nothing)
    return path
