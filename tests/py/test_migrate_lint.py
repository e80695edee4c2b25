"""`carrierdb migrate lint`: static lock-hazard rules over PostgreSQL migration files, through
commands.migrate_lint and the CLI (findings, silences, --json shape, exit codes, --pending)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands

INIT = """CREATE TABLE "Carrier" ("id" SERIAL NOT NULL, "name" VARCHAR(100) NOT NULL, CONSTRAINT "Carrier_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Truck" ("id" SERIAL NOT NULL, "plate" TEXT NOT NULL, "carrierId" INTEGER, "note" VARCHAR(50), "weight" INTEGER,
  CONSTRAINT "Truck_pkey" PRIMARY KEY ("id"));
"""
SQLITE_INIT = """CREATE TABLE "Carrier" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);
CREATE TABLE "Truck" ("id" INTEGER PRIMARY KEY, "plate" TEXT NOT NULL, "carrierId" INTEGER, "note" TEXT, "weight" INTEGER);
"""
TIMEOUT = "SET lock_timeout = '5s';\n"

# rule -> (a statement that takes the hazardous lock on an existing table, its safe form)
CASES = {
    "index-not-concurrent": ('CREATE INDEX "Truck_plate_idx" ON "Truck"("plate");',
                             'CREATE TABLE "Depot" ("id" INTEGER);\nCREATE INDEX "Depot_id_idx" ON "Depot"("id");'),
    "constraint-not-valid": ('ALTER TABLE "Truck" ADD CONSTRAINT "Truck_carrierId_fkey" FOREIGN KEY ("carrierId") REFERENCES "Carrier"("id");',
                             'ALTER TABLE "Truck" ADD CONSTRAINT "Truck_carrierId_fkey" FOREIGN KEY ("carrierId") REFERENCES "Carrier"("id") NOT VALID;\n'
                             'ALTER TABLE "Truck" VALIDATE CONSTRAINT "Truck_carrierId_fkey";'),
    "set-not-null": ('ALTER TABLE "Truck" ALTER COLUMN "weight" SET NOT NULL;',
                     'ALTER TABLE "Truck" ADD CONSTRAINT "w_nn" CHECK ("weight" IS NOT NULL) NOT VALID;\n'
                     'ALTER TABLE "Truck" VALIDATE CONSTRAINT "w_nn";\nALTER TABLE "Truck" ALTER COLUMN "weight" SET NOT NULL;'),
    "column-type-rewrite": ('ALTER TABLE "Truck" ALTER COLUMN "weight" SET DATA TYPE BIGINT;',
                            'ALTER TABLE "Truck" ALTER COLUMN "note" SET DATA TYPE VARCHAR(80);'),
    "volatile-default": ('ALTER TABLE "Truck" ADD COLUMN "uid" UUID NOT NULL DEFAULT gen_random_uuid();',
                         'ALTER TABLE "Truck" ADD COLUMN "axles" INTEGER NOT NULL DEFAULT 2;'),
    "unique-constraint-direct": ('ALTER TABLE "Truck" ADD CONSTRAINT "Truck_plate_key" UNIQUE ("plate");',
                                 'ALTER TABLE "Truck" ADD CONSTRAINT "Truck_plate_key" UNIQUE USING INDEX "Truck_plate_key";'),
    "rename-in-use": ('ALTER TABLE "Truck" RENAME COLUMN "plate" TO "licence";',
                      'ALTER TABLE "Truck" ADD COLUMN "licence" TEXT;'),
    "drop-in-use": ('ALTER TABLE "Truck" DROP COLUMN "note";',
                    'CREATE TABLE "Depot" ("id" INTEGER);\nDROP TABLE "Depot";'),
}


def folder(root: Path, change: str, *, sqlite_change: str | None = None) -> Path:
    """migrations/ with the init migration and one change; SQLite variants when asked for."""
    migrations = root / "migrations"
    for name, sql, sqlite in (("20240101000000_init", INIT, SQLITE_INIT), ("20240202000000_change", change, sqlite_change)):
        (migrations / name).mkdir(parents=True)
        (migrations / name / "migration.sql").write_text(sql)
        if sqlite_change is not None:
            (migrations / name / "migration.sqlite.sql").write_text(sqlite)
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    return migrations


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_fires_on_its_hazard_and_not_on_the_safe_form(rule, tmp_path):
    bad, good = CASES[rule]
    found = commands.migrate_lint("change", directory=folder(tmp_path / "bad", TIMEOUT + bad))
    assert [f.rule for f in found.findings] == [rule]
    finding = found.findings[0]
    assert finding.migration == "20240202000000_change" and finding.line == 2
    assert finding.file.endswith("20240202000000_change/migration.sql")
    assert finding.lock and finding.blocks and finding.rewrite and finding.message
    assert found.ok == (rule == "drop-in-use")  # a drop is a warning: the code may still read it
    clean = commands.migrate_lint("change", directory=folder(tmp_path / "good", TIMEOUT + good))
    assert clean.findings == [] and clean.ok


def test_access_exclusive_statement_needs_a_lock_timeout_before_it(tmp_path):
    bare = commands.migrate_lint("change", directory=folder(tmp_path / "a", 'ALTER TABLE "Truck" ADD COLUMN "axles" INTEGER;'))
    assert [(f.rule, f.severity, f.lock) for f in bare.findings] == [("lock-timeout-missing", "warning", 'AccessExclusiveLock on "Truck"')]
    assert "all reads and writes" in bare.findings[0].blocks
    guarded = commands.migrate_lint("change", directory=folder(tmp_path / "b", TIMEOUT + 'ALTER TABLE "Truck" ADD COLUMN "axles" INTEGER;'))
    assert guarded.findings == []


def test_a_silence_needs_a_reason(tmp_path):
    silenced = TIMEOUT + "-- carrierdb-lint: ignore index-not-concurrent because Truck holds 40 rows\n" + CASES["index-not-concurrent"][0]
    assert commands.migrate_lint("change", directory=folder(tmp_path / "a", silenced)).findings == []
    bare = TIMEOUT + "-- carrierdb-lint: ignore index-not-concurrent\n" + CASES["index-not-concurrent"][0]
    found = commands.migrate_lint("change", directory=folder(tmp_path / "b", bare))
    assert [(f.rule, f.line) for f in found.findings] == [("silence-without-reason", 2), ("index-not-concurrent", 3)]
    misspelt = TIMEOUT + "-- carrierdb-lint: ignore index-not-concurent because a typo\n" + CASES["index-not-concurrent"][0]
    found = commands.migrate_lint("change", directory=folder(tmp_path / "c", misspelt))
    assert [(f.rule, f.severity) for f in found.findings] == [("silence-unknown-rule", "error"), ("index-not-concurrent", "error")]


def test_cli_json_shape_and_exit_codes(run_cli, tmp_path):
    migrations = folder(tmp_path / "p", TIMEOUT + CASES["index-not-concurrent"][0] + "\n" + CASES["drop-in-use"][0])
    result = run_cli("migrate", "lint", "--json", "--dir", str(migrations))
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"directory", "selection", "linted", "findings", "errors", "warnings", "ok", "notes"}
    assert data["selection"] == "all" and data["linted"] == ["20240101000000_init", "20240202000000_change"]
    assert (data["errors"], data["warnings"], data["ok"]) == (1, 1, False)
    assert set(data["findings"][0]) == {"rule", "severity", "migration", "file", "line", "statement", "lock", "blocks", "message", "rewrite"}
    assert [(f["rule"], f["severity"], f["line"]) for f in data["findings"]] == [("index-not-concurrent", "error", 2),
                                                                                ("drop-in-use", "warning", 3)]
    text = run_cli("migrate", "lint", "--dir", str(migrations))
    assert text.returncode == 1
    assert "20240202000000_change/migration.sql:2: error [index-not-concurrent]" in text.stdout
    assert "ShareLock on \"Truck\"" in text.stdout and "CREATE INDEX CONCURRENTLY" in text.stdout
    # Warnings alone exit 0; an unknown migration name is an error (5).
    warnings_only = folder(tmp_path / "w", TIMEOUT + CASES["drop-in-use"][0])
    assert run_cli("migrate", "lint", "--dir", str(warnings_only)).returncode == 0
    assert "index-not-concurrent, constraint-not-valid" in run_cli("migrate", "lint", "--help").stdout
    missing = run_cli("migrate", "lint", "nope", "--dir", str(warnings_only))
    assert missing.returncode == 5 and "no migration named 'nope'" in missing.stderr


def test_sqlite_variants_are_not_linted_and_a_sqlite_folder_says_why(tmp_path):
    # The hazard is only in the SQLite variant: the PostgreSQL file is what lint reads.
    migrations = folder(tmp_path / "p", TIMEOUT + CASES["drop-in-use"][1], sqlite_change='CREATE INDEX "i" ON "Truck"("plate");')
    assert commands.migrate_lint(directory=migrations).findings == []
    sqlite_only = tmp_path / "s" / "migrations" / "20240101000000_init"
    sqlite_only.mkdir(parents=True)
    (sqlite_only / "migration.sql").write_text(SQLITE_INIT + 'CREATE INDEX "i" ON "Truck"("plate");')
    (sqlite_only.parent / "migration_lock.toml").write_text('provider = "sqlite"\n')
    found = commands.migrate_lint(directory=sqlite_only.parent)
    assert found.findings == [] and found.linted == [] and "SQLite has no table locks" in found.notes[0]


def test_pending_lints_only_what_the_database_has_not_applied(carrierdb_url, tmp_path):
    migrations = folder(tmp_path / "p", TIMEOUT + CASES["index-not-concurrent"][0],
                        sqlite_change='CREATE INDEX "Truck_plate_idx" ON "Truck"("plate");')
    # Apply only init: move the change away during the deploy.
    change = migrations / "20240202000000_change"
    change.rename(tmp_path / "aside")
    with carrierdb.connect(carrierdb_url) as db:
        db.migrations(migrations).deploy()
    (tmp_path / "aside").rename(change)
    pending = commands.migrate_lint(url=carrierdb_url, pending=True, directory=migrations)
    assert pending.selection == "pending" and pending.linted == ["20240202000000_change"]
    assert [f.rule for f in pending.findings] == ["index-not-concurrent"]
    with carrierdb.connect(carrierdb_url) as db:
        db.migrations(migrations).deploy()
    done = commands.migrate_lint(url=carrierdb_url, pending=True, directory=migrations)
    assert done.linted == [] and done.findings == [] and "no pending migration" in done.notes[0]
