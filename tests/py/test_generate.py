"""carrierdb generate: the typed client passes mypy --strict, makes mypy reject a misspelt field or
method, and works at run time on both backends."""

from __future__ import annotations

import importlib
import json
import shlex
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest

import carrierdb
from carrierdb import _core, commands
from carrierdb.cli import main as cli_main
from readme_blocks import readme_blocks, run_block
from typecheck import mypy

REPO = Path(__file__).resolve().parents[2]
FLEET_SCHEMA = REPO / "examples" / "fleet" / "schema.prisma"

FLEET_GOOD = '''
import datetime
from decimal import Decimal
from carrierdb_client import Carrier, CarrierStatus, Client, connect, typed
import carrierdb

def use(db: Client) -> list[str]:
    status: CarrierStatus = "ACTIVE"
    created: Carrier = db.carrier.create({"name": "Acme", "mcNumber": "MC1", "dotNumber": "1", "status": status})
    db.truck.create({"vin": "1FUJGLDR1CLBP8834", "unitNumber": "U1", "make": "Volvo", "modelYear": 2020,
                     "carrier": {"connect": {"id": created["id"]}}})
    rows = db.carrier.find_many(where={"name": {"contains": "ac", "mode": "insensitive"}, "status": {"in": ["ACTIVE"]},
                                       "trucks": {"some": {"modelYear": {"gte": 2018}}}, "parent": {"is": None}},
                                include={"trucks": {"where": {"status": "IN_SERVICE"}, "take": 5}, "_count": True},
                                order_by={"name": "asc"}, take=10, distinct=["status"])
    names = [row["name"] for row in rows]
    trucks = rows[0].get("trucks", [])
    years: list[int] = [t["modelYear"] for t in trucks]
    one = db.truck.find_unique({"unit": {"carrierId": created["id"], "unitNumber": "U1"}})
    when: datetime.datetime | None = one["createdAt"] if one else None
    db.load.count({"rate": {"gt": Decimal("1.5")}, "deliveredAt": None})
    inserted: int = db.tag.create_many([{"name": "hazmat"}])
    tags = db.tag.create_many([{"name": "reefer"}], skip_duplicates=True, return_records=True)
    db.carrier.update({"id": created["id"]}, {"status": "SUSPENDED", "tags": {"connect": [{"name": "hazmat"}]}})
    db.truckDriver.delete_many({"isPrimary": False})
    db.carrier.group_by(["status"], _count={"_all": True})
    frame = rows.to_pandas()
    return names + [str(years), str(when), str(inserted), tags[0]["name"], str(frame)]

use(typed(carrierdb.connect("sqlite:///:memory:")))
use(connect())
'''

FLEET_BAD = '''
from carrierdb_client import connect

db = connect()
db.carrier.find_many(where={"nmae": "Acme"})
db.carrier.fnd_many()
db.carrier.find_many(where={"status": "ACTIV"})
db.truck.create({"vin": "1FUJGLDR1CLBP8834"})
'''

ROOT_GOOD = '''
from carrierdb_client import connect

db = connect()
carrier = db.carrier.create({"name": "Acme"})
mc: str | None = carrier["mcNumber"]
db.carrier.update({"mcNumber": "MC1"}, {"name": "Acme Freight", "mcNumber": None})
db.carrier.upsert({"id": carrier["id"]}, {"name": "A"}, {"status": "INACTIVE"})
'''


def generated(tmp: Path, schema: Path) -> Path:
    """A folder holding the typed client for ``schema`` as carrierdb_client/."""
    result = commands.generate(schema=schema, output=tmp / "carrierdb_client")
    assert result.models == _core.Schema.load(str(schema)).model_names
    return tmp


@pytest.fixture(scope="module")
def fleet_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory.mktemp("fleet"), FLEET_SCHEMA)


@pytest.fixture(scope="module")
def root_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory.mktemp("root"), REPO / "schema.prisma")


