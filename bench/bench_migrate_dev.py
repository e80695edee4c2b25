"""Benchmark: the schema-driven loop over a long history.

    bench/run migrate_dev          (starts a durable PostgreSQL 15 of its own)

1. `migrate diff --from-migrations` over 200 migrations into a shadow PostgreSQL database (created,
   replayed, read back, diffed, dropped), against psql applying the same 200 files to an empty
   database in one session, interleaved in the same run. Target: within 1.5x of psql.
2. `migrate dev` on the embedded default (SQLite; its shadow is in memory) over a 200-migration
   SQLite history, after one schema edit: writes and applies the new migration. Target: under 1 s.

The histories are written by carrierdb's own `migrate diff` between successive schemas (as a team
running `migrate dev` 200 times would have them): odd steps add a model, even steps add a column
to it, so the last schema has 100 models.

Prints a table and writes bench/results/migrate_dev.json. Ratios, not absolute times, are the result.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import carrierdb
from carrierdb import commands
from common import psql_env, save_result, with_db

REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
STEPS = 200


def schema_text(provider: str, step: int) -> str:
    """The schema after `step` edits: model M<k> for each odd step k, with column c<k+1> once step k+1 ran."""
    out = [f'datasource db {{\n  provider = "{provider}"\n  url      = env("DATABASE_URL")\n}}\n']
    for k in range(1, step + 1, 2):
        fields = ["  id   Int    @id @default(autoincrement())", "  name String"]
        if k + 1 <= step:
            fields.append(f"  c{k + 1} String?")
        out.append(f"model M{k} {{\n" + "\n".join(fields) + f'\n\n  @@map("t{k}")\n}}\n')
    return "\n".join(out)


def write_history(folder: Path, provider: str, steps: int) -> Path:
    """`steps` migration folders written by migrate diff between successive schemas; returns the
    last schema's path (the one the history leads to)."""
    folder.mkdir(parents=True)
    (folder / "migration_lock.toml").write_text(f'provider = "{provider}"\n')
    schemas = folder.parent / f"schemas-{provider}"
    schemas.mkdir()
    previous = None
    for k in range(1, steps + 1):
        current = schemas / f"{k}.prisma"
        current.write_text(schema_text(provider, k))
        diff = commands.migrate_diff(from_empty=previous is None, from_schema=previous, to_schema=current, provider=provider)
        step = folder / f"2024{k:010d}_step_{k}"
        step.mkdir()
        (step / "migration.sql").write_text(diff.script)
        previous = current
    return previous


def migration_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/migration.sql"))


def reset_database(admin, name: str) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')


def bench_diff_from_migrations(admin, admin_url: str, work: Path) -> dict:
    folder = work / "pg" / "migrations"
    last = write_history(folder, "postgresql", STEPS)
    files = migration_files(folder)
    assert len(files) == STEPS
    psql_args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"] + [a for f in files for a in ("-f", str(f))]
    # As `migrate diff --from-migrations` runs in CI: no SHADOW_DATABASE_URL, so the shadow is a
    # temporary database created on DATABASE_URL's server, replayed, read back and dropped.
    os.environ.pop("SHADOW_DATABASE_URL", None)
    os.environ["DATABASE_URL"] = admin_url
    psql_times, ours_times = [], []
    for _ in range(REPEAT):
        reset_database(admin, "bench_psql")
        # Each timed run starts from a checkpointed server. DROP DATABASE forces a checkpoint
        # (PostgreSQL 15: pg_stat_bgwriter.checkpoints_req counts it), so without this the shadow's
        # drop would write out the pages psql's run just dirtied, charging psql's writes to carrierdb.
        admin.execute("CHECKPOINT")
        start = time.perf_counter()
        subprocess.run(psql_args, env=psql_env(with_db(admin_url, "bench_psql")), check=True)
        psql_times.append(time.perf_counter() - start)
        admin.execute("CHECKPOINT")
        start = time.perf_counter()
        diff = commands.migrate_diff(from_migrations=folder, to_schema=last)
        ours_times.append(time.perf_counter() - start)
        assert diff.empty, f"the history should lead exactly to its last schema, got {diff.summary[:3]}"
    admin.execute('DROP DATABASE IF EXISTS "bench_psql" WITH (FORCE)')
    leftovers = admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'carrierdb_shadow%'")
    assert not leftovers, f"shadow databases left behind: {leftovers}"
    return {"psql_s": psql_times, "carrierdb_s": ours_times}


def bench_dev_sqlite(work: Path) -> dict:
    project = work / "sqlite"
    folder = project / "migrations"
    last = write_history(folder, "sqlite", STEPS)
    edited = project / "schema.prisma"
    # One more edit after the history: the migration `migrate dev` writes and applies.
    edited.write_text(last.read_text() + "\nmodel Added {\n  id Int @id @default(autoincrement())\n}\n")
    times = []
    for round_ in range(REPEAT):
        db_file = project / f"dev{round_}.db"
        url = f"sqlite:///{db_file}"
        commands.migrate_deploy(url, directory=folder)
        start = time.perf_counter()
        result = commands.migrate_dev(f"added_{round_}", url, directory=folder, schema=edited)
        times.append(time.perf_counter() - start)
        assert result.folder is not None and result.folder.name in result.applied, result
        shutil.rmtree(result.folder)
    return {"sqlite_dev_s": times}


def main() -> int:
    admin_url = os.environ["CARRIERDB_TEST_DATABASE_URL"]
    admin = carrierdb.connect(admin_url, pool_size=1)
    work = Path(tempfile.mkdtemp(prefix="carrierdb-bench-dev-"))
    try:
        diff = bench_diff_from_migrations(admin, admin_url, work)
        dev = bench_dev_sqlite(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    psql, ours = statistics.median(diff["psql_s"]), statistics.median(diff["carrierdb_s"])
    dev_median = statistics.median(dev["sqlite_dev_s"])
    result = {
        "server": admin.server_version,
        "repeat": REPEAT,
        "steps": STEPS,
        "apply_200_psql_s": psql,
        "diff_from_migrations_200_s": ours,
        "ratio_diff_over_psql": ours / psql,
        "ratio_per_round": sorted(c / p for c, p in zip(diff["carrierdb_s"], diff["psql_s"])),
        "migrate_dev_sqlite_s": dev_median,
        "targets": {"ratio_diff_over_psql": 1.5, "migrate_dev_sqlite_s": 1.0},
        **diff,
        **dev,
    }
    lines = [
        f"migrate diff --from-migrations over {STEPS} migrations (shadow PostgreSQL), median of {REPEAT} interleaved rounds: "
        f"{ours:.3f} s; psql applying the same files in one session: {psql:.3f} s",
        f"  ratio {ours / psql:.2f}x psql (target <= 1.5x); per round {', '.join(f'{r:.2f}' for r in result['ratio_per_round'])}",
        f"migrate dev on SQLite over {STEPS} migrations plus one edit, median of {REPEAT}: {dev_median * 1000:.0f} ms "
        f"(target < 1 s; min {min(dev['sqlite_dev_s']) * 1000:.0f}, max {max(dev['sqlite_dev_s']) * 1000:.0f})",
    ]
    return save_result("migrate_dev", result, lines)


if __name__ == "__main__":
    sys.exit(main())
