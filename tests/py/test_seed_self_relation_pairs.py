"""Pair files of an implicit many-to-many self-relation (`Person.following` / `Person.followedBy`),
on both backends: each pair lands in the join table's columns by Prisma's rule (the relation field
whose name sorts first owns column A), so Prisma Client and the repository read what the file says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import carrierdb

MODEL = """
model Person {
  id         Int      @id @default(autoincrement())
  email      String   @unique
  followedBy Person[] @relation("Follows")
  following  Person[] @relation("Follows")
}
"""
# What `prisma migrate diff --from-empty` (Prisma 6.19.3) wrote for MODEL, on each provider.
DDL = {
    "postgresql": """
CREATE TABLE "Person" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "Person_pkey" PRIMARY KEY ("id"));
CREATE TABLE "_Follows" ("A" INTEGER NOT NULL, "B" INTEGER NOT NULL, CONSTRAINT "_Follows_AB_pkey" PRIMARY KEY ("A","B"));
CREATE UNIQUE INDEX "Person_email_key" ON "Person"("email");
CREATE INDEX "_Follows_B_index" ON "_Follows"("B");
ALTER TABLE "_Follows" ADD CONSTRAINT "_Follows_A_fkey" FOREIGN KEY ("A") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "_Follows" ADD CONSTRAINT "_Follows_B_fkey" FOREIGN KEY ("B") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
""",
    "sqlite": """
CREATE TABLE "Person" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "email" TEXT NOT NULL);
CREATE TABLE "_Follows" ("A" INTEGER NOT NULL, "B" INTEGER NOT NULL,
    CONSTRAINT "_Follows_A_fkey" FOREIGN KEY ("A") REFERENCES "Person" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_Follows_B_fkey" FOREIGN KEY ("B") REFERENCES "Person" ("id") ON DELETE CASCADE ON UPDATE CASCADE);
CREATE UNIQUE INDEX "Person_email_key" ON "Person"("email");
CREATE UNIQUE INDEX "_Follows_AB_unique" ON "_Follows"("A", "B");
CREATE INDEX "_Follows_B_index" ON "_Follows"("B");
""",
}


@pytest.fixture
def people(carrierdb_db, carrierdb_url, tmp_path: Path):
    """Person and _Follows as Prisma creates them; a seed set with people and their follows."""
    carrierdb_db.execute_script(DDL[carrierdb_db.backend])
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (carrierdb_db.backend, MODEL))
    folder = tmp_path / "seeds" / "development"
    folder.mkdir(parents=True)
    (folder / "people.csv").write_text("email\nann@example.com\nbob@example.com\ncat@example.com\n")
    # Ann follows Bob and Cat; Bob follows Cat.
    (folder / "following.csv").write_text("person.email,following.email\nann@example.com,bob@example.com\n"
                                          "ann@example.com,cat@example.com\nbob@example.com,cat@example.com\n")
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": [
        {"path": "following.csv", "model": "Person", "relation": "following"},
        {"path": "people.csv", "model": "Person", "key": ["email"]}]}))
    db = carrierdb.connect(carrierdb_url, env="development", schema=str(schema))
    yield db, folder
    db.close()


def join_rows(db) -> set[tuple[str, str]]:
    return {(r["a"], r["b"]) for r in db.query(
        'SELECT pa.email AS a, pb.email AS b FROM "_Follows" j JOIN "Person" pa ON pa.id = j."A" JOIN "Person" pb ON pb.id = j."B"')}


def following_of(db) -> dict[str, set[str]]:
    rows = db.model("Person").find_many(include={"following": True, "followedBy": True})
    return {r["email"]: ({p["email"] for p in r["following"]}, {p["email"] for p in r["followedBy"]}) for r in rows}


def test_self_relation_pairs_land_in_the_columns_prisma_reads(people):
    db, folder = people
    report = db.seeds.apply(directory=folder.parent)
    assert report.rejected == 0 and report.files[-1].model == "Person.following" and report.files[-1].inserted == 3
    # followedBy sorts before following: followedBy's owner is in A, so a follower (following's owner) is in B.
    assert join_rows(db) == {("bob@example.com", "ann@example.com"), ("cat@example.com", "ann@example.com"),
                             ("cat@example.com", "bob@example.com")}
    assert following_of(db) == {
        "ann@example.com": ({"bob@example.com", "cat@example.com"}, set()),
        "bob@example.com": ({"cat@example.com"}, {"ann@example.com"}),
        "cat@example.com": (set(), {"ann@example.com", "bob@example.com"}),
    }


def test_the_other_side_of_a_self_relation_names_the_same_pairs(people):
    db, folder = people
    db.seeds.apply(directory=folder.parent)
    # Said from the followed side: Cat is followed by Ann (there already), and Ann by Cat (new).
    (folder / "followers.csv").write_text("person.email,followedBy.email\ncat@example.com,ann@example.com\nann@example.com,cat@example.com\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["version"] = "2"
    manifest["files"].append({"path": "followers.csv", "model": "Person", "relation": "followedBy"})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    report = db.seeds.apply(directory=folder.parent)
    pairs = next(f for f in report.files if f.model == "Person.followedBy")
    assert (pairs.inserted, pairs.unchanged) == (1, 1)
    assert following_of(db)["cat@example.com"] == ({"ann@example.com"}, {"ann@example.com", "bob@example.com"})


def test_an_unresolved_side_of_a_self_relation_pair_is_refused_at_its_line(people):
    db, folder = people
    (folder / "following.csv").write_text("person.email,following.email\nann@example.com,bob@example.com\nann@example.com,zed@example.com\n")
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply(directory=folder.parent)
    assert [(i["row"], i["path"][0], i["value"]) for i in info.value.issues] == [("following.csv:3", "following.email", "zed@example.com")]
    assert db.query('SELECT count(*) AS n FROM "_Follows"')[0]["n"] == 0