def test_generated_client_and_correct_use_pass_mypy_strict(fleet_client: Path) -> None:
    (fleet_client / "good.py").write_text(FLEET_GOOD, encoding="utf-8")
    status, errors = mypy(fleet_client, "carrierdb_client", "good.py")
    assert (status, errors) == (0, [])


def test_mypy_rejects_a_misspelt_field_and_method(fleet_client: Path) -> None:
    (fleet_client / "bad.py").write_text(FLEET_BAD, encoding="utf-8")
    status, errors = mypy(fleet_client, "bad.py")
    assert status == 1
    by_line = {int(line.split(":")[1]): line for line in errors}
    assert '"nmae"' in by_line[5]  # Extra key "nmae" for TypedDict "CarrierWhereInput"
    assert "fnd_many" in by_line[6]  # "CarrierDelegate" has no attribute "fnd_many"
    assert "ACTIV" in by_line[7]  # not one of the enum's Literal values
    assert '"unitNumber"' in by_line[8] and '"make"' in by_line[8]  # required create keys missing
    assert len(errors) == 4, errors


def test_root_schema_client_passes_mypy_strict(root_client: Path) -> None:
    (root_client / "good.py").write_text(ROOT_GOOD, encoding="utf-8")
    status, errors = mypy(root_client, "carrierdb_client", "good.py")
    assert (status, errors) == (0, [])


@pytest.fixture
def client_module(fleet_client: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(fleet_client))
    try:
        yield importlib.import_module("carrierdb_client")
    finally:
        sys.path.remove(str(fleet_client))
        sys.modules.pop("carrierdb_client", None)


def test_typed_client_creates_and_finds_at_run_time(fleet_url: str, client_module: ModuleType) -> None:
    with carrierdb.connect(fleet_url, schema=FLEET_SCHEMA) as plain:
        db = client_module.typed(plain)
        assert db is plain  # a cast: nothing wraps the database
        carrier = db.carrier.create({"name": "Acme  Freight", "mcNumber": "mc 123", "dotNumber": "123"})
        db.truck.create({"vin": "1FUJGLDR1CLBP8834", "unitNumber": "U1", "make": "Volvo", "modelYear": 2020,
                         "carrier": {"connect": {"id": carrier["id"]}}})
        rows = db.carrier.find_many(where={"trucks": {"some": {"make": "Volvo"}}}, include={"trucks": True})
        assert [(r["name"], r["mcNumber"], [t["unitNumber"] for t in r["trucks"]]) for r in rows] == [("Acme Freight", "MC123", ["U1"])]
        assert client_module.SCHEMA_MODELS == tuple(plain.schema.model_names)


