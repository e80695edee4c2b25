"""db pull: a live database introspected into schema.prisma.

What a user relies on: the pulled file parses, and describes the database exactly (the schema it
gives creates that very database: no difference between the two); relations come out with both
sides, many-to-many join tables as list fields, enums, native types, defaults, and @map/@@map for
names that are not Prisma's; a second pull over a file keeps its `///` comments, names and order;
an empty database is refused, and nothing is written then.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import carrierdb
from carrierdb import _core, cli, commands
from carrierdb.pytest_plugin import empty_database
from test_catalog_model import POSTGRES_EXTRA, RICH, SCHEMAS, create_script

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"
HISTORY = ["_prisma_migrations", "_carrierdb_seeds"]


def difference(url: str, schema_text: str, backend: str) -> list[str]:
    """The summary of the difference between the database at `url` and what `schema_text` describes."""
    with carrierdb.connect(url) as db:
        read = _core.read_target_model(db._db, HISTORY)
    described = _core.target_model_of(_core.Schema.parse(schema_text, "pulled.prisma"), backend)
    return _core.diff_target_models(read, described)["summary"]


def test_pulled_fleet_schema_describes_the_database_exactly(fleet_url, carrierdb_backend, tmp_path):
    target = tmp_path / "schema.prisma"
    pulled = commands.db_pull(fleet_url, schema=target)
    assert pulled.written and target.read_text() == pulled.text
    assert difference(fleet_url, pulled.text, carrierdb_backend) == []
    text = pulled.text
    assert f'provider = "{carrierdb_backend}"' in text and 'url      = env("DATABASE_URL")' in text
    assert sorted(pulled.models) == ["Carriers", "Drivers", "Inspections", "InsurancePolicies", "Loads", "Tags", "TruckDrivers", "Trucks"]
    assert '@@map("insurance_policies")' in text and '@map("mc_number")' in text
    assert "_CarrierToTag" not in text.replace('@relation("CarrierToTag")', "")  # a join table is no model
    assert "Tags[]" in text and "Carriers[]" in text  # ... but list fields on both sides
    if carrierdb_backend == "postgresql":
        assert "@db.VarChar(255)" in text and "@db.Decimal(12, 2)" in text and "@db.Date" in text
        assert "enum CoverageType {" in text and '@@map("coverage_type")' in text
    assert "@default(autoincrement())" in text and "@default(now())" in text
    # Actions are written where they are not Prisma's default (Restrict for a required relation).
    assert "onDelete: Cascade" in text and "onDelete: SetNull" not in text and "onDelete: Restrict" not in text


@pytest.mark.parametrize("name", sorted(SCHEMAS) + ["rich"])
def test_pulled_schema_of_each_test_schemas_database_describes_it_exactly(name, carrierdb_url, carrierdb_backend, tmp_path):
    """Every schema under tests/ (and one with every type, default, key and relation form the DDL
    writes): its database pulled gives a schema that builds that very database again."""
    schema = SCHEMAS.get(name)
    if schema is None:
        schema = tmp_path / "rich.prisma"
        schema.write_text(RICH % {"provider": carrierdb_backend, "extra": POSTGRES_EXTRA if carrierdb_backend == "postgresql" else ""})
    with carrierdb.connect(carrierdb_url) as db:
        db.execute_script(create_script(schema, carrierdb_backend))
    pulled = commands.db_pull(carrierdb_url, schema=tmp_path / "pulled.prisma")
    assert difference(carrierdb_url, pulled.text, carrierdb_backend) == []


def test_a_hand_made_database_is_described_exactly(carrierdb_url, carrierdb_backend, tmp_path):
    """Names that are no identifiers, a table without a key, two relations of a table to itself with
    actions other than Prisma's defaults, an enum (a type, or SQLite's CHECK) with a value that is no
    identifier: each spelled so that the schema gives this database again."""
    enum_type = "mood" if carrierdb_backend == "postgresql" else "TEXT CHECK (\"m\" IN ('happy', 'so-so'))"
    # PostgreSQL's now() is CURRENT_TIMESTAMP under another name: read back as the DDL's @default(now()).
    timestamp = "TIMESTAMP(3) DEFAULT now()" if carrierdb_backend == "postgresql" else "DATETIME DEFAULT CURRENT_TIMESTAMP"
    script = (
        ("CREATE TYPE mood AS ENUM ('happy', 'so-so');\n" if carrierdb_backend == "postgresql" else "")
        + f'CREATE TABLE "Weird Table" ("ID" INTEGER PRIMARY KEY, "Some-Col" TEXT NOT NULL, "createdAt" {timestamp});\n'
        + "CREATE TABLE nokey (a INTEGER, b TEXT);\n"
        + f"CREATE TABLE people (id INTEGER PRIMARY KEY, m {enum_type} NOT NULL DEFAULT 'so-so', boss_id INTEGER REFERENCES people (id), "
        + "mentor_id INTEGER REFERENCES people (id) ON DELETE CASCADE);\n"
    )
    with carrierdb.connect(carrierdb_url) as db:
        db.execute_script(script)
    text = commands.db_pull(carrierdb_url, schema=tmp_path / "schema.prisma").text
    assert difference(carrierdb_url, text, carrierdb_backend) == []
    assert 'model WeirdTable {' in text and '@@map("Weird Table")' in text and '@map("Some-Col")' in text
    assert "@@ignore" in text.split("model Nokey {")[1].split("}")[0]  # no key: Prisma's client cannot address its rows
    assert '@relation("PeopleBoss", fields: [bossId], references: [id], onDelete: NoAction, onUpdate: NoAction)' in text
    assert 'so_so @map("so-so")' in text and "@default(so_so)" in text
    assert "@default(now())" in text


def test_second_pull_keeps_the_files_comments_names_and_order(fleet_url, carrierdb_backend, tmp_path):
    target = tmp_path / "schema.prisma"
    # Carrier's two @@index lines swapped: the file's order is not the catalog's (by index name).
    first, second = "  @@index([parentId])\n", '  @@index([status, name], map: "carriers_status_name_idx")\n'
    fleet = (FLEET / "schema.prisma").read_text()
    assert first + second in fleet
    target.write_text(fleet.replace(first + second, second + first))
    original = target.read_text()
    with carrierdb.connect(fleet_url) as db:
        db.execute("ALTER TABLE tags ADD COLUMN color TEXT")
    pulled = commands.db_pull(fleet_url, schema=target)
    text = target.read_text()
    assert difference(fleet_url, text, carrierdb_backend) == []
    # The file's header, names and every /// line are still there, in the file's order.
    assert text.startswith(original[: original.index("/// Operating status")])
    docs = [line.strip() for line in original.splitlines() if line.strip().startswith("///")]
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("///")] == docs
    models = [line.split()[1] for line in text.splitlines() if line.startswith("model ")]
    assert models == ["Carrier", "InsurancePolicy", "Truck", "Driver", "TruckDriver", "Inspection", "Load", "Tag"] == pulled.models
    # The new column is appended to its model; the file's fields keep their order.
    tag = text[text.index("model Tag {"):]
    fields = [line.split()[0] for line in tag[: tag.index("\n}")].splitlines()[1:] if line.strip() and not line.strip().startswith(("///", "@@"))]
    assert fields == ["id", "name", "carriers", "color"]
    assert "color    String?" in tag
    carrier = text[text.index("model Carrier {"):text.index("model InsurancePolicy {")]
    assert carrier.index("@@index([status, name]") < carrier.index("@@index([parentId])")  # the file's order, kept
    # A third pull changes nothing.
    assert commands.db_pull(fleet_url, schema=target).text == text


def test_print_writes_no_file_and_an_empty_database_is_refused(fleet_url, carrierdb_backend, tmp_path, request, capsys):
    target = tmp_path / "out" / "schema.prisma"
    assert cli.main(["db", "pull", "--url", fleet_url, "--schema", str(target), "--print"]) == 0
    assert "model Carriers {" in capsys.readouterr().out and not target.exists()
    with empty_database(carrierdb_backend, tmp_path, request, "empty") as url:
        with carrierdb.connect(url) as db:
            db.execute("CREATE TABLE _prisma_migrations (id TEXT PRIMARY KEY)")  # history alone is nothing to describe
        assert cli.main(["db", "pull", "--url", url, "--schema", str(target)]) == 3  # a configuration error, as for a wrong URL
    err = capsys.readouterr().err
    assert "has no tables" in err and not target.exists()
