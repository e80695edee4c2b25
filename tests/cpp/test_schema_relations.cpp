// The relational data model read from schema.prisma: relations resolved on both sides, keys with
// their options, lists, Bytes, native types, unsupported blocks, and Prisma's validation errors.
#include <gtest/gtest.h>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/join_columns.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/validation.hpp"

using namespace carrierdb;

namespace {

const char *k_fleet = R"(datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Carrier {
  id       Int      @id @default(autoincrement())
  mcNumber String   @unique
  trucks   Truck[]
  drivers  Driver[]
  tags     Tag[]
}
model Truck {
  id        Int     @id @default(autoincrement())
  vin       String  @unique
  carrierId Int
  carrier   Carrier @relation(fields: [carrierId], references: [id], onDelete: Cascade, map: "truck_carrier_fk")
  driver    Driver?
}
model Driver {
  id        Int      @id @default(autoincrement())
  carrierId Int?
  carrier   Carrier? @relation(fields: [carrierId], references: [id])
  truckId   Int?     @unique
  truck     Truck?   @relation(fields: [truckId], references: [id])
  mentorId  Int?
  mentor    Driver?  @relation("Mentoring", fields: [mentorId], references: [id])
  mentees   Driver[] @relation("Mentoring")
}
model Tag {
  id       Int       @id
  carriers Carrier[]
}
)";

const relation_info &relation(const schema &s, const char *model, const char *field) { return *s.model(model)->field(field)->relation; }

