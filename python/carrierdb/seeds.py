"""Seeding: ``seeds/<env>/manifest.json`` sets, or records and DataFrames, by natural key.

    db.seed()                                   # the current environment's set
    db.seed("testing", dry_run=True)
    db.seed_records("Carrier", dataframe, key=["mcNumber"])
"""

from __future__ import annotations

import contextlib
import getpass
import socket
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from . import _core, _paths
from .config import project_root
from .progress import resolve
from .reports import SeedReport

__all__ = ["SeedReport", "seed", "seed_directory", "seed_records", "seed_status"]

# CARRIERDB_ENV spellings that name a seed set of another name.
ENV_ALIASES = {"test": "testing", "dev": "development", "prod": "production"}


def seed_directory(env: str, seeds: Optional[Path] = None) -> Path:
    """The folder of the seed set for ``env`` (``test`` finds ``seeds/testing``)."""
    base = Path(seeds) if seeds is not None else project_root() / "seeds"
    candidate = base / env
    if not _paths.is_dir(candidate) and env in ENV_ALIASES:
        candidate = base / ENV_ALIASES[env]
    return candidate


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


def _options(db, env: str, **kwargs: Any) -> dict[str, Any]:
    options = {k: v for k, v in kwargs.items() if v is not None}
    options["environment"] = env
    options.setdefault("applied_by", f"{getpass.getuser()}@{socket.gethostname()}")
    return options


def _seeder(db):
    return _core.Seeder(db._db, db.schema)


def seed(db, env: Optional[str] = None, *, seeds: Optional[str | Path] = None, dry_run: bool = False, lenient: bool = False,
         rejects: Optional[str | Path] = None, allow_production: bool = False, prune: bool = False, force: bool = False,
         progress: Any = None) -> SeedReport:
    """Apply the seed set of ``env`` (default: the database's environment) in one transaction.

    Strict by default: any invalid row means nothing is written, and ValidationError lists every
    bad row (file:line, field, rule, value). ``lenient=True`` writes the valid rows and the rejects
    to ``rejects`` (default ``<seed set>/rejects.csv``). Re-applying an unchanged version is a no-op
    unless ``force``. ``production`` needs ``allow_production``; rows are deleted only with ``prune``.
    """
    env = env or db.env or "development"
    folder = seed_directory(env, Path(seeds) if seeds else None)
    manifest = folder / "manifest.json"
    if not _paths.is_file(manifest):
        raise _core.ConfigurationError(f"no seed set for environment '{env}': {manifest} does not exist")
    rejects_path = str(rejects or folder / "rejects.csv") if lenient else None
    with _progress(progress) as report:
        return _seeder(db).apply(str(manifest), **_options(db, "production" if folder.name == "production" else env, dry_run=dry_run,
                                                           lenient=lenient, rejects_path=rejects_path, allow_production=allow_production,
                                                           prune=prune, force=force, progress=report))


def seed_records(db, model: str, records: Any, *, key: Optional[Sequence[str]] = None, env: Optional[str] = None,
                 label: Optional[str] = None, dry_run: bool = False, lenient: bool = False, rejects: Optional[str | Path] = None,
                 allow_production: bool = False, prune: bool = False) -> SeedReport:
    """Upsert records (list of dicts or a DataFrame) of ``model`` by ``key`` (default: the model's
    first unique key), with the validation and idempotency of a seed file."""
    from .models import _records_from

    env = env or db.env or "development"
    rejects_path = str(rejects) if lenient and rejects else None
    options = _options(db, env, dry_run=dry_run, lenient=lenient, rejects_path=rejects_path, allow_production=allow_production, prune=prune)
    label = label or f"records:{model}"
    if hasattr(records, "columns") and hasattr(records, "to_dict"):
        # A DataFrame goes column by column (tolist() is fast; no dict per row); NaN/NaT are missing.
        names = [str(c) for c in records.columns]
        columns = [_column_values(records[c]) for c in records.columns]
        return _seeder(db).apply_columns(model, names, columns, list(key or []), label, **options)
    return _seeder(db).apply_records(model, _records_from(records), list(key or []), label, **options)


def _column_values(series) -> list:
    """A pandas column as Python values: datetimes as datetime, NaT as None, NaN left for the core."""
    if str(series.dtype).startswith("datetime"):
        return [None if value is None or value != value else value.to_pydatetime() for value in series.astype(object)]
    return series.tolist()


def seed_status(db) -> list[dict]:
    """Every seed run recorded in ``_carrierdb_seeds``, oldest first."""
    return [run.to_json() for run in _seeder(db).history()]
