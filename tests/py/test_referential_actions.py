"""Referential actions through the repository, identically on both backends (SQLite with foreign keys
on): every onDelete and onUpdate action Prisma knows, and Prisma's defaults when none is given. The
referenced key is a non-generated unique `code`, so updating it exercises onUpdate. The tables are
made by `migrate diff --from-empty` for each backend, as a team would make its first migration."""

from __future__ import annotations

from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands

# Each child model: its name, whether the relation is optional, its foreign key's @default, what it
# references, and its actions ("" = Prisma's defaults). UpdRestrictById comes first: a refused change
# of `code` must not be blamed on a relation referencing `id`.
CHILDREN = [
    ("UpdRestrictById", False, None, "id", "onUpdate: Restrict"),
    ("DelNoAction", False, None, "code", "onDelete: NoAction"),
    ("DelSetDefault", False, "fallback", "code", "onDelete: SetDefault"),
    ("UpdCascade", False, None, "code", "onUpdate: Cascade"),
    ("UpdRestrict", False, None, "code", "onUpdate: Restrict"),
    ("UpdNoAction", False, None, "code", "onUpdate: NoAction"),
    ("UpdSetNull", True, None, "code", "onUpdate: SetNull"),
    ("UpdSetDefault", False, "fallback", "code", "onUpdate: SetDefault"),
    ("DefaultRequired", False, None, "code", ""),
    ("DefaultOptional", True, None, "code", ""),
]


def child_model(name: str, optional: bool, default, references: str, actions: str) -> str:
    key, key_type = ("parentId", "Int") if references == "id" else ("parentCode", "String")
    mark = "?" if optional else ""
    return (f"model {name} {{\n  id Int @id\n  {key} {key_type}{mark}" + (f' @default("{default}")' if default else "")
            + f"\n  parent Parent{mark} @relation(fields: [{key}], references: [{references}]" + (f", {actions}" if actions else "") + ")\n}\n")


MODELS = ("model Parent {\n  id Int @id\n  code String @unique\n"
          + "".join(f"  {name[0].lower() + name[1:]} {name}[]\n" for name, *_ in CHILDREN) + "}\n"
          + "".join(child_model(*c) for c in CHILDREN))


@pytest.fixture
def db(carrierdb_db, carrierdb_url, tmp_path: Path):
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (carrierdb_db.backend, MODELS))
    carrierdb_db.execute_script(commands.migrate_diff(from_empty=True, to_schema=schema).script)
    client = carrierdb.connect(carrierdb_url, env="development", schema=str(schema))
    client.parent.create({"id": 1, "code": "fallback"})
    client.parent.create({"id": 2, "code": "P-2"})
    yield client
    client.close()


def child_codes(model) -> list:
    return [r["parentCode"] for r in model.find_many(order_by={"id": "asc"})]


def refused(action, model: str, old: str, deleting: bool) -> str:
    verb = "onDelete" if deleting else "onUpdate"
    return (f"Foreign key constraint failed on {model}.parent: the Parent with code '{old}' is still referenced by {model} records"
            + (f" ({verb}: {action})" if action else ""))


def assert_refused(call, action, model: str, old: str, deleting: bool) -> None:
    with pytest.raises(carrierdb.ForeignKeyViolation) as info:
        call()
    assert str(info.value).startswith(refused(action, model, old, deleting))
    assert info.value.fields == ["parentCode"] and info.value.values == [old]


# -- onDelete ----------------------------------------------------------------------------------------


def test_on_delete_no_action_refuses_the_delete_naming_the_relation(db):
    db.delNoAction.create({"id": 1, "parentCode": "P-2"})
    assert_refused(lambda: db.parent.delete({"code": "P-2"}), "NoAction", "DelNoAction", "P-2", deleting=True)
    assert db.parent.count() == 2 and child_codes(db.delNoAction) == ["P-2"]


def test_on_delete_set_default_points_the_children_at_the_default_key(db):
    db.delSetDefault.create({"id": 1, "parentCode": "P-2"})
    db.parent.delete({"code": "P-2"})
    assert child_codes(db.delSetDefault) == ["fallback"]


def test_on_delete_defaults_to_restrict_when_required_and_set_null_when_optional(db):
    db.parent.create({"id": 3, "code": "P-3"})
    db.defaultRequired.create({"id": 1, "parentCode": "P-2"})
    db.defaultOptional.create({"id": 1, "parentCode": "P-3"})
    assert_refused(lambda: db.parent.delete({"code": "P-2"}), "Restrict", "DefaultRequired", "P-2", deleting=True)
    db.parent.delete({"code": "P-3"})
    assert child_codes(db.defaultOptional) == [None] and child_codes(db.defaultRequired) == ["P-2"]


# -- onUpdate ----------------------------------------------------------------------------------------


def test_on_update_cascade_carries_the_new_key_to_the_children(db):
    db.updCascade.create({"id": 1, "parentCode": "P-2"})
    db.parent.update({"code": "P-2"}, {"code": "P-20"})
    assert child_codes(db.updCascade) == ["P-20"]


@pytest.mark.parametrize("model, action", [("UpdRestrict", "Restrict"), ("UpdNoAction", "NoAction")])
def test_on_update_restrict_and_no_action_refuse_changing_a_referenced_key(db, model, action):
    db.model(model).create({"id": 1, "parentCode": "P-2"})
    db.updRestrictById.create({"id": 1, "parentId": 2})
    assert_refused(lambda: db.parent.update({"code": "P-2"}, {"code": "P-20"}), action, model, "P-2", deleting=False)
    assert_refused(lambda: db.parent.update_many({"code": {"startsWith": "P-"}}, {"code": "P-20"}), action, model, "P-2", deleting=False)
    # an update that also writes relations goes through the nested writer: told the same way
    nested = {"code": "P-20", "updCascade": {"create": [{"id": 7}]}}
    assert_refused(lambda: db.parent.update({"code": "P-2"}, nested), action, model, "P-2", deleting=False)
    assert db.updCascade.count() == 0
    assert db.parent.find_unique({"id": 2})["code"] == "P-2" and child_codes(db.model(model)) == ["P-2"]


def test_on_update_set_null_and_set_default(db):
    db.updSetNull.create({"id": 1, "parentCode": "P-2"})
    db.updSetDefault.create({"id": 1, "parentCode": "P-2"})
    db.parent.update({"code": "P-2"}, {"code": "P-20"})
    assert child_codes(db.updSetNull) == [None] and child_codes(db.updSetDefault) == ["fallback"]


def test_on_update_defaults_to_cascade(db):
    db.defaultRequired.create({"id": 1, "parentCode": "P-2"})
    db.defaultOptional.create({"id": 1, "parentCode": "P-2"})
    db.parent.update({"code": "P-2"}, {"code": "P-20"})
    assert child_codes(db.defaultRequired) == ["P-20"] and child_codes(db.defaultOptional) == ["P-20"]