// Parses `text` and expects a schema_error at line:column whose message contains `what`.
void expect_schema_error(const std::string &text, int line, int column, const std::string &what) {
  try {
    schema::parse(text, "t.prisma");
    ADD_FAILURE() << "no error; expected: " << what;
  } catch (const schema_error &e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

const std::string k_pg = "datasource db {\n  provider = \"postgresql\"\n  url = env(\"U\")\n}\n";  // 4 lines
const std::string k_lite = "datasource db {\n  provider = \"sqlite\"\n  url = env(\"U\")\n}\n";

}  // namespace

TEST(schema_relations, one_to_many_resolves_both_sides_with_prisma_defaults) {
  const schema s = schema::parse(k_fleet);
  const relation_info &truck = relation(s, "Truck", "carrier");
  EXPECT_EQ(truck.target, "Carrier");
  EXPECT_EQ(truck.kind, relation_kind::one_to_many);
  EXPECT_TRUE(truck.holds_foreign_key);
  EXPECT_EQ(truck.fields, std::vector<std::string>{"carrierId"});
  EXPECT_EQ(truck.references, std::vector<std::string>{"id"});
  EXPECT_EQ(truck.back_field, "trucks");
  EXPECT_EQ(truck.on_delete, referential_action::cascade);
  EXPECT_EQ(truck.on_update, referential_action::cascade);
  EXPECT_EQ(truck.constraint_name, "truck_carrier_fk");
  const relation_info &trucks = relation(s, "Carrier", "trucks");
  EXPECT_EQ(trucks.kind, relation_kind::one_to_many);
  EXPECT_FALSE(trucks.holds_foreign_key);
  EXPECT_EQ(trucks.back_field, "carrier");
  EXPECT_FALSE(trucks.on_delete.has_value());
  // Optional foreign key: onDelete SetNull; the constraint gets Prisma's <table>_<columns>_fkey.
  const relation_info &driver = relation(s, "Driver", "carrier");
  EXPECT_EQ(driver.on_delete, referential_action::set_null);
  EXPECT_EQ(driver.constraint_name, "Driver_carrierId_fkey");
  // Relation fields are not columns: the model's columns are its scalar fields only.
  EXPECT_FALSE(s.model("Carrier")->field("trucks")->is_column());
  EXPECT_TRUE(s.model("Truck")->field("carrierId")->is_column());
}

TEST(schema_relations, required_foreign_key_defaults_to_restrict) {
  const schema s = schema::parse(k_pg + "model A {\n  id Int @id\n  bs B[]\n}\nmodel B {\n  id Int @id\n  aId Int\n  a A @relation(fields: [aId], references: [id])\n}\n");
  EXPECT_EQ(relation(s, "B", "a").on_delete, referential_action::restrict);
  EXPECT_EQ(relation(s, "B", "a").on_update, referential_action::cascade);
}

TEST(schema_relations, one_to_one_and_named_self_relation) {
  const schema s = schema::parse(k_fleet);
  EXPECT_EQ(relation(s, "Driver", "truck").kind, relation_kind::one_to_one);
  EXPECT_TRUE(relation(s, "Driver", "truck").holds_foreign_key);
  EXPECT_EQ(relation(s, "Truck", "driver").kind, relation_kind::one_to_one);
  EXPECT_EQ(relation(s, "Truck", "driver").back_field, "truck");
  const relation_info &mentor = relation(s, "Driver", "mentor");
  EXPECT_EQ(mentor.name, "Mentoring");
  EXPECT_EQ(mentor.target, "Driver");
  EXPECT_EQ(mentor.back_field, "mentees");
  EXPECT_EQ(relation(s, "Driver", "mentees").back_field, "mentor");
}

TEST(schema_relations, implicit_many_to_many_gets_prisma_join_table) {
  const schema s = schema::parse(k_fleet);
  const relation_info &tags = relation(s, "Carrier", "tags");
  ASSERT_TRUE(tags.join.has_value());
  EXPECT_EQ(tags.kind, relation_kind::many_to_many);
  EXPECT_EQ(tags.join->table, "_CarrierToTag");
  EXPECT_EQ(tags.join->model_a, "Carrier");
  EXPECT_EQ(tags.join->model_b, "Tag");
  EXPECT_EQ(tags.join->key_name, "_CarrierToTag_AB_pkey");  // Prisma 6 on PostgreSQL
  EXPECT_TRUE(tags.join->key_is_primary);
  EXPECT_EQ(tags.join->index_name, "_CarrierToTag_B_index");
  EXPECT_EQ(relation(s, "Tag", "carriers").join->table, "_CarrierToTag");
  // Named: _<name>; SQLite keeps the unique index. Alphabetical order decides A, not field order.
  const schema lite = schema::parse(k_lite + "model Zebra {\n  id Int @id\n  apes Ape[] @relation(\"Zoo\")\n}\nmodel Ape {\n  id Int @id\n  zebras Zebra[] @relation(\"Zoo\")\n}\n");
  const join_table &j = *relation(lite, "Zebra", "apes").join;
  EXPECT_EQ(j.table, "_Zoo");
  EXPECT_EQ(j.model_a, "Ape");
  EXPECT_EQ(j.key_name, "_Zoo_AB_unique");
  EXPECT_FALSE(j.key_is_primary);
}

TEST(schema_relations, join_columns_follow_prisma_rule_for_each_side) {
  const schema s = schema::parse(k_fleet);
  const auto column = [](const schema &in, const char *model, const char *field) {
    return join_owner_column(*in.model(model), *in.model(model)->field(field));
  };
  EXPECT_EQ(column(s, "Carrier", "tags"), "A");  // the model first in alphabetical order
  EXPECT_EQ(column(s, "Tag", "carriers"), "B");
  // A self-relation: the field whose name sorts first reads A, whichever is declared first.
  const schema self = schema::parse(k_pg + "model User {\n  id Int @id\n  following User[] @relation(\"follows\")\n"
                                           "  followers User[] @relation(\"follows\")\n}\n");
  EXPECT_EQ(column(self, "User", "followers"), "A");
  EXPECT_EQ(column(self, "User", "following"), "B");
  // Byte order, as Prisma compares: upper case sorts before lower case.
  const schema cased = schema::parse(k_pg + "model Animal {\n  id Int @id\n  eats Animal[] @relation(\"FoodChain\")\n"
                                            "  EatenBy Animal[] @relation(\"FoodChain\")\n}\n");
  EXPECT_EQ(column(cased, "Animal", "EatenBy"), "A");
  EXPECT_EQ(column(cased, "Animal", "eats"), "B");
}

TEST(schema_relations, explicit_join_model_is_two_one_to_many_relations) {
  const schema s = schema::parse(k_pg + R"(model Post {
  id   Int @id
  tags PostTag[]
}
model Tag {
  id    Int @id
  posts PostTag[]
}
model PostTag {
  postId Int
  tagId  Int
  post   Post @relation(fields: [postId], references: [id])
  tag    Tag  @relation(fields: [tagId], references: [id])
  @@id([postId, tagId], name: "postTag", map: "post_tag_pk")
}
)");
  EXPECT_EQ(relation(s, "PostTag", "post").kind, relation_kind::one_to_many);
  EXPECT_EQ(relation(s, "Post", "tags").back_field, "post");
  const model_def &m = *s.model("PostTag");
  EXPECT_EQ(m.id_fields, (std::vector<std::string>{"postId", "tagId"}));
  ASSERT_EQ(m.keys.size(), 1u);
  EXPECT_EQ(m.keys[0].name, "postTag");
  EXPECT_EQ(m.keys[0].map, "post_tag_pk");
}

