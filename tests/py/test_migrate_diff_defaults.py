"""migrate diff for column defaults that need a backend's own spelling: scalar-list defaults
(PostgreSQL's typed array constructor, SQLite's JSON text) and a BigInt autoincrement id (SQLite
counts only an INTEGER PRIMARY KEY). What a user relies on: the from-empty script deploys on
both backends, `schema check` finds no drift, a diff against the deployed database is empty, and
a row created without the field gets the schema's default (or the next id)."""

from __future__ import annotations

import json
from pathlib import Path

import carrierdb
from carrierdb import commands

SCHEMA = """
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

enum Role {
  ADMIN
  USER  @map("user")
}

model Account {
  id    Int      @id @default(autoincrement())
  name  String
  tags  String[] @default(["a", "b's", "c, d"])
  roles Role[]   @default([ADMIN, USER])
  codes Int[]    @default([1, 2])
}
"""


COUNTER = """
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Ticket {
  id   BigInt @id @default(autoincrement())
  name String
}
"""


def deploy_from_empty(url: str, backend: str, tmp_path: Path, text: str = SCHEMA) -> tuple[Path, str]:
    schema = tmp_path / "schema.prisma"
    schema.write_text(text)
    script = commands.migrate_diff(from_empty=True, to_schema=schema, provider=backend).script
    folder = tmp_path / "migrations"
    (folder / "20240101000000_init").mkdir(parents=True)
    (folder / "migration_lock.toml").write_text(f'provider = "{backend}"\n')
    (folder / "20240101000000_init" / "migration.sql").write_text(script)
    with carrierdb.connect(url, schema=carrierdb.Schema.load(str(schema))) as db:
        report = db.migrations(folder).deploy()
        assert report.ok, report
    return schema, script


def test_list_defaults_deploy_without_drift_and_fill_new_rows(carrierdb_url, carrierdb_backend, tmp_path):
    schema, script = deploy_from_empty(carrierdb_url, carrierdb_backend, tmp_path)
    if carrierdb_backend == "postgresql":
        # Prisma 6.19.3's own spelling for these defaults.
        assert """DEFAULT ARRAY['a', 'b''s', 'c, d']::TEXT[]""" in script
        assert """DEFAULT ARRAY['ADMIN', 'user']::"Role"[]""" in script
        assert "DEFAULT ARRAY[1, 2]::INTEGER[]" in script
    else:
        # SQLite keeps a list as JSON text, the same text the repository writes.
        assert """DEFAULT '["a","b''s","c, d"]'""" in script
        assert """DEFAULT '["ADMIN","user"]'""" in script
    with carrierdb.connect(carrierdb_url, schema=carrierdb.Schema.load(str(schema))) as db:
        assert db.schema_drift() == []
        created = db.model("Account").create({"name": "x"})
        if carrierdb_backend == "postgresql":
            got = db.model("Account").get(created["id"])
            assert (got["tags"], got["roles"], got["codes"]) == (["a", "b's", "c, d"], ["ADMIN", "USER"], [1, 2])
        else:
            # The repository writes no scalar lists on SQLite (PostgreSQL only, as in Prisma): the
            # column holds the default's JSON text.
            stored = db.query('SELECT "tags", "roles", "codes" FROM "Account" WHERE "id" = ?', [created["id"]])
            assert [json.loads(v) for v in stored[0].values()] == [["a", "b's", "c, d"], ["ADMIN", "user"], [1, 2]]
    again = commands.migrate_diff(from_url=carrierdb_url, to_schema=schema)
    assert again.empty, again.script


def test_bigint_autoincrement_id_counts_on_both_backends(carrierdb_url, carrierdb_backend, tmp_path):
    schema, script = deploy_from_empty(carrierdb_url, carrierdb_backend, tmp_path, COUNTER)
    if carrierdb_backend == "postgresql":
        assert '"id" BIGSERIAL NOT NULL' in script
    else:
        assert '"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT' in script
    with carrierdb.connect(carrierdb_url, schema=carrierdb.Schema.load(str(schema))) as db:
        assert db.schema_drift() == []
        first = db.model("Ticket").create({"name": "a"})["id"]
        second = db.model("Ticket").create({"name": "b"})["id"]
        assert second == first + 1
    assert commands.migrate_diff(from_url=carrierdb_url, to_schema=schema).empty
