"""The commands of ``carrierdb``, one function each, for scripts and the CLI alike.

Modelled on Alembic's ``command`` module: each function takes plain arguments, resolves the
environment once, opens the database the command needs, and returns a result object (a report
with ``to_json()`` and a readable ``str()``). The CLI only parses arguments, confirms on a terminal,
formats these results and maps errors to exit codes::

    from carrierdb import commands
    commands.migrate_deploy(url="postgresql://...")
    commands.migrate_reset(env="testing")        # then seeds the testing set, as the CLI does
    print(commands.summary().to_json())

Every function takes ``url`` (default: DATABASE_URL, the env files, the embedded SQLite) and
``env`` (default: CARRIERDB_ENV, else ``development``); errors are carrierdb's exceptions.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from . import _core, _paths
from .config import Environment, Resolution, project_root, resolve
from .data_migrations import new_python_migration
from .generate import GeneratedClient
from .generate import generate as _generate
from .database import connect, connect_for_migrations, resolve_for_migrations
from .lint import LintResult
from .develop import MigrateDev
from .develop import enum_renames
from .develop import migrate_dev as _migrate_dev
from .push import DbPush
from .push import db_push as _db_push
from .shadow import replayed_model, shadow_url_for
from .migrate import DeployReport, MigrationStatus, Migrations
from .progress import Progress
from .seeds import SeedReport
from .summary import summarize

__all__ = [
    "DbPush", "GeneratedClient", "MigrateDev", "NotConfirmed", "PulledSchema", "SchemaDiff", "db_pull", "db_push", "env", "generate", "info", "migrate_deploy", "migrate_dev",
    "migrate_diff", "migrate_lint", "migrate_new", "migrate_reset", "migrate_resolve",
    "migrate_rollback", "migrate_status", "schema_check", "seed", "seed_export", "seed_status", "summary",
]

DEFAULT_TABLE = "_prisma_migrations"
SALT_VARIABLE = "CARRIERDB_ANONYMIZE_SALT"


class NotConfirmed(Exception):
    """The ``confirm`` callback said no: nothing was changed."""


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Info:
    """What ``info`` found: the backend, its version, the environment and the URL's source."""

    backend: str
    url: str
    server_version: str
    env: str
    source: Optional[str]
    capabilities: dict[str, bool]

    def to_json(self) -> dict[str, Any]:
        return {"backend": self.backend, "url": self.url, "server_version": self.server_version, "env": self.env,
                "source": self.source, "capabilities": self.capabilities}


@dataclass(frozen=True)
class ResetResult:
    """A reset, and the environment's seed run after it (None when there was none)."""

    reset: DeployReport
    seed: Optional[SeedReport] = None

    def to_json(self) -> dict[str, Any]:
        payload = self.reset.to_json()
        if self.seed is not None:
            payload["seed"] = self.seed.to_json()
        return payload

    def __str__(self) -> str:
        return str(self.reset) if self.seed is None else f"{self.reset}\n{self.seed}"


@dataclass(frozen=True)
class Resolved:
    migration: str
    recorded_as: str  # "applied" or "rolled back"

    def to_json(self) -> dict[str, Any]:
        return {"migration": self.migration, "recorded_as": self.recorded_as}

    def __str__(self) -> str:
        return f"recorded {self.migration} as {self.recorded_as}"


@dataclass(frozen=True)
class NewMigration:
    path: Path
    files: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"created": str(self.path), "files": self.files}

    def __str__(self) -> str:
        return f"created {self.path}/ with {', '.join(self.files)}"


@dataclass(frozen=True)
class SchemaCheck:
    """The schema (valid, or ``schema_check`` would have raised) and its drift from the database."""

    schema: _core.Schema
    url: str
    drift: list[dict]

    @property
    def in_sync(self) -> bool:
        return not self.drift

    def to_json(self) -> dict[str, Any]:
        return {"schema": self.schema.file, "url": self.url, "models": self.schema.model_names, "drift": self.drift,
                "in_sync": self.in_sync}