TEST(schema_keys, named_uniques_and_indexes_keep_their_options) {
  const schema s = schema::parse(k_pg + R"(model Load {
  id      Int    @id
  origin  String
  dest    String
  tags    String[]
  @@unique([origin, dest], name: "lane", map: "load_lane_key")
  @@index([origin(sort: Desc), dest], map: "load_origin_idx")
  @@index([tags], type: Gin)
}
)");
  const model_def &m = *s.model("Load");
  ASSERT_EQ(m.keys.size(), 3u);
  EXPECT_EQ(m.keys[0].what, index_def::kind::unique);
  EXPECT_EQ(m.keys[0].name, "lane");
  EXPECT_EQ(m.keys[0].map, "load_lane_key");
  EXPECT_TRUE(m.keys[1].fields[0].descending);
  EXPECT_FALSE(m.keys[1].fields[1].descending);
  EXPECT_EQ(m.keys[2].type, "Gin");
  EXPECT_EQ(m.uniques, (std::vector<std::vector<std::string>>{{"origin", "dest"}}));
  EXPECT_EQ(m.indexes.size(), 2u);
  EXPECT_EQ(expected_column_type(*m.field("tags"), s, backend_kind::postgresql), "text[]");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  @@index([id], type: Hashh)\n}\n", 7, 3, "unknown index type 'Hashh' (did you mean 'Hash'?)");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  @@unique([idd])\n}\n", 7, 3, "names field idd, which model A does not have (did you mean 'id'?)");
}

TEST(schema_types, native_types_fit_their_scalar_and_map_to_column_types) {
  const schema s = schema::parse(k_pg + R"(model N {
  id    String   @id @db.Uuid
  a     String   @db.Char(3)
  b     Int      @db.SmallInt
  c     Float    @db.Real
  d     Decimal  @db.Decimal(10, 2)
  e     DateTime @db.Timestamptz(6)
  f     DateTime @db.Date
  g     DateTime @db.Time(0)
  h     Json     @db.JsonB
  i     String   @db.Inet
  j     String   @db.Citext
  k     Bytes
  l     Decimal  @db.Money
  m     BigInt   @db.BigInt
  n     Float    @db.DoublePrecision
  o     String   @db.VarBit(4)
}
)");
  const model_def &m = *s.model("N");
  const auto pg = [&](const char *f) { return expected_column_type(*m.field(f), s, backend_kind::postgresql); };
  EXPECT_EQ(pg("id"), "uuid");
  EXPECT_EQ(pg("a"), "character(3)");
  EXPECT_EQ(pg("b"), "smallint");
  EXPECT_EQ(pg("c"), "real");
  EXPECT_EQ(pg("d"), "numeric(10,2)");
  EXPECT_EQ(pg("e"), "timestamp(6) with time zone");
  EXPECT_EQ(pg("f"), "date");
  EXPECT_EQ(pg("g"), "time(0) without time zone");
  EXPECT_EQ(pg("h"), "jsonb");
  EXPECT_EQ(pg("i"), "inet");
  EXPECT_EQ(pg("j"), "citext");
  EXPECT_EQ(pg("k"), "bytea");
  EXPECT_EQ(pg("l"), "money");
  EXPECT_EQ(pg("m"), "bigint");
  EXPECT_EQ(pg("n"), "double precision");
  EXPECT_EQ(pg("o"), "bit varying(4)");
  EXPECT_EQ(m.field("k")->type, scalar_type::bytes);
  EXPECT_EQ(expected_column_type(*m.field("k"), s, backend_kind::sqlite), "blob");
}

TEST(schema_types, native_type_errors_say_expected_and_found) {
  expect_schema_error(k_pg + "model A {\n  id Int @id @db.VarChar(3)\n}\n", 6, 3,
                      "native type VarChar is not compatible with declared field type Int (field id): expected field type String, found Int");
  expect_schema_error(k_pg + "model A {\n  id String @id @db.Varchar(3)\n}\n", 6, 3,
                      "native type @db.Varchar is not supported by the postgresql provider (did you mean 'VarChar'?)");
  expect_schema_error(k_pg + "model A {\n  id Decimal @id @db.Decimal(3)\n}\n", 6, 3, "native type Decimal takes 0 or 2 argument(s), found 1");
  expect_schema_error(k_lite + "model A {\n  id String @id @db.Text\n}\n", 6, 3, "the sqlite provider has no native types");
}

