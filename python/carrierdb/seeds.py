"""Seeding: ``seeds/<env>/manifest.json`` sets, or records and DataFrames, by natural key.

    db.seeds.apply()                            # the database's environment's set
    db.seeds.apply("testing", dry_run=True)
    db.seeds.records("Carrier", dataframe, key=["mcNumber"])
"""

from __future__ import annotations

import contextlib
import getpass
import socket
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from . import _core, _paths
from .config import Environment, project_root
from .models import _records_from
from .progress import resolve
from .reports import SeedReport

__all__ = ["SeedReport", "Seeds", "seed_directory"]


def seed_directory(env: str | Environment, seeds: Optional[Path] = None) -> Path:
    """The folder of the seed set for ``env``: the first of its spellings that exists (``test``
    finds ``seeds/testing``), else the one its name stands for."""
    environment = Environment.resolve(env)
    base = Path(seeds) if seeds is not None else project_root() / "seeds"
    for name in environment.spellings:
        if _paths.is_dir(base / name):
            return base / name
    return base / environment.canonical


@contextlib.contextmanager
def _progress(progress: Any) -> Iterator[Any]:
    """A tqdm bar over bytes read (one per file), a callable(file, bytes, total, rows, finished), or nothing."""
    callback, tqdm = resolve(progress)
    if tqdm is None:
        yield callback
        return
    bars: dict[str, Any] = {}

    def report(file: str, done: int, total: int, rows: int, finished: bool) -> None:
        bar = bars.get(file)
        if bar is None:
            bar = bars[file] = tqdm(total=total or None, desc=file, unit="B", unit_scale=True, leave=True)
        if finished:
            bar.set_postfix_str(f"{rows} rows", refresh=False)
            if bar.total:
                bar.update(bar.total - bar.n)
            bar.close()
        else:
            bar.update(max(0, done - bar.n))

    try:
        yield report
    finally:
        for bar in bars.values():
            bar.close()


def _options(environment: Environment, **kwargs: Any) -> dict[str, Any]:
    options = {k: v for k, v in kwargs.items() if v is not None}
    options["environment"] = environment.engine_name
    options.setdefault("applied_by", f"{getpass.getuser()}@{socket.gethostname()}")
    return options


def _column_values(series: Any) -> list[Any]:
    """A pandas column as Python values: datetimes as datetime, NaT as None, NaN left for the core."""
    if str(series.dtype).startswith("datetime"):
        return [None if value is None or value != value else value.to_pydatetime() for value in series.astype(object)]
    return series.tolist()


class Seeds:
    """Seeding one database (``db.seeds``): seed sets, records and DataFrames, export, history.

    The environment of a run is the database's (``db.environment``) unless ``env`` names another;
    its production rule (:attr:`Environment.is_production`) guards every write.
    """

    # db is the carrierdb.Database (not imported: database imports this module).
    def __init__(self, db: Any) -> None:
        self.db = db

    def _seeder(self) -> _core.Seeder:
        return _core.Seeder(self.db._db, self.db.schema)

    def _environment(self, env: str | Environment | None) -> Environment:
        return self.db.environment if env is None else Environment.resolve(env)

    def folder(self, env: str | Environment | None = None, directory: Optional[str | Path] = None) -> Path:
        """The folder of the seed set ``apply`` would use (see :func:`seed_directory`)."""
        return seed_directory(self._environment(env), Path(directory) if directory else None)

    def apply(self, env: str | Environment | None = None, *, directory: Optional[str | Path] = None, dry_run: bool = False,
              lenient: bool = False, rejects: Optional[str | Path] = None, allow_production: bool = False, prune: bool = False,
              force: bool = False, progress: Any = None) -> _core.SeedReport:
        """Apply the seed set of ``env`` (default: the database's environment) from ``directory``
        (default: ``seeds/`` in the project root) in one transaction.

        Strict by default: any invalid row means nothing is written, and ValidationError lists every
        bad row (file:line, field, rule, value). ``lenient=True`` writes the valid rows and the rejects
        to ``rejects`` (default ``<seed set>/rejects.csv``). Re-applying an unchanged version is a no-op
        unless ``force``. Production needs ``allow_production``; rows are deleted only with ``prune``.
        """
        environment = self._environment(env)
        folder = self.folder(environment, directory)
        manifest = folder / "manifest.json"
        if not _paths.is_file(manifest):
            raise _core.ConfigurationError(f"no seed set for environment '{environment}': {manifest} does not exist")
        rejects_path = str(rejects or folder / "rejects.csv") if lenient else None
        with _progress(progress) as report:
            return self._seeder().apply(str(manifest), **_options(environment, dry_run=dry_run, lenient=lenient, rejects_path=rejects_path,
                                                                  allow_production=allow_production, prune=prune, force=force, progress=report))

    def records(self, model: str, records: Any, *, key: Optional[Sequence[str]] = None, env: str | Environment | None = None,
                label: Optional[str] = None, dry_run: bool = False, lenient: bool = False, rejects: Optional[str | Path] = None,
                allow_production: bool = False, prune: bool = False) -> _core.SeedReport:
        """Upsert records (list of dicts or a DataFrame) of ``model`` by ``key`` (default: the model's
        first unique key), with the validation and idempotency of a seed file."""
        rejects_path = str(rejects) if lenient and rejects else None
        options = _options(self._environment(env), dry_run=dry_run, lenient=lenient, rejects_path=rejects_path,
                           allow_production=allow_production, prune=prune)
        label = label or f"records:{model}"
        if hasattr(records, "columns") and hasattr(records, "to_dict"):
            # A DataFrame goes column by column (tolist() is fast; no dict per row); NaN/NaT are missing.
            names = [str(c) for c in records.columns]
            columns = [_column_values(records[c]) for c in records.columns]
            return self._seeder().apply_columns(model, names, columns, list(key or []), label, **options)
        return self._seeder().apply_records(model, _records_from(records), list(key or []), label, **options)

    def export(self, model: str, to: str | Path, *, where: Any = None, anonymize: Sequence[str] = (), salt: Optional[str] = None) -> int:
        """Write live rows of ``model`` to a CSV seed file; ``anonymize`` replaces those fields with
        deterministic pseudonyms (same input and salt, same output, so keys stay joinable)."""
        return _core.export_csv(self.db._db, self.db.schema, model, str(to), where, list(anonymize), salt or "")

    def status(self) -> list[dict[str, Any]]:
        """Every seed run recorded in ``_carrierdb_seeds``, oldest first."""
        return [run.to_json() for run in self._seeder().history()]

    def __repr__(self) -> str:
        return f"<carrierdb.Seeds {self.db.environment} on {self.db.url}>"