@dataclass(frozen=True)
class SchemaDiff:
    """What ``migrate diff`` found: one summary line per change, the data-loss warnings, and the
    SQL script for ``provider`` as Prisma prints it (``warnings_comment`` is the warnings as the
    comment Prisma puts at the top of a migration file)."""

    provider: str
    summary: list[str]
    warnings: list[str]
    script: str
    warnings_comment: str = ""
    concurrent_script: str = ""  # online: run after ``script`` as a migration of its own, outside a transaction

    @property
    def empty(self) -> bool:
        return not self.summary

    def to_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "empty": self.empty, "summary": self.summary, "warnings": self.warnings, "script": self.script,
                "concurrent_script": self.concurrent_script}

    def __str__(self) -> str:
        if self.empty:
            return "No difference detected."
        return "\n".join([*self.summary, *(f"warning: {w}" for w in self.warnings)])


@dataclass(frozen=True)
class SeedHistory:
    url: str
    runs: list[dict]

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "runs": self.runs}


@dataclass(frozen=True)
class SeedExport:
    model: str
    file: Any  # as given: str or Path
    rows: int
    anonymized: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "file": self.file, "rows": self.rows, "anonymized": self.anonymized}

    def __str__(self) -> str:
        return (f"exported {self.rows} {self.model} row(s) to {self.file}"
                + (f", anonymised: {', '.join(self.anonymized)}" if self.anonymized else ""))


@dataclass(frozen=True)
class Summary:
    url: str
    models: dict[str, Any]  # per model: count, by (enum field -> value -> count), sample

    def to_json(self) -> dict[str, Any]:
        return self.models


# -- the environment and connections -------------------------------------------------------------


def env(url: Optional[str] = None, env: str | Environment | None = None) -> Resolution:
    """Where DATABASE_URL comes from: every source, the winner and why, and what looks wrong."""
    return resolve(url, env=env)


def info(url: Optional[str] = None, env: str | Environment | None = None) -> Info:
    """Connect (creating the embedded database if needed) and report the backend and its version."""
    with connect(url, env=env) as db:
        return Info(db.backend, db.url, db.server_version, db.environment.name,
                    db.resolution.source if db.resolution else None, db.capabilities)


# -- migrations ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _migrations(url: Optional[str], env: str | Environment | None, directory: Optional[str | Path], table: str,
                lock_timeout: float, create: bool = True) -> Iterator[Migrations]:
    # DIRECT_URL when it is defined: see resolve_for_migrations.
    with connect_for_migrations(url, env=env, create=create) as db:
        yield db.migrations(directory, table=table, lock_timeout=lock_timeout)


def migrate_status(url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
                   table: str = DEFAULT_TABLE, lock_timeout: float = 10.0) -> MigrationStatus:
    """Applied, pending, failed, edited and missing migrations (creates no database)."""
    with _migrations(url, env, directory, table, lock_timeout, create=False) as migrations:
        return migrations.status()


def migrate_deploy(url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
                   table: str = DEFAULT_TABLE, lock_timeout: float = 10.0, dry_run: bool = False, allow_edited: bool = False,
                   trace_locks: bool = False, single_transaction: bool = False, progress: Progress = None) -> DeployReport:
    """Apply the pending migrations, each in its own transaction (``dry_run``: roll them back;
    ``trace_locks`` with it, on PostgreSQL: report each statement's table locks;
    ``single_transaction``: all of them in one, applied together or not at all)."""
    with _migrations(url, env, directory, table, lock_timeout) as migrations:
        return migrations.deploy(dry_run=dry_run, allow_edited=allow_edited, trace_locks=trace_locks,
                                 single_transaction=single_transaction, progress=progress)


def migrate_rollback(url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
                     table: str = DEFAULT_TABLE, lock_timeout: float = 10.0, steps: int = 1, to: Optional[str] = None,
                     accept_data_loss: bool = False, confirm_data_loss: Optional[Callable[[_core.DataLossError], bool]] = None,
                     progress: Progress = None) -> DeployReport:
    """Run down.sql of the latest ``steps`` applied migrations, or of all applied after ``to``.

    A rollback that would drop rows raises DataLossError (nothing changed) unless
    ``accept_data_loss``; with ``confirm_data_loss`` that callback is asked instead, and a no
    raises :class:`NotConfirmed`."""
    with _migrations(url, env, directory, table, lock_timeout) as migrations:
        try:
            return migrations.rollback(steps, to=to, accept_data_loss=accept_data_loss, progress=progress)
        except _core.DataLossError as refusal:
            if confirm_data_loss is None:
                raise
            if not confirm_data_loss(refusal):
                raise NotConfirmed("rollback cancelled") from refusal
            return migrations.rollback(steps, to=to, accept_data_loss=True, progress=progress)


