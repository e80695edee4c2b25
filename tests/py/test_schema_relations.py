"""A schema with relations: it loads, and the repository, seeding, summary and drift keep working on
its scalar columns, on both backends."""

from __future__ import annotations

import pytest

import carrierdb

# The datasource is written per backend; the models (in another order than the C++ tests') are shared.
DATASOURCE = 'datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n'
MODELS = """
model Tag {
  id       Int       @id @default(autoincrement())
  label    String    @unique
  carriers Carrier[]
}

model Driver {
  id        Int      @id @default(autoincrement())
  name      String
  carrierId Int?
  carrier   Carrier? @relation(fields: [carrierId], references: [id])
  mentorId  Int?
  mentor    Driver?  @relation("Mentoring", fields: [mentorId], references: [id])
  mentees   Driver[] @relation("Mentoring")
}

model Truck {
  id        Int     @id @default(autoincrement())
  vin       String  @unique
  carrierId Int
  carrier   Carrier @relation(fields: [carrierId], references: [id], onDelete: Cascade)
}

model Carrier {
  id       Int      @id @default(autoincrement())
  name     String
  mcNumber String   @unique
  tags     Tag[]
  trucks   Truck[]
  drivers  Driver[]
}
"""

# The tables Prisma would create for MODELS (Prisma's default actions spelled out), with the join table.
DDL = {
    "postgresql": """
        CREATE TABLE "Carrier" (id SERIAL PRIMARY KEY, name TEXT NOT NULL, "mcNumber" TEXT NOT NULL UNIQUE);
        CREATE TABLE "Truck" (id SERIAL PRIMARY KEY, vin TEXT NOT NULL UNIQUE,
            "carrierId" INTEGER NOT NULL REFERENCES "Carrier"(id) ON DELETE CASCADE ON UPDATE CASCADE);
        CREATE TABLE "Driver" (id SERIAL PRIMARY KEY, name TEXT NOT NULL,
            "carrierId" INTEGER REFERENCES "Carrier"(id) ON DELETE SET NULL ON UPDATE CASCADE,
            "mentorId" INTEGER REFERENCES "Driver"(id) ON DELETE SET NULL ON UPDATE CASCADE);
        CREATE TABLE "Tag" (id SERIAL PRIMARY KEY, label TEXT NOT NULL UNIQUE);
        CREATE TABLE "_CarrierToTag" ("A" INTEGER NOT NULL REFERENCES "Carrier"(id) ON DELETE CASCADE ON UPDATE CASCADE,
            "B" INTEGER NOT NULL REFERENCES "Tag"(id) ON DELETE CASCADE ON UPDATE CASCADE,
            CONSTRAINT "_CarrierToTag_AB_pkey" PRIMARY KEY ("A", "B"));
        CREATE INDEX "_CarrierToTag_B_index" ON "_CarrierToTag"("B");
    """,
    "sqlite": """
        CREATE TABLE "Carrier" (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "mcNumber" TEXT NOT NULL UNIQUE);
        CREATE TABLE "Truck" (id INTEGER PRIMARY KEY AUTOINCREMENT, vin TEXT NOT NULL UNIQUE,
            "carrierId" INTEGER NOT NULL REFERENCES "Carrier"(id) ON DELETE CASCADE ON UPDATE CASCADE);
        CREATE TABLE "Driver" (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
            "carrierId" INTEGER REFERENCES "Carrier"(id) ON DELETE SET NULL ON UPDATE CASCADE,
            "mentorId" INTEGER REFERENCES "Driver"(id) ON DELETE SET NULL ON UPDATE CASCADE);
        CREATE TABLE "Tag" (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL UNIQUE);
        CREATE TABLE "_CarrierToTag" ("A" INTEGER NOT NULL REFERENCES "Carrier"(id) ON DELETE CASCADE ON UPDATE CASCADE,
            "B" INTEGER NOT NULL REFERENCES "Tag"(id) ON DELETE CASCADE ON UPDATE CASCADE);
        CREATE UNIQUE INDEX "_CarrierToTag_AB_unique" ON "_CarrierToTag"("A", "B");
        CREATE INDEX "_CarrierToTag_B_index" ON "_CarrierToTag"("B");
    """,
}


@pytest.fixture
def fleet(carrierdb_url, tmp_path):
    probe = carrierdb.connect(carrierdb_url)
    backend = probe.backend
    probe.close()
    path = tmp_path / "schema.prisma"
    path.write_text(DATASOURCE % backend + MODELS)
    db = carrierdb.connect(carrierdb_url, schema=str(path))
    db.execute_script(DDL[backend])
    yield db
    db.close()


def test_a_schema_with_relations_loads_with_both_sides_resolved(fleet):
    schema = fleet.schema
    assert schema.model_names == ["Tag", "Driver", "Truck", "Carrier"]
    truck = {f["name"]: f for f in schema.model("Truck")["fields"]}
    assert truck["carrier"]["kind"] == "relation" and truck["carrierId"]["kind"] == "scalar"
    relation = truck["carrier"]["relation"]
    assert relation["target"] == "Carrier" and relation["back_field"] == "trucks" and relation["kind"] == "one_to_many"
    assert (relation["fields"], relation["references"]) == (["carrierId"], ["id"])
    assert (relation["on_delete"], relation["on_update"]) == ("Cascade", "Cascade")
    driver = {f["name"]: f for f in schema.model("Driver")["fields"]}
    assert driver["carrier"]["relation"]["on_delete"] == "SetNull"  # Prisma's default for an optional relation
    tags = {f["name"]: f for f in schema.model("Carrier")["fields"]}["tags"]
    assert tags["list"] and tags["relation"]["kind"] == "many_to_many"
    join = tags["relation"]["join_table"]
    assert join["table"] == "_CarrierToTag" and join["columns"] == ["A", "B"] and join["index_name"] == "_CarrierToTag_B_index"
    assert join["key_name"] == ("_CarrierToTag_AB_unique" if fleet.backend == "sqlite" else "_CarrierToTag_AB_pkey")
    assert schema.model("Tag")["unique_constraints"] == [{"fields": ["label"], "name": None, "db_name": "Tag_label_key"}]


