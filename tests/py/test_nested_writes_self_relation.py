"""Nested writes on a self-relation implicit many-to-many (users following users), on both backends:
connect, create, disconnect and set from either side store the join row the way Prisma does, so Prisma
and carrierdb read the same followers. Prisma's rule: the relation field whose name sorts first
(`followers`, before `following`) reads column A, whatever the order the fields are declared in."""

from __future__ import annotations

import pytest

import carrierdb

SCHEMA = """datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id        Int    @id @default(autoincrement())
  name      String @unique
  following User[] @relation("follows")
  followers User[] @relation("follows")

  @@map("users")
}
"""

# The tables `prisma migrate diff` writes for SCHEMA on each provider.
TABLES = {
    "postgresql": """
CREATE TABLE "users" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "users_pkey" PRIMARY KEY ("id"));
CREATE TABLE "_follows" ("A" INTEGER NOT NULL, "B" INTEGER NOT NULL, CONSTRAINT "_follows_AB_pkey" PRIMARY KEY ("A","B"));
CREATE UNIQUE INDEX "users_name_key" ON "users"("name");
CREATE INDEX "_follows_B_index" ON "_follows"("B");
ALTER TABLE "_follows" ADD CONSTRAINT "_follows_A_fkey" FOREIGN KEY ("A") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "_follows" ADD CONSTRAINT "_follows_B_fkey" FOREIGN KEY ("B") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
""",
    "sqlite": """
CREATE TABLE "users" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL);
CREATE TABLE "_follows" ("A" INTEGER NOT NULL, "B" INTEGER NOT NULL,
    CONSTRAINT "_follows_A_fkey" FOREIGN KEY ("A") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_follows_B_fkey" FOREIGN KEY ("B") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE);
CREATE UNIQUE INDEX "users_name_key" ON "users"("name");
CREATE UNIQUE INDEX "_follows_AB_unique" ON "_follows"("A", "B");
CREATE INDEX "_follows_B_index" ON "_follows"("B");
""",
}


@pytest.fixture
def social(carrierdb_url, carrierdb_backend, tmp_path):
    (tmp_path / "schema.prisma").write_text(SCHEMA)
    db = carrierdb.connect(carrierdb_url, schema=str(tmp_path / "schema.prisma"))
    db.execute_script(TABLES[carrierdb_backend])
    for name in ("alice", "bob", "carol"):
        db.user.create({"name": name})
    yield db
    db.close()


def join_rows(db) -> list[tuple[str, str]]:
    """The join table as (A, B) user names: (x, y) means y follows x (x.followers holds y)."""
    rows = db.query('SELECT a.name AS a, b.name AS b FROM "_follows" j JOIN users a ON a.id = j."A" JOIN users b ON b.id = j."B" '
                    "ORDER BY a.name, b.name")
    return [(r["a"], r["b"]) for r in rows]


def names(users) -> list[str]:
    return sorted(u["name"] for u in users)


def test_self_relation_connect_and_create_store_the_columns_prisma_reads(social):
    social.user.update({"name": "alice"}, {"following": {"connect": {"name": "bob"}}})
    assert join_rows(social) == [("bob", "alice")]  # bob.followers (column A's side) holds alice
    social.user.update({"name": "carol"}, {"followers": {"connect": [{"name": "alice"}, {"name": "bob"}]}})
    social.user.create({"name": "dave", "following": {"create": [{"name": "erin"}], "connect": {"name": "alice"}}})
    social.user.create({"name": "frank", "followers": {"create": {"name": "gina"}}})
    assert join_rows(social) == [("alice", "dave"), ("bob", "alice"), ("carol", "alice"), ("carol", "bob"), ("erin", "dave"),
                                 ("frank", "gina")]
    # Read back through include and relation filters, which join the same way.
    assert names(social.user.find_unique({"name": "carol"}, include={"followers": True})["followers"]) == ["alice", "bob"]
    assert names(social.user.find_unique({"name": "dave"}, include={"following": True})["following"]) == ["alice", "erin"]
    assert names(social.user.find_many({"following": {"some": {"name": "carol"}}})) == ["alice", "bob"]
    with pytest.raises(carrierdb.ValidationError) as info:
        social.user.create({"name": "hugo", "followers": {"create": [{"name": "ivan"}, {}]}})
    assert [i["path"] for i in info.value.issues] == [["followers", "create", "1", "name"]]


def test_self_relation_disconnect_and_set_work_from_either_side(social):
    social.user.update({"name": "alice"}, {"following": {"connect": [{"name": "bob"}, {"name": "carol"}]}})
    social.user.update({"name": "alice"}, {"following": {"disconnect": {"name": "bob"}}})
    assert join_rows(social) == [("carol", "alice")]
    social.user.update({"name": "bob"}, {"followers": {"set": [{"name": "alice"}, {"name": "carol"}]}})
    assert join_rows(social) == [("bob", "alice"), ("bob", "carol"), ("carol", "alice")]
    social.user.update({"name": "carol"}, {"following": {"set": []}})  # carol follows no one; alice still follows carol
    assert join_rows(social) == [("bob", "alice"), ("carol", "alice")]
    social.user.update({"name": "bob"}, {"followers": {"disconnect": [{"name": "alice"}]}})
    assert join_rows(social) == [("carol", "alice")]
    assert names(social.user.find_unique({"name": "alice"}, include={"following": True})["following"]) == ["carol"]