def migrate_resolve(url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
                    table: str = DEFAULT_TABLE, lock_timeout: float = 10.0, applied: Optional[str] = None,
                    rolled_back: Optional[str] = None) -> Resolved:
    """Record ``applied`` as applied without running it, or the failed ``rolled_back`` as rolled back."""
    with _migrations(url, env, directory, table, lock_timeout) as migrations:
        migrations.resolve(applied=applied, rolled_back=rolled_back)
    return Resolved(applied or rolled_back or "", "applied" if applied else "rolled back")


@contextlib.contextmanager
def _after_finished(report: DeployReport) -> Iterator[None]:
    """Retells a stop during the next step: the finished ``report`` is committed, whatever the
    step did not finish."""
    try:
        yield
    except KeyboardInterrupt as stop:  # carrierdb.Interrupted, or a bare one between steps
        then = getattr(stop, "message", None) or "the seed was interrupted"
        stop.message = f"the reset itself had finished ({len(report.migrations)} migration(s) reapplied); then {then}"
        stop.committed = True  # the reset is
        if getattr(stop, "result", None) is None:
            stop.result = report
        raise


def migrate_reset(url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
                  table: str = DEFAULT_TABLE, lock_timeout: float = 10.0, allow_production: bool = False, seed: bool = True,
                  confirm: Optional[Callable[[str], bool]] = None, progress: Progress = None) -> ResetResult:
    """Drop every object and reapply all migrations, then (``seed``) apply the environment's seed
    set when it has one, forced. ``confirm(url)``, when given, is asked first; a no raises
    :class:`NotConfirmed`. Production needs ``allow_production`` (for both steps)."""
    with _migrations(url, env, directory, table, lock_timeout) as migrations:
        if confirm is not None and not confirm(migrations.db.url):
            raise NotConfirmed("reset cancelled")
        report = migrations.reset(allow_production=allow_production, progress=progress)
        seeds = migrations.db.seeds
        if not seed or not _paths.is_file(seeds.folder() / "manifest.json"):
            return ResetResult(report)
        with _after_finished(report):
            return ResetResult(report, seeds.apply(allow_production=allow_production, force=True))


def migrate_new(name: str, url: Optional[str] = None, env: str | Environment | None = None, *,
                directory: Optional[str | Path] = None, provider: Optional[str] = None, python: bool = False) -> NewMigration:
    """Create ``<timestamp>_<name>/`` with empty migration.sql and down.sql, for ``provider``
    (default: the one migration_lock.toml names, else postgresql), plus the variants of the
    database migrations would run on when it is another backend; ``python`` adds migration.py
    (a data step) and says so in the SQL files. Connects to nothing."""
    folder = Path(directory) if directory else project_root() / "migrations"
    provider = provider or _lock_provider(folder)
    # Without those variants, status and deploy would refuse the folder on that database.
    backend = _core.parse_url(resolve_for_migrations(url, env).url)["backend"]
    path = Path(_core.create_migration(str(folder), name, provider, backend))
    if python:
        new_python_migration(path, name)
    return NewMigration(path, sorted(f.name for f in path.iterdir()))


def _lock_provider(folder: Path) -> str:
    """The provider migration_lock.toml names; postgresql when there is none."""
    lock = folder / "migration_lock.toml"
    return "postgresql" if not _paths.exists(lock) or "sqlite" not in lock.read_text() else "sqlite"