TEST(schema_types, database_generated_and_list_defaults_are_read) {
  const schema s = schema::parse(k_pg + R"P(model A {
  id   String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  tags String[] @default([])
  nums Int[]    @default([1, 2])
}
)P");
  const model_def &m = *s.model("A");
  EXPECT_EQ(m.field("id")->default_->what, default_value::kind::db_generated);
  EXPECT_EQ(m.field("id")->default_->text, "gen_random_uuid()");
  EXPECT_EQ(m.field("tags")->default_->what, default_value::kind::list_literal);
  EXPECT_EQ(m.field("nums")->default_->text, "[1, 2]");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  n Int @default([])\n}\n", 7, 3, "@default([]) needs a list field (n is Int)");
}

TEST(schema_types, scalar_lists_are_postgresql_only_and_enum_values_map) {
  expect_schema_error(k_lite + "model A {\n  id Int @id\n  tags String[]\n}\n", 7, 3,
                      "field tags can't be a list: the sqlite provider does not support lists of primitive types");
  const schema s = schema::parse(k_pg + "enum Status {\n  ACTIVE @map(\"active\")\n  GONE\n  @@map(\"status\")\n}\nmodel A {\n  id Int @id\n  s Status[]\n}\n");
  const enum_def &e = *s.enumeration("Status");
  EXPECT_EQ(e.values, (std::vector<std::string>{"ACTIVE", "GONE"}));
  EXPECT_EQ(e.db_values, (std::vector<std::string>{"active", "GONE"}));
  EXPECT_EQ(expected_column_type(*s.model("A")->field("s"), s, backend_kind::postgresql), "status[]");
}

TEST(schema_unsupported, views_types_and_other_schemas_are_recorded_not_fatal) {
  const schema s = schema::parse(k_pg + R"(view Stats {
  id Int @unique
}
type Address {
  street String
}
model Audit {
  id Int @id
  @@schema("audit")
}
model Carrier {
  id      Int      @id
  address Address?
  legacy  Unsupported("circle")?
  @@ignore
}
)", "u.prisma");
  ASSERT_EQ(s.unsupported_blocks().size(), 3u);
  EXPECT_EQ(s.model("Audit"), nullptr);
  const model_def &m = *s.model_by_accessor("carrier");
  EXPECT_TRUE(m.ignored);
  EXPECT_EQ(m.field("address")->kind, field_kind::unsupported);
  EXPECT_FALSE(m.field("legacy")->is_column());
  try {
    s.model_by_accessor("Stats");
    ADD_FAILURE() << "a view is not usable yet";
  } catch (const schema_error &e) {
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.column(), 6);
    EXPECT_NE(std::string(e.what()).find("'view' blocks are not supported yet (view Stats)"), std::string::npos);
  }
  try {
    s.model_by_accessor("Audit");
    ADD_FAILURE() << "a model in another schema is not usable yet";
  } catch (const schema_error &e) {
    EXPECT_NE(std::string(e.what()).find("multi-schema (@@schema) is not supported yet"), std::string::npos);
  }
  std::vector<validation_issue> issues;
  check_record(s, m, {{"id", std::int64_t{1}}, {"address", std::string("x")}}, validation_mode::create, issues);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("'type' blocks are not supported yet (type Address)"), std::string::npos);
}

TEST(schema_relations, validation_refuses_relation_values_and_needs_none) {
  const schema s = schema::parse(k_fleet);
  const model_def &truck = *s.model("Truck");
  std::vector<validation_issue> issues;
  // Relation fields are never required: the foreign key is.
  check_record(s, truck, {{"vin", std::string("V1")}, {"carrierId", std::int64_t{1}}}, validation_mode::create, issues);
  EXPECT_TRUE(issues.empty());
  check_record(s, truck, {{"vin", std::string("V1")}, {"carrierId", std::int64_t{1}}, {"carrier", std::int64_t{1}}}, validation_mode::create,
               issues);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].path, std::vector<std::string>{"carrier"});
  EXPECT_NE(issues[0].message.find("cannot be written as a value here: only create and update take nested writes; set carrierId instead"), std::string::npos);
}

