"""Where the database URL comes from: argument, shell, .env files, or the embedded default.

Precedence, highest first (the shell wins over every file, as with Prisma and python-dotenv):

1. the ``url`` passed to :func:`carrierdb.connect`;
2. ``DATABASE_URL`` in the process environment;
3. ``.env.<env>.local``, ``.env.<env>``, ``.env.local``, ``.env`` in the project root,
   ``<env>`` being ``CARRIERDB_ENV`` (default ``development``);
4. the embedded default: ``sqlite:<root>/.carrierdb/<env>.db``.

Files are parsed by python-dotenv (quotes, ``export``, ``${VAR}`` interpolation).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

from . import _core, _paths

DEFAULT_ENV = "development"
URL_VARIABLE = "DATABASE_URL"

__all__ = ["Environment", "Resolution", "Source", "current_env", "env_files", "project_root", "resolve"]


@dataclass(frozen=True)
class Environment:
    """The environment a program runs in, resolved once (:meth:`resolve`) and then handed on.

    ``name`` is the spelling given (``CARRIERDB_ENV``, ``--env``, ``env=``): it picks the
    ``.env.<name>`` files and is recorded in the seed history (production as ``production``). ``canonical`` is what an alias
    stands for (``test`` -> ``testing``). ``is_production`` is the one production rule: every
    guard (seeding, reset) asks it, so ``prod`` is guarded exactly as ``production`` is.
    """

    name: str

    @classmethod
    def resolve(cls, env: "str | Environment | None" = None, environ: Mapping[str, str] | None = None) -> "Environment":
        """``env`` when given, else ``CARRIERDB_ENV``, else ``development``: the only default."""
        if isinstance(env, Environment):
            return env
        environ = os.environ if environ is None else environ
        return cls(env or environ.get("CARRIERDB_ENV", "").strip() or DEFAULT_ENV)

    @property
    def canonical(self) -> str:
        return _core.canonical_environment(self.name)  # the engine's own table of aliases

    @property
    def spellings(self) -> tuple[str, ...]:
        """The names a folder for this environment may have, the given one first."""
        return (self.name,) if self.canonical == self.name else (self.name, self.canonical)

    @property
    def is_production(self) -> bool:
        return _core.is_production_environment(self.name)  # the engine's rule, which its guards apply

    @property
    def engine_name(self) -> str:
        """The name handed to the engine, which records it in the seed history: the name as given,
        except that production is recorded as ``production`` whatever its spelling."""
        return "production" if self.is_production else self.name

    def __str__(self) -> str:
        return self.name


def current_env(environ: Mapping[str, str] | None = None) -> str:
    """The active environment name: ``CARRIERDB_ENV``, default ``development``."""
    return Environment.resolve(environ=environ).name


def project_root(start: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``CARRIERDB_PROJECT_DIR`` if set, else the nearest directory at or above ``start`` (the
    working directory) holding ``schema.prisma``, ``migrations/`` or ``.carrierdb/``; else ``start``."""
    environ = os.environ if environ is None else environ
    if environ.get("CARRIERDB_PROJECT_DIR"):
        return Path(environ["CARRIERDB_PROJECT_DIR"]).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        # A directory we may not search (a checkout under /root seen by another user) is not it.
        if (_paths.is_file(candidate / "schema.prisma") or _paths.is_dir(candidate / "migrations")
                or _paths.is_dir(candidate / ".carrierdb")):
            return candidate
    return here


def env_files(root: Path, env: str) -> list[Path]:
    """The env files that may define the URL, most specific (winning) first."""
    return [root / f".env.{env}.local", root / f".env.{env}", root / ".env.local", root / ".env"]


@dataclass(frozen=True)
class Source:
    """One place that defines a variable. ``value`` holds secrets: show ``masked`` instead."""

    name: str
    value: str = field(repr=False)

    @property
    def masked(self) -> str:
        return _core.mask_url(self.value)


