"""schema.prisma: the shipped file, parse errors at file:line:column, drift checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import carrierdb

REPO = Path(__file__).resolve().parents[2]


def parse(text: str) -> carrierdb.Schema:
    return carrierdb.Schema.parse(text, "test.prisma")


def test_the_shipped_schema_describes_the_carrier_model():
    schema = carrierdb.Schema.load(str(REPO / "schema.prisma"))
    assert schema.provider == "postgresql" and schema.url_env == "DATABASE_URL"
    assert schema.model_names == ["Carrier"]
    assert schema.enums == {"CarrierStatus": ["ACTIVE", "INACTIVE", "SUSPENDED", "REVOKED"]}
    model = schema.model("carrier")
    assert model["table"] == "carriers" and model["id_fields"] == ["id"]
    fields = {f["name"]: f for f in model["fields"]}
    assert list(fields) == ["id", "name", "mcNumber", "status", "createdAt", "updatedAt"]
    assert fields["mcNumber"]["column"] == "mc_number" and fields["mcNumber"]["unique"] and fields["mcNumber"]["optional"]
    assert fields["name"]["max_length"] == 255 and fields["updatedAt"]["updated_at"]
    assert fields["createdAt"]["column"] == "created_at" and fields["createdAt"]["has_default"]


MINIMAL = """
model Thing {
  id Int @id
  %s
}
"""


@pytest.mark.parametrize(
    "field, line, column, message",
    [
        # Relations are read now; an incomplete one is reported as Prisma's validator reports it.
        ("parent Thing?", 4, 3, "relation field parent on model Thing is missing an opposite relation field on model Thing: "
         "expected a field of type Thing[] or Thing? on Thing, found none"),
        ("owner Int @relation(fields: [id])", 4, 13, "@relation on field owner of type Int: expected a model type, found a scalar type"),
        ("size Bogus", 4, 3, "unknown type 'Bogus'"),
        ("tags Strng[]", 4, 3, "unknown type 'Strng' for field tags (did you mean 'String'?)"),
        ("name String @frobnicate", 4, 15, "field attribute @frobnicate is not supported yet"),
        ("name String @uniqe", 4, 15, "field attribute @uniqe is not supported yet (did you mean 'unique'?)"),
        ("name String @default(", 4, 24, "expected a value"),
        ('name String @map("unterminated)', 4, 20, "unterminated string"),
        ("name String @id @id extra", 4, 23, "expected end of line after field name, found 'extra'"),
    ],
)
def test_parse_errors_say_where_and_what(field, line, column, message):
    with pytest.raises(carrierdb.SchemaError) as info:
        parse(MINIMAL % field)
    error = info.value
    assert (error.file, error.line, error.column) == ("test.prisma", line, column), str(error)
    assert message in str(error)
    assert str(error).startswith(f"test.prisma:{line}:{column}: ")


@pytest.mark.parametrize(
    "doc, message",
    [
        ("/// @zod.string.regex(/[unclosed/)", "unterminated regular expression"),
        ("/// @zod.string.regex(/(a/)", "invalid regular expression"),
        # libstdc++'s std::regex overflowed on this bound; PCRE2 refuses it (found by the fuzzer)
        ("/// @zod.string.regex(/^MC[0-9]{1,79999999999999999999}$/)", "invalid regular expression"),
        ("/// @zod.string.regex(/^MC$/q)", "unknown flag 'q'"),
        ("/// @zod.string.shout()", "unknown rule .shout() for @zod.string"),
        ("/// @zod.number.int()", "@zod.number rules on field name of type String"),
        ("/// @zod.string.min(abc)", "unexpected 'a'"),
        ("/// @carrierdb.normalize(rot13)", "unknown normaliser 'rot13'"),
    ],
)
def test_rule_errors_point_at_the_doc_comment(doc, message):
    with pytest.raises(carrierdb.SchemaError) as info:
        parse(f"model Thing {{\n  id Int @id\n  {doc}\n  name String\n}}\n")
    assert info.value.line == 3
    assert message in str(info.value)


def test_block_head_errors_say_where_and_what():
    # A model's or enum's name and opening brace; an enum without values is reported at its name.
    expected = {
        "model {\n}\n": "1:7: expected a model name",
        "model Thing\n  id Int @id\n}\n": "2:3: expected '{' after model Thing",
        "enum {\n}\n": "1:6: expected an enum name",
        "enum Colour RED\n": "1:13: expected '{' after enum Colour",
        "enum Colour {\n}\n": "1:6: enum Colour has no values",
    }
    for text, where_and_what in expected.items():
        with pytest.raises(carrierdb.SchemaError) as info:
            parse(text)
        assert str(info.value).startswith(f"test.prisma:{where_and_what}"), str(info.value)


def test_block_level_errors():
    with pytest.raises(carrierdb.SchemaError, match="missing '}'|expected '}' to close model Thing"):
        parse("model Thing {\n  id Int @id\n")
    with pytest.raises(carrierdb.SchemaError, match="has no @id field"):
        parse("model Thing {\n  name String\n}\n")
    with pytest.raises(carrierdb.SchemaError, match=r"@default\(PURPLE\) is not a value of Colour"):
        parse("enum Colour {\n  RED\n}\nmodel Thing {\n  id Int @id\n  c Colour @default(PURPLE)\n}\n")
    with pytest.raises(carrierdb.SchemaError, match=r"now\(\) needs a DateTime field \(stamp is BigInt\)") as info:
        parse("model Thing {\n  id Int @id\n  stamp BigInt @default(now())\n}\n")
    assert info.value.line == 3
    with pytest.raises(carrierdb.SchemaError, match=r"uuid\(\) needs a String field \(id is Int\)"):
        parse("model Thing {\n  id Int @id @default(uuid())\n}\n")
    # A composite type no longer disables the schema: only using it raises, at its position.
    schema = parse("type Address {\n  street String\n}\nmodel Thing {\n  id Int @id\n}\n")
    assert schema.model_names == ["Thing"]
    with pytest.raises(carrierdb.SchemaError, match="'type' blocks are not supported yet") as info:
        schema.model("Address")
    assert (info.value.line, info.value.column) == (1, 6)
    with pytest.raises(carrierdb.SchemaError, match="unexpected character"):
        parse("model Thing { id Int @id } $")


def test_compound_keys_maps_and_defaults_are_read():
    schema = parse(
        """
        // comment
        model Lane {
          origin      String
          destination String @map("dest")
          rate        Decimal @db.Decimal(10, 2)
          code        String @default(cuid())
          active      Boolean @default(true)
          @@id([origin, destination])
          @@unique([code, active])
          @@index([rate])
          @@map("lanes")
        }
        """
    )
    model = schema.model("Lane")
    assert model["table"] == "lanes" and model["id_fields"] == ["origin", "destination"]
    assert model["uniques"] == [["code", "active"]]


# -- drift -----------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "migrations", tmp_path / "migrations")
    shutil.copy(REPO / "schema.prisma", tmp_path / "schema.prisma")
    return tmp_path


def test_schema_check_passes_after_the_shipped_migrations(run_cli, carrierdb_url, project):
    assert run_cli("migrate", "deploy", "--url", carrierdb_url).returncode == 0
    result = run_cli("schema", "check", "--json", "--url", carrierdb_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["in_sync"] is True


def test_schema_check_reports_drift_in_both_directions(run_cli, carrierdb_url, project):
    assert run_cli("migrate", "deploy", "--url", carrierdb_url).returncode == 0
    db = carrierdb.connect(carrierdb_url)
    db.execute("ALTER TABLE carriers ADD COLUMN notes TEXT")  # database has more than the schema
    db.execute("DROP INDEX carriers_mc_number_key")  # the schema wants a unique key the database lacks
    text = (project / "schema.prisma").read_text()
    (project / "schema.prisma").write_text(text.replace("  status    CarrierStatus", "  rating    Int?\n  status    CarrierStatus"))
    result = run_cli("schema", "check", "--json", "--url", carrierdb_url)
    assert result.returncode == 1
    drift = {(d["kind"], d["column"]) for d in json.loads(result.stdout)["drift"]}
    assert ("extra_column", "notes") in drift
    assert ("missing_column", "rating") in drift
    assert ("unique", None) in drift
    human = run_cli("schema", "check", "--url", carrierdb_url).stdout
    assert "database has column carriers.notes" in human and "schema has no field for it" in human
    assert "schema says Carrier.rating (carriers.rating)" in human and "database has no such column" in human


def test_drift_says_which_side_has_a_unique_key(carrierdb_url, project):
    db = carrierdb.connect(carrierdb_url, schema=str(project / "schema.prisma"))
    db.migrations(project / "migrations").deploy()
    db.execute("DROP INDEX carriers_mc_number_key")  # the schema has it, the database lacks it
    db.execute("CREATE UNIQUE INDEX carriers_name_key ON carriers (name)")  # the other way round
    unique = sorted(d["message"] for d in db.schema_drift() if d["kind"] == "unique")
    assert unique == [
        "schema says carriers no unique constraint on (name), database has unique (name)",
        "schema says carriers unique (mc_number), database has no unique constraint on (mc_number)",
    ]


@pytest.mark.postgres_only
def test_schema_check_reports_type_and_nullability_drift(carrierdb_backend, carrierdb_url, project):
    db = carrierdb.connect(carrierdb_url, schema=str(project / "schema.prisma"))
    db.migrations(project / "migrations").deploy()
    db.execute("ALTER TABLE carriers ALTER COLUMN name TYPE TEXT")
    db.execute("ALTER TABLE carriers ALTER COLUMN mc_number SET NOT NULL")
    messages = [d["message"] for d in db.schema_drift()]
    assert "schema says Carrier.name (carriers.name) is character varying(255), database has text" in messages
    assert any("mcNumber" in m and "optional" in m and "NOT NULL" in m for m in messages)


def test_schema_check_names_the_schema_error(run_cli, carrierdb_url, project):
    (project / "schema.prisma").write_text("model Broken {\n  id Int @id\n  x Nope\n}\n")
    result = run_cli("schema", "check", "--url", carrierdb_url)
    assert result.returncode == 5
    assert "schema.prisma:3:3: unknown type 'Nope'" in result.stderr
