"""A rollback whose down scripts drop tables or columns that hold rows: counted, refused, or accepted."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

import carrierdb

# Names that need the dialect's quoting (mixed case, a blank, a quote). PostgreSQL's down drops
# several tables in one statement and uses IF EXISTS where SQLite has no such syntax.
UP = """CREATE TABLE "Fleet Units" ("id" INTEGER PRIMARY KEY, "plate" TEXT, "Weird""Col" TEXT);
CREATE TABLE spare (id INTEGER PRIMARY KEY);
CREATE TABLE empty_one (id INTEGER PRIMARY KEY);"""
DOWN = """-- undo
ALTER TABLE "Fleet Units" DROP COLUMN "plate";
ALTER TABLE "Fleet Units" DROP COLUMN IF EXISTS "Weird""Col";
DROP TABLE IF EXISTS spare, "empty_one", never_created;"""
DOWN_SQLITE = """-- undo
ALTER TABLE "Fleet Units" DROP COLUMN "plate";
ALTER TABLE `Fleet Units` DROP COLUMN "Weird""Col";
DROP TABLE IF EXISTS [spare];
DROP TABLE "empty_one";
DROP TABLE IF EXISTS never_created;"""
NAME = "20240101000000_fleet"


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A migrations folder (no lock file: the SQL is valid on both backends) with one migration."""
    folder = tmp_path / "migrations"
    (folder / NAME).mkdir(parents=True)
    (folder / NAME / "migration.sql").write_text(UP)
    (folder / NAME / "down.sql").write_text(DOWN)
    (folder / NAME / "down.sqlite.sql").write_text(DOWN_SQLITE)
    return folder


@pytest.fixture
def filled(carrierdb_db, fleet):
    """The migration applied, with 3 units (2 plates, 1 odd value) and 2 spare rows."""
    carrierdb_db.migrations(fleet).deploy()
    for k, plate in enumerate(["P1", None, "P3"], start=1):
        carrierdb_db.execute('INSERT INTO "Fleet Units" ("id", "plate", "Weird""Col") VALUES ($1, $2, $3)', [k, plate, "x" if k == 1 else None])
    carrierdb_db.execute("INSERT INTO spare (id) VALUES (1), (2)")
    return carrierdb_db


def state(db) -> tuple:
    return db.schema_snapshot(), db.query("SELECT migration_name, rolled_back_at FROM _prisma_migrations")


EXPECTED_LOSSES = [
    {"migration": NAME, "table": "Fleet Units", "column": "plate", "rows": 2},
    {"migration": NAME, "table": "Fleet Units", "column": 'Weird"Col', "rows": 1},
    {"migration": NAME, "table": "spare", "column": None, "rows": 2},
]


def test_rollback_that_destroys_rows_is_refused_with_the_counts(filled, fleet):
    migrations = filled.migrations(fleet)
    before = state(filled)
    with pytest.raises(carrierdb.DataLossError) as info:
        migrations.rollback()
    # Empty tables and tables that do not exist lose nothing and are not listed.
    assert info.value.losses == EXPECTED_LOSSES
    message = str(info.value)
    assert "column Fleet Units.plate: 2 non-null values" in message and "table spare: 2 rows" in message
    assert "empty_one" not in message and "never_created" not in message
    assert "accept_data_loss=True" in message and "Nothing was changed" in message
    assert isinstance(info.value, carrierdb.MigrationError)
    assert state(filled) == before and migrations.status().applied == [NAME]


def test_accepting_the_loss_rolls_back(filled, fleet):
    migrations = filled.migrations(fleet)
    assert migrations.rollback(accept_data_loss=True).names == [NAME]
    assert sorted(filled.table_names()) == ["Fleet Units", "_prisma_migrations"]
    assert filled.query('SELECT * FROM "Fleet Units" ORDER BY "id"') == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert migrations.status().pending == [NAME]


def test_a_down_script_over_empty_tables_needs_no_opt_in(carrierdb_db, fleet):
    migrations = carrierdb_db.migrations(fleet)
    migrations.deploy()
    carrierdb_db.execute('INSERT INTO "Fleet Units" ("id") VALUES (1)')  # no plate, no odd value: nothing to lose
    assert migrations.rollback().names == [NAME]


def test_the_shipped_migrations_count_carriers_and_their_status(carrierdb_seeded_db):
    migrations = carrierdb_seeded_db.migrations()
    with pytest.raises(carrierdb.DataLossError) as info:
        migrations.rollback(steps=3)
    assert [(l["table"], l["column"], l["rows"]) for l in info.value.losses] == [("carriers", "status", 225), ("carriers", None, 225)]
    assert carrierdb_seeded_db.carrier.count() == 225


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_without_a_terminal_refuses_with_exit_2_and_changes_nothing(run_cli, filled, fleet, carrierdb_url):
    before = state(filled)
    refused = run_cli("migrate", "rollback", "--dir", str(fleet), "--url", carrierdb_url)
    assert refused.returncode == 2, refused.stderr
    assert "DataLossError" in refused.stderr and "table spare: 2 rows" in refused.stderr and "--force" in refused.stderr
    as_json = run_cli("migrate", "rollback", "--json", "--dir", str(fleet), "--url", carrierdb_url)
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["losses"] == EXPECTED_LOSSES
    assert state(filled) == before
    forced = run_cli("migrate", "rollback", "--force", "--json", "--dir", str(fleet), "--url", carrierdb_url)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["migrations"][0]["name"] == NAME
    assert "spare" not in filled.table_names()


def run_on_terminal(args: list[str], answer: str) -> tuple[int, str]:
    """Runs the CLI with a pseudo-terminal as stdin/stdout/stderr; answers the first question."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once, nothing else
        os.execv(sys.executable, [sys.executable, "-m", "carrierdb.cli", *args])
    output = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"[y/N]" in output:
            os.write(fd, answer.encode() + b"\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


@pytest.mark.parametrize("answer", ["n", "y"])
def test_cli_on_a_terminal_shows_the_counts_and_asks(filled, fleet, carrierdb_url, answer, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    before = state(filled)
    code, output = run_on_terminal(["migrate", "rollback", "--no-progress", "--dir", str(fleet), "--url", carrierdb_url], answer)
    assert "column Fleet Units.plate: 2 non-null values" in output and "[y/N]" in output
    if answer == "n":
        assert code == 2 and "rollback cancelled" in output
        assert state(filled) == before
    else:
        assert code == 0, output
        assert f"ok   {NAME}" in output and "spare" not in filled.table_names()