@dataclass
class Resolution:
    """The URL that won, where it came from, every other source, and what looks wrong."""

    url: str = field(repr=False)
    source: str
    reason: str
    environment: Environment
    root: Path
    sources: list[Source]
    warnings: list[str]
    embedded_default: bool = False
    variable: str = URL_VARIABLE

    @property
    def masked_url(self) -> str:
        return _core.mask_url(self.url)

    def shadowing_note(self) -> str | None:
        """Why a failed connection may not be the database the user meant: the URL came from a
        shell variable that hides another value in an env file. None when it did not."""
        if self.source != "shell environment":
            return None
        shell = next(s for s in self.sources if s.name == self.source)
        # The file that would win without the shell variable; the same URL there shadows nothing.
        file = next((s for s in self.sources if s.name not in ("argument", self.source)), None)
        if file is None or file.value == shell.value:
            return None
        return (f"{self.variable} came from the shell environment ({shell.masked}) and shadows the value in "
                f"{file.name} ({file.masked}); `unset {self.variable}` to use the file, "
                f"and `carrierdb env` shows every source")

    def to_json(self) -> dict:
        return {
            "url": self.masked_url,
            "source": self.source,
            "reason": self.reason,
            "env": self.environment.name,
            "project_root": str(self.root),
            "embedded_default": self.embedded_default,
            "sources": [{"name": s.name, "url": s.masked, "wins": s.name == self.source} for s in self.sources],
            "warnings": self.warnings,
        }


def _endpoint(url: str) -> tuple[str, str] | None:
    """(host, port) of a PostgreSQL URL, or None when it is not one or does not parse."""
    try:
        parsed = _core.parse_url(url)
    except _core.CarrierDBError:
        return None
    if parsed["backend"] != "postgresql":
        return None
    return parsed.get("host") or "localhost", parsed.get("port") or "5432"


def resolve(
    url: str | None = None,
    *,
    variable: str = URL_VARIABLE,
    env: str | Environment | None = None,
    root: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Resolution:
    """Find the database URL and explain the choice (see the module docstring for the order)."""
    environ = os.environ if environ is None else environ
    environment = Environment.resolve(env, environ)
    env = environment.name
    root = root or project_root(environ=environ)

    sources: list[Source] = []
    if url:
        sources.append(Source("argument", url))
    if environ.get(variable):
        sources.append(Source("shell environment", environ[variable]))
    for path in env_files(root, env):
        if _paths.is_file(path):
            value = dotenv_values(path).get(variable)
            if value:
                sources.append(Source(path.name, value))

    warnings: list[str] = []
    shell = next((s for s in sources if s.name == "shell environment"), None)
    files = [s for s in sources if s.name not in ("argument", "shell environment")]
    if shell and files and any(f.value != shell.value for f in files):
        shadowed = ", ".join(f.name for f in files if f.value != shell.value)
        warnings.append(
            f"{variable} from the shell environment ({shell.masked}) shadows the value in {shadowed} "
            f"({next(f for f in files if f.value != shell.value).masked}); "
            f"`unset {variable}` to use the file"
        )
    endpoints = {s.name: _endpoint(s.value) for s in sources}
    distinct = {e for e in endpoints.values() if e}
    if len(distinct) > 1:
        listing = "; ".join(f"{name}: {e[0]}:{e[1]}" for name, e in endpoints.items() if e)
        warnings.append(f"the sources disagree on host or port ({listing})")

    if sources:
        winner = sources[0]
        reason = {
            "argument": "passed explicitly, which overrides every other source",
            "shell environment": "a variable set in the shell wins over every .env file",
        }.get(winner.name, f"{winner.name} is the most specific env file that defines {variable} for env '{env}'")
        return Resolution(winner.value, winner.name, reason, environment, root, sources, warnings, variable=variable)

    path = root / ".carrierdb" / f"{env}.db"
    return Resolution(
        f"sqlite:{path}",
        "embedded default",
        f"no argument, no {variable} in the shell and none in {', '.join(p.name for p in env_files(root, env))}",
        environment,
        root,
        sources,
        warnings,
        embedded_default=True,
        variable=variable,
    )
