"""Values at the edges found in review: a Json field given a plain list, a Bytes unique key in
errors, and documents where a scalar list expects plain values. Tables made by `migrate diff`."""

from __future__ import annotations

from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands

MODELS = """
model Reading {
  id   Int   @id
  meta Json?
  hash Bytes @unique
}
"""


@pytest.fixture
def db(carrierdb_db, carrierdb_url, tmp_path: Path):
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (carrierdb_db.backend, MODELS))
    carrierdb_db.execute_script(commands.migrate_diff(from_empty=True, to_schema=schema).script)
    client = carrierdb.connect(carrierdb_url, schema=str(schema))
    yield client
    client.close()


def test_a_json_field_takes_a_plain_list_as_a_json_array(db):
    db.reading.create({"id": 1, "meta": [1, "two", True], "hash": b"a"})
    db.reading.create({"id": 2, "meta": [], "hash": b"b"})
    db.reading.update({"id": 2}, {"meta": [3.5]})
    assert [r["meta"] for r in db.reading.find_many(order_by={"id": "asc"})] == [[1, "two", True], [3.5]]


def test_a_bytes_key_in_errors_is_shown_not_a_crash(db):
    db.reading.create({"id": 1, "hash": b"\x00\xff"})
    with pytest.raises(carrierdb.UniqueViolation):
        db.reading.create({"id": 2, "hash": b"\x00\xff"})
    with pytest.raises(carrierdb.NotFound) as missing:
        db.reading.update({"hash": b"\x01"}, {"meta": {"a": 1}})
    assert "AQ==" in str(missing.value)
    assert db.reading.count() == 1