def migrate_diff(*, from_empty: bool = False, from_schema: Optional[str | Path] = None, to_schema: Optional[str | Path] = None,
                 to_empty: bool = False, provider: Optional[str] = None, from_migrations: Optional[str | Path] = None,
                 from_url: Optional[str] = None, to_url: Optional[str] = None, rename_enum_values: Sequence[str] = (),
                 online: bool = False, shadow_url: Optional[str] = None) -> SchemaDiff:
    """The difference from one source to another with Prisma's meaning (``prisma migrate diff``), as
    the SQL the provider's dialect needs: ``from_empty``, ``from_schema``, ``from_url`` or
    ``from_migrations`` (replayed into a shadow database) to ``to_schema``, ``to_empty`` or ``to_url``. ``provider`` defaults to the backend of a URL given,
    else the datasource of the schema read (``to_schema``, else ``from_schema``); ``sqlite`` gives a
    PostgreSQL schema's SQLite variant. A URL's database is only read (its history tables left out).
    ``rename_enum_values`` (``"Enum.OLD=NEW"``) says which enum values were renamed rather than
    removed and added, so their rows keep them. ``online`` (PostgreSQL) writes the lock-safe forms:
    new indexes on existing tables CONCURRENTLY in ``concurrent_script``, new foreign keys on them
    NOT VALID, validated there. ``from_migrations`` replays the folder into a shadow database
    (``shadow_url``, Prisma's ``--shadow-database-url``; else as ``migrate_dev`` finds one)."""
    renames = enum_renames(rename_enum_values)
    if from_migrations is not None:
        return _diff_from_migrations(Path(from_migrations), to_empty, to_schema, to_url, provider, renames, online, shadow_url)
    if from_url is not None or to_url is not None:
        return _migrate_diff_with_urls(from_empty, from_schema, from_url, to_empty, to_schema, to_url, provider, renames, online)
    if from_empty == (from_schema is not None):
        raise _core.ConfigurationError("migrate diff: give exactly one of from_empty or from_schema")
    if to_empty == (to_schema is not None):
        raise _core.ConfigurationError("migrate diff: give exactly one of to_schema or to_empty")
    before = None if from_empty else _core.Schema.load(str(from_schema))
    after = None if to_empty else _core.Schema.load(str(to_schema))
    named = (after or before).provider if (after or before) is not None else ""
    provider = provider or named or "postgresql"
    result = _core.diff_schemas(before, after, provider, renames, online=online)
    return SchemaDiff(provider, result["summary"], result["warnings"], result["script"], result["warnings_comment"],
                      result["concurrent_script"])


def migrate_lint(name: Optional[str] = None, url: Optional[str] = None, env: str | Environment | None = None, *,
                 pending: bool = False, all: bool = False, directory: Optional[str | Path] = None, table: str = DEFAULT_TABLE,
                 lock_timeout: float = 10.0) -> LintResult:
    """The lock hazards in the PostgreSQL migration files (see README, "migrate lint"): of the
    migration ``name`` (folder name, or the part after its timestamp), of those not yet applied on
    the configured database (``pending``: the only choice that connects), or of all of them
    (``all``, the default: the check needs no database, so CI can run it on the files alone)."""
    if sum((name is not None, pending, all)) > 1:
        raise _core.ConfigurationError("migrate lint: give at most one of a migration name, pending or all")
    folder = Path(directory) if directory else project_root() / "migrations"
    if pending:
        with _migrations(url, env, directory, table, lock_timeout, create=False) as migrations:
            status = migrations.status()
        names = [e.name for e in status.entries if e.state in ("pending", "rolled_back") and e.local]
        if not names:
            return LintResult(str(folder), "pending", notes=["no pending migration: nothing to lint"])
        selection, selected = "pending", names
    else:
        selection, selected = (name, [name]) if name is not None else ("all", [])
    found = _core.lint_migrations(str(folder), selected)
    return LintResult(str(folder), selection, found["findings"], found["linted"], found["notes"])


def _migrate_diff_with_urls(from_empty: bool, from_schema: Optional[str | Path], from_url: Optional[str], to_empty: bool,
                            to_schema: Optional[str | Path], to_url: Optional[str], provider: Optional[str],
                            renames: list[tuple[str, str, str]], online: bool) -> SchemaDiff:
    """``migrate diff`` where a side is a live database: each side as a target model, the databases
    read through their catalogs (read-only: opened, read, closed), then the same differ as two schemas."""
    if sum((from_empty, from_schema is not None, from_url is not None)) != 1:
        raise _core.ConfigurationError("migrate diff: give exactly one of from_empty, from_schema or from_url")
    if sum((to_empty, to_schema is not None, to_url is not None)) != 1:
        raise _core.ConfigurationError("migrate diff: give exactly one of to_schema, to_empty or to_url")
    read: dict[str, Any] = {}
    for side, url in (("from", from_url), ("to", to_url)):
        if url is not None:
            with connect(url, create=False, pool_size=1) as db:
                read[side] = _core.read_target_model(db._db, [DEFAULT_TABLE, "_carrierdb_seeds"])
    providers = sorted({model.backend for model in read.values()} | ({provider} if provider else set()))
    if len(providers) > 1:
        raise _core.ConfigurationError(f"migrate diff: the sides are of different providers ({', '.join(providers)}); a database is "
                                       "diffed in its own dialect: drop --provider, or compare databases of one backend")
    provider = providers[0]

    def side(name: str, empty: bool, schema: Optional[str | Path]) -> Any:
        if name in read:
            return read[name]
        return _core.target_model_of(None if empty else _core.Schema.load(str(schema)), provider)

    result = _core.diff_target_models(side("from", from_empty, from_schema), side("to", to_empty, to_schema), renames, online)
    return SchemaDiff(provider, result["summary"], result["warnings"], result["script"], result["warnings_comment"],
                      result["concurrent_script"])


