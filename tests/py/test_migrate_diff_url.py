"""migrate diff --from-url / --to-url: a live database as one side of the diff, read only.

What a user relies on: a database deployed from the migrations of a schema has no difference from
that schema (the history table is not a difference); a change made by hand shows as the SQL that
undoes it, in the database's own dialect; the database is never written to; and a URL that cannot be
reached is an error (exit 1) that never shows the password.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import carrierdb
from carrierdb import cli, commands

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"
SCHEMA = FLEET / "schema.prisma"


def test_deployed_database_has_no_difference_from_its_schema(fleet_url, carrierdb_backend, capsys):
    with carrierdb.connect(fleet_url) as db:
        before = db.schema_snapshot()
    diff = commands.migrate_diff(from_url=fleet_url, to_schema=SCHEMA)
    assert diff.empty and diff.provider == carrierdb_backend and diff.script == ""
    assert commands.migrate_diff(from_schema=SCHEMA, to_url=fleet_url, provider=carrierdb_backend).empty
    assert cli.main(["migrate", "diff", "--from-url", fleet_url, "--to-schema", str(SCHEMA), "--exit-code"]) == 0
    assert "No difference detected." in capsys.readouterr().out
    assert cli.main(["migrate", "diff", "--from-url", fleet_url, "--to-url", fleet_url, "--exit-code"]) == 0
    with carrierdb.connect(fleet_url) as db:
        assert db.schema_snapshot() == before  # read only: nothing was created, not even a table


def test_a_hand_edit_gives_the_sql_that_undoes_it(fleet_url, carrierdb_backend, capsys):
    with carrierdb.connect(fleet_url) as db:
        db.execute("ALTER TABLE tags ADD COLUMN color TEXT")
        db.execute('DROP INDEX "loads_truck_id_idx"')
    args = ["migrate", "diff", "--from-url", fleet_url, "--to-schema", str(SCHEMA), "--script", "--exit-code"]
    assert cli.main(args) == 2
    script = capsys.readouterr().out
    assert '-- CreateIndex\nCREATE INDEX "loads_truck_id_idx" ON "loads"("truck_id");' in script
    if carrierdb_backend == "postgresql":
        assert '-- AlterTable\nALTER TABLE "tags" DROP COLUMN "color";' in script
    else:
        assert 'CREATE TABLE "new_tags"' in script and 'INSERT INTO "new_tags" ("id", "name") SELECT "id", "name" FROM "tags";' in script
    # Applying it brings the database back to the schema.
    with carrierdb.connect(fleet_url) as db:
        db.execute_script(script)
    assert commands.migrate_diff(from_url=fleet_url, to_schema=SCHEMA).empty
    # And the other way round: the schema to the database is the hand edit itself.
    with carrierdb.connect(fleet_url) as db:
        db.execute('DROP INDEX "loads_truck_id_idx"')
    forward = commands.migrate_diff(from_schema=SCHEMA, to_url=fleet_url)
    assert forward.summary == ["Removed index loads_truck_id_idx on loads"]
    assert forward.script.strip() == '-- DropIndex\nDROP INDEX "loads_truck_id_idx";'


def test_an_unreachable_url_is_exit_1_without_the_password(carrierdb_backend, tmp_path, capsys):
    if carrierdb_backend == "postgresql":
        url = "postgresql://fleet:s3cret-pw@127.0.0.1:1/fleet?connect_timeout=2"
    else:
        url = f"sqlite:{tmp_path / 'missing' / 'fleet.db'}"
    assert cli.main(["migrate", "diff", "--from-url", url, "--to-schema", str(SCHEMA), "--exit-code"]) == 1
    err = capsys.readouterr().err
    assert "ConnectionFailed" in err, err
    assert "s3cret-pw" not in err
    if carrierdb_backend == "postgresql":
        assert "127.0.0.1" in err  # says which server
    else:
        assert "does not exist" in err and str(tmp_path / "missing" / "fleet.db") in err
        assert not (tmp_path / "missing").exists()  # read only: no file, no folder made


def test_a_database_and_a_schema_of_another_provider_are_refused(fleet_url, carrierdb_backend, capsys):
    other = "sqlite" if carrierdb_backend == "postgresql" else "postgresql"
    args = ["migrate", "diff", "--from-url", fleet_url, "--to-schema", str(SCHEMA), "--provider", other]
    assert cli.main(args) == 1
    assert "different providers" in capsys.readouterr().err