def test_the_repository_works_on_the_scalar_columns(fleet):
    carrier = fleet.carrier.create({"mcNumber": "MC1", "name": "Acme"})
    assert list(carrier) == ["id", "name", "mcNumber"]  # no relation fields among the columns
    truck = fleet.truck.create({"vin": "1FUJ", "carrierId": carrier["id"]})
    assert fleet.truck.get(truck["id"]) == truck
    assert fleet.truck.find_many({"carrierId": carrier["id"]}) == [truck]
    mentor = fleet.driver.create({"name": "Ann", "carrierId": carrier["id"]})
    fleet.driver.create({"name": "Bob", "mentorId": mentor["id"]})
    assert fleet.driver.count({"mentorId": mentor["id"]}) == 1
    assert list(fleet.truck.find_many().to_pandas().columns) == ["id", "vin", "carrierId"]


def test_writing_a_relation_field_as_a_value_is_a_clear_validation_error(fleet):
    carrier = fleet.carrier.create({"mcNumber": "MC1", "name": "Acme"})
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.create({"vin": "1FUJ", "carrierId": carrier["id"], "carrier": {"connect": {"id": carrier["id"]}}})
    (issue,) = info.value.issues
    assert issue["path"] == ["carrier"]
    assert "give either carrier or carrierId, not both" in issue["message"]
    assert fleet.truck.count() == 0


def test_a_single_model_seed_summary_and_drift_work_with_relations(fleet):
    carrier = fleet.carrier.create({"mcNumber": "MC1", "name": "Acme"})
    rows = [{"vin": f"VIN{k}", "carrierId": carrier["id"]} for k in range(5)]
    assert fleet.seeds.records("Truck", rows, key=["vin"]).inserted == 5
    assert fleet.seeds.records("Truck", rows, key=["vin"]).unchanged == 5
    summary = carrierdb.summarize(fleet)
    assert summary["Truck"]["count"] == 5 and summary["Carrier"]["count"] == 1
    assert fleet.schema_drift() == []  # relation fields are not columns: no "missing column trucks"


LISTS = """
enum Status {
  ACTIVE
  INACTIVE
  @@map("status")
}

model Lane {
  id       Int      @id @default(autoincrement())
  status   Status   @default(ACTIVE)
  states   Status[]
  aliases  String[] @default([])
  ref      String   @unique @db.Uuid
  rate     Decimal  @db.Decimal(10, 2)
  @@index([rate(sort: Desc)], map: "lane_rate_idx")
}
"""


@pytest.mark.postgres_only  # scalar lists and native types exist on PostgreSQL only
def test_scalar_lists_and_native_types_on_postgresql(carrierdb_url, tmp_path):
    path = tmp_path / "schema.prisma"
    path.write_text(DATASOURCE % "postgresql" + LISTS)
    db = carrierdb.connect(carrierdb_url, schema=str(path))
    try:
        db.execute_script(
            """
            CREATE TYPE status AS ENUM ('ACTIVE', 'INACTIVE');
            CREATE TABLE "Lane" (id SERIAL PRIMARY KEY, status status NOT NULL DEFAULT 'ACTIVE', states status[],
                aliases TEXT[] DEFAULT ARRAY[]::TEXT[], ref UUID NOT NULL UNIQUE, rate DECIMAL(10, 2) NOT NULL);
            CREATE INDEX lane_rate_idx ON "Lane" (rate DESC);
            """
        )
        # Lists are columns of array types, created nullable by Prisma: no drift.
        assert db.schema_drift() == []
        fields = {f["name"]: f for f in db.schema.model("Lane")["fields"]}
        assert fields["aliases"]["list"] and fields["aliases"]["kind"] == "scalar"
        assert (fields["ref"]["native_type"], fields["rate"]["native_args"]) == ("Uuid", ["10", "2"])
        assert db.schema.model("Lane")["indexes"] == [{"fields": ["rate"], "name": None, "db_name": "lane_rate_idx", "type": None}]
        assert db.schema.model("Lane")["keys"][0]["sort"] == ["Desc"]
        # A list value is checked element by element (test_list_and_bytes_values.py writes and reads them).
        assert db.schema.validate("Lane", {"ref": "5b0c6a1e-8f0e-4f57-9a53-1f1f1f1f1f1f", "rate": "1.50", "aliases": ["x"]}) == []
        issues = db.schema.validate("Lane", {"ref": "5b0c6a1e-8f0e-4f57-9a53-1f1f1f1f1f1f", "rate": "1.50", "aliases": ["x", 2]})
        assert [i["path"] for i in issues] == [["aliases", "1"]]
        summary = carrierdb.summarize(db)["Lane"]  # the enum is counted by value, the enum list is not
        assert summary["count"] == 0 and summary["by"] == {"status": {"ACTIVE": 0, "INACTIVE": 0}}
    finally:
        db.close()
