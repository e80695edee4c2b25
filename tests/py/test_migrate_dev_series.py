"""The issue's scripted series of schema edits on examples/fleet, through `migrate dev`, on each backend.

After each edit: `migrate dev` writes and applies one migration; `schema check` then finds no drift;
rolling the migration back (its down.sql) gives back exactly the catalog from before it, and applying
it again (migration.sql) exactly the catalog after it. Rows written before the series keep the values
of every column the edits did not touch, on SQLite too, where enum and foreign-key changes go through
the table rebuild.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands

REPO = Path(__file__).resolve().parents[2]
FLEET = REPO / "examples" / "fleet"

CARRIERS = [
    ("Acme Freight", "MC100001", "10000001", "ACTIVE"),
    ("Blue Line Haul", "MC100002", "10000002", "SUSPENDED"),
    ("Cascade Carriers", "MC100003", "10000003", "INACTIVE"),
]

TERMINAL = """
model Terminal {
  id   Int     @id @default(autoincrement())
  name String  @db.VarChar(80)
  city String?

  @@map("terminals")
}
"""


def in_model(text: str, model: str, addition: str) -> str:
    """``text`` with ``addition`` (lines) before the closing brace of ``model``."""
    start = text.index(f"model {model} {{")
    end = text.index("\n}", start)
    return text[:end] + "\n" + addition.rstrip("\n") + text[end:]


def in_enum(text: str, enum: str, transform) -> str:
    start = text.index(f"enum {enum} {{")
    end = text.index("}", start)
    return text[:start] + transform(text[start:end]) + text[end:]


# Each edit: (migration name, change to the schema text). They run in this order, each on the last's result.
EDITS = [
    ("add_terminal_model", lambda s: s + TERMINAL),
    ("add_required_country_with_default",
     lambda s: in_model(s, "Carrier", '  country String @default("US") @db.Char(2)')),
    ("add_terminal_carrier_relation",
     lambda s: in_model(in_model(s, "Terminal", "  carrierId Int? @map(\"carrier_id\")\n"
                                 "  carrier   Carrier? @relation(fields: [carrierId], references: [id], onDelete: SetNull)"),
                        "Carrier", "  terminals Terminal[]")),
    ("add_terminal_city_index", lambda s: in_model(s, "Terminal", "  @@index([city])")),
    ("widen_carrier_name", lambda s: s.replace("name            String            @db.VarChar(255)",
                                               "name            String            @db.VarChar(300)", 1)),
    ("add_carrier_status_pending", lambda s: in_enum(s, "CarrierStatus", lambda e: e.rstrip() + "\n  PENDING\n")),
    ("remove_carrier_status_revoked", lambda s: in_enum(s, "CarrierStatus", lambda e: re.sub(r"\n\s*REVOKED\b", "", e))),
    ("add_terminal_trucks_many_to_many",
     lambda s: in_model(in_model(s, "Terminal", "  trucks Truck[]"), "Truck", "  terminals Terminal[]")),
    ("drop_terminal_city", lambda s: re.sub(r"\n  city String\?", "", s.replace("  @@index([city])\n", ""))),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """examples/fleet's schema and migrations, copied so the series can write into them."""
    root = tmp_path / "fleet"
    root.mkdir()
    shutil.copy(FLEET / "schema.prisma", root / "schema.prisma")
    shutil.copytree(FLEET / "migrations", root / "migrations")
    return root


def carrier_rows(db: carrierdb.Database) -> list[tuple]:
    rows = db.query("SELECT name, mc_number, dot_number, status FROM carriers ORDER BY mc_number")
    return [(r["name"], r["mc_number"], r["dot_number"], str(r["status"])) for r in rows]


def test_scripted_schema_edits_round_trip(carrierdb_url: str, project: Path) -> None:
    schema, migrations = project / "schema.prisma", project / "migrations"
    commands.migrate_deploy(carrierdb_url, directory=migrations)
    with carrierdb.connect(carrierdb_url) as db:
        for name, mc, dot, status in CARRIERS:
            db.execute("INSERT INTO carriers (name, mc_number, dot_number, status, updated_at) "
                       "VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", [name, mc, dot, status])
        before_series = carrier_rows(db)
    assert len(before_series) == len(CARRIERS)

    for name, edit in EDITS:
        text = schema.read_text()
        edited = edit(text)
        assert edited != text, f"{name}: the edit changed nothing in the schema (the test's script is stale)"
        schema.write_text(edited)
        with carrierdb.connect(carrierdb_url) as db:
            catalog_before = db.schema_snapshot()

        result = commands.migrate_dev(name, carrierdb_url, directory=migrations, schema=schema)
        assert result.applied, f"{name}: {result}"
        folder = Path(result.folder)
        assert folder.name.endswith("_" + name)
        written = sorted(p.name for p in folder.iterdir())
        assert {"migration.sql", "down.sql"} <= set(written), f"{name}: {written}"
        assert {"migration.sqlite.sql", "down.sqlite.sql"} <= set(written), f"{name}: the SQLite variants: {written}"

        check = commands.schema_check(carrierdb_url, schema=schema)
        assert check.in_sync, f"{name}: drift after migrate dev: {check}"
        with carrierdb.connect(carrierdb_url) as db:
            catalog_after = db.schema_snapshot()
        assert catalog_after != catalog_before, f"{name}: the migration changed nothing in the database"

        # down.sql restores the catalog from before; migration.sql again gives the one after.
        commands.migrate_rollback(carrierdb_url, directory=migrations, steps=1, accept_data_loss=True)
        with carrierdb.connect(carrierdb_url) as db:
            assert db.schema_snapshot() == catalog_before, f"{name}: down.sql did not restore the previous catalog"
        report = commands.migrate_deploy(carrierdb_url, directory=migrations)
        assert [m.name for m in report.migrations] == [folder.name]
        with carrierdb.connect(carrierdb_url) as db:
            assert db.schema_snapshot() == catalog_after, f"{name}: migration.sql after down.sql gave another catalog"
            assert carrier_rows(db) == before_series, f"{name}: rows changed in columns the edit did not touch"

    # Nothing left to do: a further migrate dev writes nothing.
    again = commands.migrate_dev("nothing", carrierdb_url, directory=migrations, schema=schema)
    assert again.folder is None and not again.applied