// Each error Prisma's validator reports, at the place it names.
TEST(schema_relation_errors, report_position_expected_and_found) {
  const std::string a_b = k_pg + "model A {\n  id Int @id\n  b B?\n}\nmodel B {\n  id Int @id\n  aId Int @unique\n  %s\n}\n";
  const auto with = [&](const std::string &field) {
    std::string t = a_b;
    return t.replace(t.find("%s"), 2, field);
  };
  expect_schema_error(with("a A"), 7, 3, "specifies fields/references on neither side: expected them on exactly one side");
  expect_schema_error(with("a A @relation(fields: [aId], references: [id, id])"), 12, 7,
                      "fields and references must have the same length, found 1 field(s) and 2 reference(s)");
  expect_schema_error(with("a A @relation(fields: [nope], references: [id])"), 12, 7, "names nope, which is not a scalar field of model B");
  const std::string list = k_pg + "model A {\n  id Int @id\n  code String\n  bs B[]\n}\nmodel B {\n  id Int @id\n  aId %s\n  a A %s\n}\n";
  const auto one_to_many = [&](const std::string &type, const std::string &attr) {
    std::string t = list;
    t.replace(t.find("%s"), 2, type);
    return t.replace(t.find("%s"), 2, attr);
  };
  expect_schema_error(one_to_many("Int", ""), 13, 3, "must specify the fields and references arguments in @relation (found no fields)");
  expect_schema_error(one_to_many("String", "@relation(fields: [aId], references: [id])"), 13, 7,
                      "the type of field aId in model B does not match the type of referenced field id in model A: expected Int, found String");
  expect_schema_error(one_to_many("String", "@relation(fields: [aId], references: [code])"), 13, 7,
                      "must refer to a unique criterion of model A");
  expect_schema_error(one_to_many("Int", "@relation(fields: [aId], references: [id], onDelete: SetNull)"), 13, 7,
                      "referential action SetNull on B.a needs optional fields, found required aId");
  expect_schema_error(one_to_many("Int", "@relation(fields: [aId], references: [id], onDelete: Cascde)"), 13, 60,
                      "expected a referential action for onDelete, found 'Cascde' (did you mean 'Cascade'?)");
  // Two unnamed relations between the same models.
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  x B[]\n  y B[]\n}\nmodel B {\n  id Int @id\n  aId Int\n  a A @relation(fields: [aId], references: [id])\n}\n",
                      7, 3, "ambiguous relation between A and B: fields A.x, A.y, B.a all refer to it without a relation name");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n}\nmodel B {\n  id Int @id\n  aId Int\n  a A @relation(fields: [aId], references: [id])\n}\n", 11, 7,
                      "relation field a on model B is missing an opposite relation field on model A: expected a field of type B[] or B? on A, found none");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  bs B[] @relation(\"owner\")\n}\nmodel B {\n  id Int @id\n}\n", 7, 10,
                      "relation field bs on model A is missing an opposite relation field on model B (relation \"owner\"): expected a field of "
                      "type A or A? on B named by @relation(\"owner\"), found none");
  // The field side of a one-to-one must be unique.
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  b B?\n}\nmodel B {\n  id Int @id\n  aId Int\n  a A @relation(fields: [aId], references: [id])\n}\n", 12, 7,
                      "a one-to-one relation must use unique fields on the defining side: aId of model B is not unique");
}

TEST(schema_suggestions, misspelt_attributes_and_types_get_did_you_mean) {
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  name String @uniqe\n}\n", 7, 15,
                      "field attribute @uniqe is not supported yet (did you mean 'unique'?)");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  @@indx([id])\n}\n", 7, 3, "block attribute @@indx is not supported yet (did you mean 'index'?)");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  name Strng\n}\n", 7, 3, "unknown type 'Strng' for field name (did you mean 'String'?)");
  expect_schema_error(k_pg + "model A {\n  id Int @id\n  at DateTme\n}\n", 7, 3, "unknown type 'DateTme' for field at (did you mean 'DateTime'?)");
  expect_schema_error(k_pg + "model Carrier {\n  id Int @id\n  trucks Truk[]\n}\nmodel Truck {\n  id Int @id\n}\n", 7, 3,
                      "unknown type 'Truk' for field trucks (did you mean 'Truck'?)");
  // Nothing close: no suggestion.
  try {
    schema::parse(k_pg + "model A {\n  id Int @id\n  name Zebra\n}\n");
    ADD_FAILURE();
  } catch (const schema_error &e) {
    EXPECT_NE(std::string(e.what()).find("unknown type 'Zebra' for field name"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
  }
}
