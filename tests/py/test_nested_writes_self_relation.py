"""Nested writes on a self-relation implicit many-to-many (people following people), on both backends:
connect, create, disconnect and set from either side store the join row the way Prisma does, so Prisma
and carrierdb read the same follows. Prisma's rule: the relation field whose name sorts first
(`followedBy`, before `following`) has its record in column A."""

from __future__ import annotations

import pytest

import carrierdb
from test_seed_self_relation_pairs import DDL, MODEL  # Person and _Follows as Prisma creates them


@pytest.fixture
def social(carrierdb_db, carrierdb_url, tmp_path):
    carrierdb_db.execute_script(DDL[carrierdb_db.backend])
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (carrierdb_db.backend, MODEL))
    db = carrierdb.connect(carrierdb_url, schema=str(schema))
    for name in ("alice", "bob", "carol"):
        db.person.create({"email": name})
    yield db
    db.close()


def join_rows(db) -> list[tuple[str, str]]:
    """The join table as (A, B) emails: (x, y) means y follows x (x.followedBy holds y)."""
    rows = db.query('SELECT a.email AS a, b.email AS b FROM "_Follows" j JOIN "Person" a ON a.id = j."A" JOIN "Person" b ON b.id = j."B" '
                    "ORDER BY a.email, b.email")
    return [(r["a"], r["b"]) for r in rows]


def emails(people) -> list[str]:
    return sorted(p["email"] for p in people)


def test_self_relation_connect_and_create_store_the_columns_prisma_reads(social):
    social.person.update({"email": "alice"}, {"following": {"connect": {"email": "bob"}}})
    assert join_rows(social) == [("bob", "alice")]  # bob.followedBy (column A's side) holds alice
    social.person.update({"email": "carol"}, {"followedBy": {"connect": [{"email": "alice"}, {"email": "bob"}]}})
    social.person.create({"email": "dave", "following": {"create": [{"email": "erin"}], "connect": {"email": "alice"}}})
    social.person.create({"email": "frank", "followedBy": {"create": {"email": "gina"}}})
    assert join_rows(social) == [("alice", "dave"), ("bob", "alice"), ("carol", "alice"), ("carol", "bob"), ("erin", "dave"),
                                 ("frank", "gina")]
    # Read back through include and relation filters, which join the same way.
    assert emails(social.person.find_unique({"email": "carol"}, include={"followedBy": True})["followedBy"]) == ["alice", "bob"]
    assert emails(social.person.find_unique({"email": "dave"}, include={"following": True})["following"]) == ["alice", "erin"]
    assert emails(social.person.find_many({"following": {"some": {"email": "carol"}}})) == ["alice", "bob"]
    with pytest.raises(carrierdb.ValidationError) as info:
        social.person.create({"email": "hugo", "followedBy": {"create": [{"email": "ivan"}, {}]}})
    assert [i["path"] for i in info.value.issues] == [["followedBy", "create", "1", "email"]]


def test_self_relation_disconnect_and_set_work_from_either_side(social):
    social.person.update({"email": "alice"}, {"following": {"connect": [{"email": "bob"}, {"email": "carol"}]}})
    social.person.update({"email": "alice"}, {"following": {"disconnect": {"email": "bob"}}})
    assert join_rows(social) == [("carol", "alice")]
    social.person.update({"email": "bob"}, {"followedBy": {"set": [{"email": "alice"}, {"email": "carol"}]}})
    assert join_rows(social) == [("bob", "alice"), ("bob", "carol"), ("carol", "alice")]
    social.person.update({"email": "carol"}, {"following": {"set": []}})  # carol follows no one; alice still follows carol
    assert join_rows(social) == [("bob", "alice"), ("carol", "alice")]
    social.person.update({"email": "bob"}, {"followedBy": {"disconnect": [{"email": "alice"}]}})
    assert join_rows(social) == [("carol", "alice")]
    assert emails(social.person.find_unique({"email": "alice"}, include={"following": True})["following"]) == ["carol"]