def _diff_from_migrations(folder: Path, to_empty: bool, to_schema: Optional[str | Path], to_url: Optional[str], provider: Optional[str],
                          renames: list[tuple[str, str, str]], online: bool, shadow_url: Optional[str]) -> SchemaDiff:
    """``migrate diff --from-migrations``: the folder replayed into a shadow database of the
    provider's dialect (created on DATABASE_URL's server, or SHADOW_DATABASE_URL, reset), then
    diffed against a schema, the empty database or a live one (``to_url``, read only, in its own
    dialect); the shadow is gone on return, and no other database is written."""
    if sum((to_empty, to_schema is not None, to_url is not None)) != 1:
        raise _core.ConfigurationError("migrate diff: give exactly one of to_schema, to_empty or to_url")
    after = None if to_empty or to_url else _core.Schema.load(str(to_schema))
    target = None
    if to_url is not None:
        with connect(to_url, create=False, pool_size=1) as db:
            target = _core.read_target_model(db._db, [DEFAULT_TABLE, "_carrierdb_seeds"])
        if provider and provider != target.backend:
            raise _core.ConfigurationError(f"migrate diff: --to-url is a {target.backend} database, diffed in its own dialect; drop --provider")
        provider = target.backend
    provider = provider or (after.provider if after is not None else "") or "postgresql"
    server = resolve_for_migrations().url
    before = replayed_model(provider, folder, server_url=server, dev_url=to_url or server,
                            shadow_url=shadow_url_for(Path(to_schema) if to_schema else None, None, shadow_url))
    result = _core.diff_target_models(before, target if target is not None else _core.target_model_of(after, provider), renames, online)
    return SchemaDiff(provider, result["summary"], result["warnings"], result["script"], result["warnings_comment"],
                      result["concurrent_script"])


def migrate_dev(name: str, url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
                schema: Optional[str | Path] = None, create_only: bool = False, accept_data_loss: bool = False,
                shadow_url: Optional[str] = None, rename_enum_values: Sequence[str] = (), online: bool = False) -> MigrateDev:
    """Prisma's ``migrate dev``: refuse a development database with drift or with an edited, failed or
    locally missing migration; apply pending migrations; replay the folder into shadow databases
    (``shadow_url``, SHADOW_DATABASE_URL or the datasource's shadowDatabaseUrl, reset; else a
    temporary one, dropped whatever happens) and write ``<timestamp>_<name>/`` with migration.sql
    (the lock file's provider, created when missing), the other dialect's variant and down.sql for
    both; then apply it (not with ``create_only``). Nothing is written when the schema needs no
    change. What the change would destroy or fail on is counted in the development database and
    refuses it (DataLossError, nothing written) unless ``accept_data_loss`` (or ``create_only``,
    which applies nothing). ``rename_enum_values`` as for migrate_diff; ``online`` (PostgreSQL)
    writes the lock-safe forms, the concurrent part as a second, non-transactional migration."""
    return _migrate_dev(name, url, env, directory=directory, schema=schema, create_only=create_only,
                        accept_data_loss=accept_data_loss, shadow_url=shadow_url, rename_enum_values=rename_enum_values, online=online)


def db_push(url: Optional[str] = None, env: str | Environment | None = None, *, schema: Optional[str | Path] = None,
            accept_data_loss: bool = False, rename_enum_values: Sequence[str] = ()) -> DbPush:
    """Prisma's ``db push``: make the database match the schema in one transaction, writing no
    migration. Refused in production; refused, listing each finding with its row count, when rows
    would be lost unless ``accept_data_loss``."""
    return _db_push(url, env, schema=schema, accept_data_loss=accept_data_loss, rename_enum_values=rename_enum_values)


# -- schema --------------------------------------------------------------------------------------