def test_generate_cli_writes_the_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FLEET_SCHEMA, tmp_path / "schema.prisma")
    assert cli_main(["generate", "--schema", str(tmp_path / "schema.prisma"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["output"] == str(tmp_path / "carrierdb_client")  # the default: next to the schema
    assert "Truck" in out["models"]
    text = (tmp_path / "carrierdb_client" / "__init__.py").read_text(encoding="utf-8")
    assert "class TruckDelegate(_t.Protocol):" in text and "    truck: TruckDelegate" in text
    assert (tmp_path / "carrierdb_client" / "py.typed").is_file()


def test_generate_refuses_an_output_that_is_not_a_package_name(tmp_path: Path) -> None:
    with pytest.raises(carrierdb.ConfigurationError, match="not a Python package name"):
        commands.generate(schema=FLEET_SCHEMA, output=tmp_path / "my-client")


def test_readme_typed_client_runs_and_type_checks(fleet_url: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    heading = "### Typed client: carrierdb generate"
    (command,) = readme_blocks(REPO / "README.md", heading, "bash")
    (code,) = readme_blocks(REPO / "README.md", heading, "python")
    (misuse,) = readme_blocks(REPO / "README.md", heading, "text")
    (tmp_path / "examples" / "fleet").mkdir(parents=True)
    shutil.copy(FLEET_SCHEMA, tmp_path / "examples" / "fleet" / "schema.prisma")
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)
    assert argv[0] == "carrierdb" and cli_main(argv[1:]) == 0
    client_dir = tmp_path / "fleet_client"
    monkeypatch.syspath_prepend(str(client_dir))
    try:
        *_, rows = run_block(code, {"url": fleet_url})
    finally:
        sys.modules.pop("carrierdb_client", None)
    assert rows == [("Acme Freight", [])]

    # The example type-checks as written, and each line of the misuse block is an error that says what it says.
    (client_dir / "example.py").write_text("url = ''\n" + code + "\n", encoding="utf-8")
    lines = misuse.splitlines()
    (client_dir / "misuse.py").write_text("from carrierdb_client import connect\ndb = connect()\n"
                                          + "\n".join(line.split("#")[0] for line in lines) + "\n", encoding="utf-8")
    status, errors = mypy(client_dir, "example.py")
    assert (status, errors) == (0, [])
    status, errors = mypy(client_dir, "misuse.py")
    by_line = {int(e.split(":")[1]): e for e in errors}
    for number, line in enumerate(lines, start=3):
        for fragment in line.split("# error: ")[1].split(" ..."):
            assert fragment in by_line.get(number, ""), (line, errors)


EDGE_SCHEMA = '''
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
enum Kind {
  A
  B
}
model Thing {
  id     String   @id @default(uuid())
  from   String
  class  Int?
  tags   String[]
  kinds  Kind[]
  data   Json?
  blob   Bytes
  big    BigInt   @default(0)
  price  Decimal?
  hidden Int?     @ignore
  owner  Owner?   @relation(fields: [ownerA, ownerB], references: [a, b])
  ownerA Int?
  ownerB Int?
}
model Owner {
  a      Int
  b      Int
  things Thing[]
  @@id([a, b])
}
model Schema {
  id Int @id
}
'''

EDGE_USE = '''
from carrierdb_client import connect

db = connect()
thing = db.thing.create({"from": "x", "blob": b"1", "kinds": ["A"], "owner": {"connect": {"a_b": {"a": 1, "b": 2}}}})
keyword_field: str = thing["from"]
db.thing.find_many(where={"class": {"in": [1, 2]}, "tags": {"has": "t"}, "owner": {"is": {"a": 1}}})
db.owner.find_unique({"a_b": {"a": 1, "b": 2}}, include={"things": True})
db.model("Schema").count()
db.thing.create({"from": "x", "blob": b"1", "hidden": 1})
'''


def test_generated_client_handles_keywords_lists_compound_keys_and_taken_names(tmp_path: Path) -> None:
    """Fields named like Python keywords (functional TypedDicts), scalar lists, Json/Bytes/BigInt,
    an @ignore'd field (not in any type), a compound @@id, and a model whose accessor Database has."""
    (tmp_path / "schema.prisma").write_text(EDGE_SCHEMA, encoding="utf-8")
    commands.generate(schema=tmp_path / "schema.prisma")
    text = (tmp_path / "carrierdb_client" / "__init__.py").read_text(encoding="utf-8")
    assert "    # Schema: db.model('Schema') (db.schema is Database's own)" in text
    (tmp_path / "use.py").write_text(EDGE_USE, encoding="utf-8")
    status, errors = mypy(tmp_path, "carrierdb_client", "use.py")
    assert [e.split("error: ")[1] for e in errors] == [
        'Extra key "hidden" for TypedDict "ThingCreateInput"  [typeddict-unknown-key]']


@pytest.mark.parametrize("name", ["Client", "CarrierWhereInput"])
def test_generate_refuses_a_model_named_like_a_generated_type(tmp_path: Path, name: str) -> None:
    (tmp_path / "schema.prisma").write_text(
        'datasource db {\n  provider = "sqlite"\n  url = "file:dev.db"\n}\n'
        "model Carrier {\n  id Int @id\n}\n"
        f"model {name} {{\n  id Int @id\n}}\n", encoding="utf-8")
    with pytest.raises(carrierdb.ConfigurationError, match=f"{name} would be defined twice"):
        commands.generate(schema=tmp_path / "schema.prisma")
    assert not (tmp_path / "carrierdb_client").exists()
