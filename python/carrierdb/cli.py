"""The ``carrierdb`` command: a thin argparse layer over the same API a script uses.

Exit codes (every command):
  0  success
  1  the command worked and found something that needs action (e.g. pending migrations)
  2  usage error (bad arguments)
  3  configuration error (malformed URL, unknown scheme, bad option)
  4  the database could not be reached, or timed out
  5  any other carrierdb error (SQL error, failed migration, ...)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Sequence

from . import _core
from .config import resolve
from .database import connect

EXIT_OK, EXIT_ACTION_NEEDED, EXIT_USAGE, EXIT_CONFIG, EXIT_UNREACHABLE, EXIT_ERROR = 0, 1, 2, 3, 4, 5


def _emit(args: argparse.Namespace, payload: dict[str, Any], human: Callable[[], None]) -> None:
    if getattr(args, "json", False):
        json.dump(payload, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        human()


def cmd_env(args: argparse.Namespace) -> int:
    """Explain where DATABASE_URL comes from."""
    r = resolve(args.url, env=args.env)

    def human() -> None:
        print(f"environment: {r.env}   (CARRIERDB_ENV)")
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
    db = connect(args.url, env=args.env)
    payload = {
        "backend": db.backend,
        "url": db.url,
        "server_version": db.server_version,
        "env": db.env,
        "source": db.resolution.source if db.resolution else None,
        "capabilities": db.capabilities,
    }

    def human() -> None:
        print(f"connected: {db.url}")
        print(f"backend:   {db.backend} ({db.server_version})")
        print(f"env:       {db.env}   (url from {payload['source']})")
        caps = ", ".join(k for k, v in db.capabilities.items() if v) or "none"
        print(f"features:  {caps}")

    _emit(args, payload, human)
    db.close()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="database URL (default: DATABASE_URL, .env files, embedded SQLite)")
    common.add_argument("--env", help="environment name (default: CARRIERDB_ENV or 'development')")
    common.add_argument("--json", action="store_true", help="machine-readable output")

    parser = argparse.ArgumentParser(
        prog="carrierdb",
        description="Migrations, seeding and a validated carrier repository for PostgreSQL and SQLite.",
        epilog="exit codes: 0 ok, 1 action needed, 2 usage, 3 configuration, 4 unreachable/timeout, 5 other error",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("env", parents=[common], help="show where DATABASE_URL comes from and what shadows what")
    p.set_defaults(func=cmd_env)
    p = sub.add_parser("info", parents=[common], help="connect and report backend and version")
    p.set_defaults(func=cmd_info)
    return parser


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, _core.ConfigurationError):
        return EXIT_CONFIG
    if isinstance(error, _core.OperationalError):
        return EXIT_UNREACHABLE
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except _core.CarrierDBError as error:
        if getattr(args, "json", False):
            json.dump({"error": type(error).__name__, "message": str(error)}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            print(f"carrierdb: {type(error).__name__}: {error}", file=sys.stderr)
        return exit_code_for(error)
    except KeyboardInterrupt:
        print("carrierdb: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