def schema_check(url: Optional[str] = None, env: str | Environment | None = None, *, schema: Optional[str | Path] = None,
                 table: str = DEFAULT_TABLE) -> SchemaCheck:
    """Validate schema.prisma (SchemaError names file:line:column), then compare it with the
    database, ignoring the history tables."""
    # The schema first: checking it needs no database.
    parsed = _core.Schema.load(str(schema or project_root() / "schema.prisma"))
    with connect(url, env=env, schema=parsed, create=False) as db:
        return SchemaCheck(parsed, db.url, db.schema_drift(ignore_tables=[table, "_carrierdb_seeds"]))


def generate(*, schema: Optional[str | Path] = None, output: Optional[str | Path] = None) -> GeneratedClient:
    """Write the typed client for schema.prisma (``schema``, default the project's) into
    ``output`` (default: ``carrierdb_client/`` next to the schema); needs no database."""
    return _generate(schema, output)


# -- db pull -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulledSchema:
    """What ``db pull`` made of a database: the schema.prisma ``text``, and the file it was written
    to (``written`` False with ``print_only``)."""

    url: str
    path: Path
    text: str
    written: bool
    models: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "schema": str(self.path), "written": self.written, "models": self.models, "text": self.text}

    def __str__(self) -> str:
        if not self.written:
            return self.text
        return f"introspected {self.url}: {len(self.models)} model(s) written to {self.path}"


def db_pull(url: Optional[str] = None, env: str | Environment | None = None, *, schema: Optional[str | Path] = None,
            print_only: bool = False) -> PulledSchema:
    """Introspect the database into schema.prisma (``schema``, default the project's): models,
    relations, enums, native types, keys and indexes, @map/@@map where the database's names are not
    Prisma's. An existing file keeps its datasource and generator blocks, names, ``///`` comments
    and order. Reads the database only (its history tables left out); ``print_only`` writes no file."""
    path = Path(schema) if schema is not None else project_root() / "schema.prisma"
    existing, text = None, ""
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        existing = _core.Schema.load(str(path))  # a broken file is refused here, before anything is read
    with connect(url, env=env, create=False, pool_size=1) as db:
        model = _core.read_target_model(db._db, [DEFAULT_TABLE, "_carrierdb_seeds"])
        where = db.url
    if not model.table_names:
        raise _core.ConfigurationError(f"db pull: {where} has no tables (besides the migration history): there is nothing to describe; "
                                       "point --url at the database that holds the tables, or create them first")
    pulled = _core.write_schema(model, existing, text)
    models = list(_core.Schema.parse(pulled, str(path)).model_names)
    if not print_only:
        path.write_text(pulled, encoding="utf-8")
    return PulledSchema(where, path, pulled, not print_only, models)


# -- seeding and reporting -----------------------------------------------------------------------


def seed(url: Optional[str] = None, env: str | Environment | None = None, *, directory: Optional[str | Path] = None,
         dry_run: bool = False, lenient: bool = False, rejects: Optional[str | Path] = None, allow_production: bool = False,
         prune: bool = False, force: bool = False, progress: Any = None) -> SeedReport:
    """Apply the environment's seed set (see :meth:`carrierdb.seeds.Seeds.apply`)."""
    with connect(url, env=env) as db:
        return db.seeds.apply(directory=directory, dry_run=dry_run, lenient=lenient, rejects=rejects,
                              allow_production=allow_production, prune=prune, force=force, progress=progress)


def seed_status(url: Optional[str] = None, env: str | Environment | None = None) -> SeedHistory:
    """Every seed run the database's history holds, oldest first."""
    with connect(url, env=env, create=False) as db:
        return SeedHistory(db.url, db.seeds.status())


def seed_export(model: str, to: str | Path, url: Optional[str] = None, env: str | Environment | None = None, *,
                where: Any = None, anonymize: Sequence[str] = (), salt: Optional[str] = None) -> SeedExport:
    """Write live rows of ``model`` to a CSV seed file, ``anonymize`` fields pseudonymised with
    ``salt`` (default: CARRIERDB_ANONYMIZE_SALT, else a fixed one)."""
    salt = salt or os.environ.get(SALT_VARIABLE)
    with connect(url, env=env, create=False) as db:
        rows = db.seeds.export(model, to, where=where, anonymize=anonymize, salt=salt)
    return SeedExport(model, to, rows, list(anonymize))


def summary(url: Optional[str] = None, env: str | Environment | None = None, *, sample: int = 5) -> Summary:
    """Counts per model and per enum value, and the first ``sample`` rows of each."""
    with connect(url, env=env, create=False) as db:
        return Summary(db.url, summarize(db, sample=sample))
