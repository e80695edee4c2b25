"""The ``carrierdb`` command: argument parsing, confirmation on a terminal, output (text or
``--json``) and exit codes over :mod:`carrierdb.commands`, which scripts call alike.

Exit codes (every command):
  0  success
  1  the command worked and found something that needs action (e.g. pending migrations)
  2  usage error (bad arguments; 1 for migrate diff, below)
  3  configuration error (malformed URL, unknown scheme, bad option), or a read-only target
     (a hot standby, a read-only session, file or directory) for a writing command
  4  the database could not be reached, or timed out
  5  any other carrierdb error (SQL error, failed migration, ...)
  migrate diff keeps Prisma's codes instead: 0 (no difference, or no --exit-code), 2 (a difference,
     with --exit-code), 1 (an error)
  130, 143  stopped by Ctrl-C (SIGINT) or SIGTERM: what was not committed was rolled back, and the
            message says what, if anything, had been committed
  141  the output's reader went away (``carrierdb summary | head``): stopped quietly
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any, Callable, Sequence

from . import __version__, _core, commands

EXIT_OK, EXIT_ACTION_NEEDED, EXIT_USAGE, EXIT_CONFIG, EXIT_UNREACHABLE, EXIT_ERROR = 0, 1, 2, 3, 4, 5
EXIT_DIFF_FOUND = 2  # migrate diff --exit-code, as Prisma's: a difference (not a usage error there)
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # 141, what a shell reports for a reader that left early


def _emit(args: argparse.Namespace, payload: dict[str, Any], human: Callable[[], None]) -> None:
    if getattr(args, "json", False):
        json.dump(payload, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        human()


def _connection(args: argparse.Namespace) -> dict[str, Any]:
    """The connection arguments every command takes."""
    return {"url": args.url, "env": args.env}


def _migration_args(args: argparse.Namespace) -> dict[str, Any]:
    return {**_connection(args), "directory": args.dir, "table": args.table, "lock_timeout": args.lock_timeout}


def _show_progress(args: argparse.Namespace) -> bool:
    return not args.json and not getattr(args, "no_progress", False) and sys.stderr.isatty()


def cmd_env(args: argparse.Namespace) -> int:
    """Explain where DATABASE_URL comes from."""
    r = commands.env(**_connection(args))

    def human() -> None:
        print(f"environment: {r.environment}   (CARRIERDB_ENV)")
        print(f"project root: {r.root}")
        print("sources of DATABASE_URL, highest precedence first:")
        if not r.sources:
            print("  (none)")
        for s in r.sources:
            mark = "->" if s.name == r.source else "  "
            print(f"  {mark} {s.name:<24} {s.masked}")
        print(f"using: {r.masked_url}")
        print(f"  from {r.source}: {r.reason}")
        for w in r.warnings:
            print(f"warning: {w}")

    _emit(args, r.to_json(), human)
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    """Connect and report the backend and its version (creates the embedded database if needed)."""
    info = commands.info(**_connection(args))

    def human() -> None:
        print(f"connected: {info.url}")
        print(f"backend:   {info.backend} ({info.server_version})")
        print(f"env:       {info.env}   (url from {info.source})")
        caps = ", ".join(k for k, v in info.capabilities.items() if v) or "none"
        print(f"features:  {caps}")
        if info.capabilities.get("behind_pooler"):
            print("pooler:    a connection pooler sits in front of the server: statements are not prepared, "
                  "session settings other than the time zone are not sent (use DIRECT_URL for migrations where you can)")

    _emit(args, info.to_json(), human)
    return EXIT_OK


def cmd_migrate_status(args: argparse.Namespace) -> int:
    status = commands.migrate_status(**_migration_args(args))
    _emit(args, status.to_json(), lambda: print(status))
    return EXIT_ACTION_NEEDED if status.needs_action else EXIT_OK


def cmd_migrate_deploy(args: argparse.Namespace) -> int:
    report = commands.migrate_deploy(**_migration_args(args), dry_run=args.dry_run, allow_edited=args.allow_edited,
                                     trace_locks=args.trace_locks, single_transaction=args.single_transaction,
                                     progress=_show_progress(args))
    _emit(args, report.to_json(), lambda: print(report))
    return EXIT_OK if report.ok else EXIT_ERROR


def cmd_migrate_rollback(args: argparse.Namespace) -> int:
    def confirm(refusal: _core.DataLossError) -> bool:
        # Nothing was changed yet: ask on a terminal, refuse (as a usage error) without one.
        if not sys.stdin.isatty():
            _report_error(args, refusal)  # its hint names --force
            return False
        print(refusal.message, file=sys.stderr)
        if input("Roll back and destroy these rows? [y/N] ").strip().lower() not in ("y", "yes"):
            print("rollback cancelled", file=sys.stderr)
            return False
        return True

    report = commands.migrate_rollback(**_migration_args(args), steps=args.steps, to=args.to, accept_data_loss=args.force,
                                       confirm_data_loss=confirm, progress=_show_progress(args))
    _emit(args, report.to_json(), lambda: print(report))
    return EXIT_OK


def cmd_migrate_resolve(args: argparse.Namespace) -> int:
    resolved = commands.migrate_resolve(**_migration_args(args), applied=args.applied, rolled_back=args.rolled_back)
    _emit(args, resolved.to_json(), lambda: print(resolved))
    return EXIT_OK


def cmd_migrate_reset(args: argparse.Namespace) -> int:
    def confirm(url: str) -> bool:
        if not sys.stdin.isatty():
            print("carrierdb: reset drops every object in the database; pass --force (no terminal to confirm on)", file=sys.stderr)
            return False
        answer = input(f"Drop every table, view and type in {url} and reapply all migrations? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("reset cancelled", file=sys.stderr)
            return False
        return True

    result = commands.migrate_reset(**_migration_args(args), allow_production=args.allow_production, seed=not args.no_seed,
                                    confirm=None if args.force else confirm, progress=_show_progress(args))
    _emit(args, result.to_json(), lambda: print(result))
    return EXIT_OK


def cmd_migrate_new(args: argparse.Namespace) -> int:
    created = commands.migrate_new(args.name, **_connection(args), directory=args.dir, provider=args.provider, python=args.python)
    _emit(args, created.to_json(), lambda: print(created))
    return EXIT_OK


def cmd_migrate_diff(args: argparse.Namespace) -> int:
    """Prisma's ``migrate diff``, with Prisma's exit codes: 0, or 2 for a difference with
    ``--exit-code``; 1 for any error (not this CLI's usual 3 and 5, so Prisma scripts keep working)."""
    try:
        diff = commands.migrate_diff(from_empty=args.from_empty, from_schema=args.from_schema, to_schema=args.to_schema,
                                     to_empty=args.to_empty, provider=args.provider, from_migrations=args.from_migrations,
                                     from_url=args.from_url, to_url=args.to_url, rename_enum_values=args.rename_enum_value,
                                     online=args.online, shadow_url=args.shadow_database_url)
    except _core.CarrierDBError as error:
        _report_error(args, error)
        return EXIT_ACTION_NEEDED

    def human() -> None:
        if args.script:
            # The warnings on stderr: stdout stays the script, ready for `> migration.sql`.
            for warning in diff.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            sys.stdout.write(diff.script if not diff.empty else "-- This is an empty migration.\n")
            if diff.concurrent_script:  # not on stdout: `> migration.sql` must stay one transactional script
                print("carrierdb: --online: run the following as the next migration, a folder of its own "
                      "(it runs outside a transaction):", file=sys.stderr)
                sys.stderr.write(diff.concurrent_script)
        else:
            print(diff)

    _emit(args, diff.to_json(), human)
    return EXIT_DIFF_FOUND if args.exit_code and not diff.empty else EXIT_OK


def cmd_migrate_lint(args: argparse.Namespace) -> int:
    """Static lock-hazard rules over the PostgreSQL migration files: exit 1 on an error finding."""
    result = commands.migrate_lint(args.name, **_migration_args(args), pending=args.pending, all=args.all)
    _emit(args, result.to_json(), lambda: print(result))
    return EXIT_OK if result.ok else EXIT_ACTION_NEEDED


def _shown(args: argparse.Namespace, result: Any) -> int:
    _emit(args, result.to_json(), lambda: print(result))
    return EXIT_OK


def cmd_migrate_dev(args: argparse.Namespace) -> int:
    return _shown(args, commands.migrate_dev(args.name, **_connection(args), directory=args.dir, schema=args.schema,
                                             create_only=args.create_only, accept_data_loss=args.accept_data_loss,
                                             shadow_url=args.shadow_database_url, rename_enum_values=args.rename_enum_value,
                                             online=args.online))


def cmd_db_push(args: argparse.Namespace) -> int:
    return _shown(args, commands.db_push(**_connection(args), schema=args.schema, accept_data_loss=args.accept_data_loss,
                                         rename_enum_values=args.rename_enum_value))


def cmd_schema_check(args: argparse.Namespace) -> int:
    """Validate schema.prisma, then compare it with the live database."""
    check = commands.schema_check(**_connection(args), schema=args.schema, table=args.table)
    schema = check.schema

    def human() -> None:
        print(f"schema {schema.file}: {len(schema.model_names)} model(s) ({', '.join(schema.model_names)}), valid")
        if check.in_sync:
            print(f"{check.url} matches the schema")
        for item in check.drift:
            print(f"drift: {item['message']}")

    _emit(args, check.to_json(), human)
    return EXIT_OK if check.in_sync else EXIT_ACTION_NEEDED


def cmd_seed(args: argparse.Namespace) -> int:
    report = commands.seed(**_connection(args), directory=args.dir, dry_run=args.dry_run, lenient=args.lenient, rejects=args.rejects,
                           allow_production=args.allow_production, prune=args.prune, force=args.force, progress=_show_progress(args))
    _emit(args, report.to_json(), lambda: print(report))
    return EXIT_OK


def cmd_seed_status(args: argparse.Namespace) -> int:
    history = commands.seed_status(**_connection(args))

    def human() -> None:
        if not history.runs:
            print(f"no seed has been applied to {history.url}")
        for r in history.runs:
            print(f"{r['applied_at']}  {r['environment']:<12} {r['seed_set']:<14} {r['version']:<12} "
                  f"+{r['inserted']} ~{r['updated']} ={r['unchanged']} !{r['rejected']} -{r['pruned']}  by {r['applied_by']}")

    _emit(args, history.to_json(), human)
    return EXIT_OK


def cmd_seed_export(args: argparse.Namespace) -> int:
    where = json.loads(args.where) if args.where else None
    fields = [f.strip() for f in args.anonymize.split(",") if f.strip()]
    exported = commands.seed_export(args.model, args.to, **_connection(args), where=where, anonymize=fields, salt=args.salt)
    _emit(args, exported.to_json(), lambda: print(exported))
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    """Counts per model and per enum value, and a few rows."""
    summary = commands.summary(**_connection(args), sample=args.sample)

    def human() -> None:
        print(f"{summary.url}")
        for name, entry in summary.models.items():
            print(f"{name}: {entry['count']} rows")
            for field_name, counts in entry["by"].items():
                print(f"  by {field_name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
            for row in entry["sample"]:
                print("  " + "  ".join(f"{k}={v}" for k, v in row.items() if k not in ("createdAt", "updatedAt")))

    _emit(args, summary.to_json(), human)
    return EXIT_OK


def cmd_db_pull(args: argparse.Namespace) -> int:
    """Introspect the database into schema.prisma (or print it with --print)."""
    pulled = commands.db_pull(**_connection(args), schema=args.schema, print_only=args.print)
    _emit(args, pulled.to_json(), lambda: sys.stdout.write(pulled.text if args.print else f"{pulled}\n"))
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the typed client (TypedDicts and typed model accessors) for schema.prisma."""
    generated = commands.generate(schema=args.schema, output=args.output)
    _emit(args, generated.to_json(), lambda: print(generated))
    return EXIT_OK


def _add_db_commands(sub: Any, common: argparse.ArgumentParser) -> Any:
    db = sub.add_parser("db", help="work on the database without migrations (db pull, db push)")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p = dsub.add_parser("pull", parents=[common], help="introspect the database into schema.prisma (models, relations, enums, indexes)")
    p.add_argument("--schema", metavar="FILE", help="the schema file to write (default: schema.prisma in the project root); "
                   "its datasource, generator, names, /// comments and order are kept")
    p.add_argument("--print", action="store_true", help="print the schema instead of writing the file")
    p.set_defaults(func=cmd_db_pull)
    return dsub


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="database URL (default: DATABASE_URL, .env files, embedded SQLite)")
    common.add_argument("--env", help="environment name (default: CARRIERDB_ENV or 'development')")
    common.add_argument("--json", action="store_true", help="machine-readable output")

    parser = argparse.ArgumentParser(
        prog="carrierdb",
        description="Migrations, seeding and a validated carrier repository for PostgreSQL and SQLite.",
        epilog="exit codes: 0 ok, 1 action needed, 2 usage, 3 configuration or read-only target, 4 unreachable/timeout, 5 other error",
    )
    parser.add_argument("--version", action="version", version=f"carrierdb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("env", parents=[common], help="show where DATABASE_URL comes from and what shadows what")
    p.set_defaults(func=cmd_env)
    p = sub.add_parser("info", parents=[common], help="connect and report backend and version")
    p.set_defaults(func=cmd_info)
    dsub = _add_db_commands(sub, common)
    p = sub.add_parser("generate", help="write the typed Python client for schema.prisma (as prisma generate)")
    p.add_argument("--schema", metavar="FILE", help="schema file (default: schema.prisma in the project root)")
    p.add_argument("--output", metavar="DIR", help="package folder to write (default: carrierdb_client/ next to the schema)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_generate)

    migrate_common = argparse.ArgumentParser(add_help=False, parents=[common])
    migrate_common.add_argument("--dir", help="migrations folder (default: migrations/ in the project root)")
    migrate_common.add_argument("--table", default="_prisma_migrations", help="history table (default: %(default)s)")
    migrate_common.add_argument("--lock-timeout", type=float, default=10.0, help="seconds to wait for the migration lock (default: %(default)s)")
    migrate_common.add_argument("--no-progress", action="store_true", help="no progress bar")
    schema = sub.add_parser("schema", help="check schema.prisma and compare it with the database")
    ssub = schema.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    p = ssub.add_parser("check", parents=[common], help="validate the schema, report drift both ways (exit 1 on drift)")
    p.add_argument("--schema", help="schema file (default: schema.prisma in the project root)")
    p.add_argument("--table", default="_prisma_migrations", help="migration history table to ignore (default: %(default)s)")
    p.set_defaults(func=cmd_schema_check)

    seed_common = argparse.ArgumentParser(add_help=False, parents=[common])
    seed_common.add_argument("--dir", help="seeds folder (default: seeds/ in the project root)")
    seed = sub.add_parser("seed", parents=[seed_common], help="apply the environment's seed set; or: seed status | seed export")
    seed.add_argument("--dry-run", action="store_true", help="do everything in a transaction and roll it back")
    seed.add_argument("--lenient", action="store_true", help="write the valid rows; rejected rows go to --rejects")
    seed.add_argument("--rejects", help="file for rejected rows (default: <seed set>/rejects.csv)")
    seed.add_argument("--allow-production", action="store_true", help="required to seed production")
    seed.add_argument("--prune", action="store_true", help="delete rows whose keys the seed no longer has")
    seed.add_argument("--force", action="store_true", help="apply again although this version was applied")
    seed.add_argument("--no-progress", action="store_true", help="no progress bar")
    seed.set_defaults(func=cmd_seed)
    seed_actions = seed.add_subparsers(dest="seed_action", required=False, metavar="ACTION")
    p = seed_actions.add_parser("status", parents=[seed_common], help="what each environment's seed history holds")
    p.set_defaults(func=cmd_seed_status)
    p = seed_actions.add_parser("export", parents=[seed_common], help="write live rows as a seed file (CSV), optionally anonymised")
    p.add_argument("--model", required=True, help="model to export, e.g. Carrier")
    p.add_argument("--to", required=True, help="CSV file to write")
    p.add_argument("--where", help='a Prisma-style filter as JSON, e.g. \'{"status": "ACTIVE"}\'')
    p.add_argument("--anonymize", default="", help="comma-separated fields to replace with deterministic pseudonyms")
    p.add_argument("--salt", default=None, help="secret for the pseudonyms (default: CARRIERDB_ANONYMIZE_SALT or a fixed one)")
    p.set_defaults(func=cmd_seed_export)

    p = sub.add_parser("summary", parents=[common], help="counts per model and per status, and a few rows")
    p.add_argument("--sample", type=int, default=5, help="rows to show per model (default: %(default)s)")
    p.set_defaults(func=cmd_summary)

    migrate = sub.add_parser("migrate", help="apply, inspect and undo migrations")
    msub = migrate.add_subparsers(dest="migrate_command", required=True, metavar="ACTION")
    p = msub.add_parser("status", parents=[migrate_common], help="applied, pending, failed, edited, missing migrations (exit 1 when action is needed)")
    p.set_defaults(func=cmd_migrate_status)
    p = msub.add_parser("deploy", parents=[migrate_common], help="apply pending migrations, each in a transaction")
    p.add_argument("--dry-run", action="store_true", help="run them in one transaction and roll it back")
    p.add_argument("--allow-edited", action="store_true", help="deploy although an applied migration's file changed")
    p.add_argument("--single-transaction", action="store_true",
                   help="all pending migrations in one transaction: applied together or not at all")
    p.add_argument("--trace-locks", action="store_true",
                   help="with --dry-run, on PostgreSQL: list each statement's table locks, what they block and for how long")
    p.set_defaults(func=cmd_migrate_deploy)
    p = msub.add_parser("rollback", parents=[migrate_common], help="run down.sql of the latest applied migration(s)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--steps", type=int, default=1, help="how many migrations (default: 1)")
    group.add_argument("--to", help="roll back every migration applied after this one")
    p.add_argument("--force", "--accept-data-loss", dest="force", action="store_true",
                   help="run down scripts that drop tables or columns holding rows without asking")
    p.set_defaults(func=cmd_migrate_rollback)
    p = msub.add_parser("resolve", parents=[migrate_common], help="record a migration as applied or rolled back (Prisma's semantics)")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--applied", metavar="NAME", help="record NAME as applied without running it (baselining)")
    group.add_argument("--rolled-back", metavar="NAME", help="mark the failed migration NAME as rolled back")
    p.set_defaults(func=cmd_migrate_resolve)
    p = msub.add_parser("reset", parents=[migrate_common], help="drop every object and reapply all migrations")
    p.add_argument("--force", action="store_true", help="do not ask for confirmation")
    p.add_argument("--allow-production", action="store_true", help="allow it in the production environment")
    p.add_argument("--no-seed", action="store_true", help="do not run the environment's seed afterwards")
    p.set_defaults(func=cmd_migrate_reset)
    p = msub.add_parser("diff", help="the SQL from one schema, database (--from-url) or the empty database to another, as Prisma's migrate diff; writes nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-empty", action="store_true", help="from the empty database")
    source.add_argument("--from-schema", "--from-schema-datamodel", metavar="FILE", help="from the database this schema.prisma describes")
    source.add_argument("--from-migrations", metavar="DIR", help="from what this migrations folder builds, replayed into a shadow database")
    source.add_argument("--from-url", metavar="URL", help="from this live database (read only; its history tables left out)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to-schema", "--to-schema-datamodel", metavar="FILE", help="to the database this schema.prisma describes")
    target.add_argument("--to-empty", action="store_true", help="to the empty database")
    target.add_argument("--to-url", metavar="URL", help="to this live database (read only; its history tables left out)")
    p.add_argument("--script", action="store_true", help="print the SQL script instead of a summary")
    p.add_argument("--provider", choices=("postgresql", "sqlite"), help="the SQL dialect (default: the schema's datasource provider)")
    p.add_argument("--exit-code", action="store_true", help="exit 2 when there is a difference, 0 when there is none")
    p.add_argument("--shadow-database-url", metavar="URL", help="with --from-migrations: the database to replay into (reset), "
                   "as Prisma's flag (default: SHADOW_DATABASE_URL, else a temporary one)")
    p.add_argument("--rename-enum-value", action="append", default=[], metavar="ENUM.OLD=NEW",
                   help="an enum value renamed, not removed and added: its rows keep it (repeatable)")
    p.add_argument("--online", action="store_true",
                   help="PostgreSQL: lock-safe forms (indexes on existing tables CONCURRENTLY in a second, non-transactional "
                        "script; foreign keys NOT VALID, then VALIDATE)")
    p.set_defaults(func=cmd_migrate_diff)
    p.error = _exit_1_on_usage_error(p)  # type: ignore[method-assign]  # Prisma's diff: 2 means a difference
    p = msub.add_parser("lint", parents=[migrate_common],
                        help="lock hazards in the PostgreSQL migration files (exit 1 on an error finding); reads files only, "
                             "except --pending",
                        epilog="rules: " + ", ".join(_core.lint_rule_names) + ". Silence one statement with a comment line "
                               "directly above it: -- carrierdb-lint: ignore <rule> because <reason>")
    p.add_argument("name", nargs="?", help="lint this migration only (folder name, or the part after its timestamp)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--pending", action="store_true", help="lint the migrations not applied on the configured database")
    group.add_argument("--all", action="store_true", help="lint every migration (the default)")
    p.set_defaults(func=cmd_migrate_lint)
    p = msub.add_parser("new", parents=[migrate_common], help="create <timestamp>_<name>/ with empty migration.sql and down.sql (and this database's variants)")
    p.add_argument("name", help="letters, digits and underscores")
    p.add_argument("--provider", choices=("postgresql", "sqlite"), help="for a new migration_lock.toml (default: postgresql)")
    p.add_argument("--python", action="store_true", help="also write migration.py, a data step run after migration.sql (carrierdb only)")
    p.set_defaults(func=cmd_migrate_new)
    _add_dev_parsers(dsub, msub, migrate_common, common)
    _remember_parsers(parser)
    return parser


def _add_dev_parsers(dsub: Any, msub: Any, migrate_common: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """``migrate dev`` and ``db push``: the schema drives the database."""
    change = argparse.ArgumentParser(add_help=False)
    change.add_argument("--schema", help="schema file (default: schema.prisma in the project root)")
    change.add_argument("--accept-data-loss", action="store_true", help="go ahead although the change may lose data")
    change.add_argument("--rename-enum-value", action="append", default=[], metavar="ENUM.OLD=NEW",
                        help="an enum value renamed, not removed and added: its rows keep it (repeatable)")
    p = msub.add_parser("dev", parents=[migrate_common, change],
                        help="write the schema's change as a migration (both dialects, down.sql) and apply it")
    p.add_argument("--name", required=True, help="the migration's name: letters, digits and underscores")
    p.add_argument("--create-only", action="store_true", help="write the migration but do not apply it")
    p.add_argument("--online", action="store_true", help="PostgreSQL's lock-safe forms: new indexes CONCURRENTLY and foreign keys "
                   "NOT VALID + VALIDATE, in a second, non-transactional migration")
    p.add_argument("--shadow-database-url", help="a database to reset and replay into (default: SHADOW_DATABASE_URL, "
                   "the datasource's shadowDatabaseUrl, else a temporary one)")
    p.set_defaults(func=cmd_migrate_dev)
    p = dsub.add_parser("push", parents=[common, change], help="make the database match the schema without a migration (not in production)")
    p.set_defaults(func=cmd_db_push)


def _remember_parsers(parser: argparse.ArgumentParser) -> None:
    """Let each (sub)command put its own parser in the namespace as ``usage_parser`` (the
    innermost command's default wins), so a usage error can show that command's usage."""
    parser.set_defaults(usage_parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _remember_parsers(child)


def exit_code_for(error: BaseException) -> int:
    # A read-only target is no outage to wait out (4): the URL points at the wrong server or file.
    if isinstance(error, (_core.ConfigurationError, _core.ReadOnlyError)):
        return EXIT_CONFIG
    if isinstance(error, _core.OperationalError):
        return EXIT_UNREACHABLE
    return EXIT_ERROR


def _stop_on_sigterm() -> None:
    """SIGTERM (a CI job cancelled, `kill`, a container stopping) stops a command exactly as Ctrl-C
    does: the operation rolls back what it has not committed and says so."""

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    terminate.carrierdb_stops_operations = True  # type: ignore[attr-defined]  # see signal_watch.hpp
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminate)


def _interrupted(args: argparse.Namespace, stop: BaseException) -> int:
    """Reports a stop truthfully: what was rolled back, or what had been committed before it."""
    signum = getattr(stop, "signal", None) or (signal.SIGTERM if stop.args == ("SIGTERM",) else signal.SIGINT)
    committed = getattr(stop, "committed", False)
    result = getattr(stop, "result", None)
    # A bare KeyboardInterrupt came between carrierdb operations: say nothing about their work.
    message = getattr(stop, "message", None) or "interrupted"
    if getattr(args, "json", False):
        payload: dict[str, Any] = {"error": "Interrupted", "committed": committed, "message": message}
        if result is not None and hasattr(result, "to_json"):
            payload["result"] = result.to_json()
        json.dump(payload, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        if result is not None:
            print(result)  # the work is done: its report comes first
            sys.stdout.flush()  # before the message on stderr, also when both go to one pipe
        name = signal.Signals(signum).name if signum in tuple(signal.Signals) else f"signal {signum}"
        print(f"carrierdb: interrupted ({name}): {message}", file=sys.stderr)
    return 128 + int(signum)


def _error_json(error: _core.CarrierDBError) -> dict[str, Any]:
    payload: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
    if isinstance(error, _core.ValidationError):
        payload["issues"] = [
            {"row": i.get("row"), "field": ".".join(i["path"]) or None, "code": i["code"], "message": i["message"], "value": i.get("value")}
            for i in error.issues
        ]
    if isinstance(error, _core.DataLossError):
        payload["losses"] = error.losses
    return payload


def _report_error(args: argparse.Namespace, error: _core.CarrierDBError) -> None:
    if getattr(args, "json", False):
        try:
            json.dump(_error_json(error), sys.stdout, indent=2, default=str)
            sys.stdout.write("\n")
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_closed()  # the exit status stays the error's
    else:
        print(f"carrierdb: {type(error).__name__}: {error}", file=sys.stderr)


def _exit_1_on_usage_error(parser: argparse.ArgumentParser) -> Callable[[str], None]:
    """``parser.error`` exiting 1 instead of argparse's 2, for ``migrate diff``, where 2 means "a
    difference was found" to scripts written for Prisma."""

    def error(message: str) -> None:
        parser.print_usage(sys.stderr)
        parser.exit(1, f"{parser.prog}: error: {message}\n")

    return error


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # argparse reports unknown arguments from the top-level parser; show the usage of the
        # subcommand that was actually given instead.
        getattr(args, "usage_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    _stop_on_sigterm()
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe must surface here, not at interpreter exit
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt as stop:  # carrierdb.Interrupted too
        return _interrupted(args, stop)
    except commands.NotConfirmed:  # the question said why; nothing was changed
        return EXIT_USAGE
    except _core.CarrierDBError as error:
        _report_error(args, error)
        return exit_code_for(error)


def _stdout_closed() -> int:
    """The reader went away (``carrierdb summary | head``): stop quietly, as `cat` would."""
    # Whatever is still buffered can never be written; point stdout at /dev/null so the
    # interpreter's final flush does not raise a second BrokenPipeError.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
