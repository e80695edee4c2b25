// migrate diff's engine without a database: the target model a schema names, the steps between two
// models, and the SQL each dialect gets (Prisma's statement forms and order).
#include <gtest/gtest.h>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/schema_diff.hpp"
#include "carrierdb/schema/constraint_names.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/target_model.hpp"

using namespace carrierdb;

namespace {

const std::string k_datasource = R"(
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
)";

const std::string k_base = k_datasource + R"(
model Carrier {
  id     Int     @id @default(autoincrement())
  name   String  @db.VarChar(100)
  status Status  @default(ACTIVE)
  notes  String?
  trucks Truck[]
  @@map("carriers")
}
model Truck {
  id        Int     @id @default(autoincrement())
  vin       String  @unique
  carrierId Int     @map("carrier_id")
  carrier   Carrier @relation(fields: [carrierId], references: [id], onDelete: Cascade)
  @@index([carrierId])
  @@map("trucks")
}
enum Status {
  ACTIVE
  INACTIVE
}
)";

std::string edited(std::string text, const std::string &from, const std::string &to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

schema_diff diff(const std::string &a, const std::string &b, backend_kind dialect = backend_kind::postgresql) {
  const schema from = schema::parse(a), to = schema::parse(b);
  return diff_schemas(&from, &to, dialect);
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(schema_diff, from_empty_writes_prisma_forms_in_prisma_order) {
  const schema s = schema::parse(k_base);
  const schema_diff d = diff_schemas(nullptr, &s, backend_kind::postgresql);
  EXPECT_EQ(d.script,
            "-- CreateEnum\nCREATE TYPE \"Status\" AS ENUM ('ACTIVE', 'INACTIVE');\n\n"
            "-- CreateTable\nCREATE TABLE \"carriers\" (\n    \"id\" SERIAL NOT NULL,\n    \"name\" VARCHAR(100) NOT NULL,\n"
            "    \"status\" \"Status\" NOT NULL DEFAULT 'ACTIVE',\n    \"notes\" TEXT,\n\n    CONSTRAINT \"carriers_pkey\" PRIMARY KEY (\"id\")\n);\n\n"
            "-- CreateTable\nCREATE TABLE \"trucks\" (\n    \"id\" SERIAL NOT NULL,\n    \"vin\" TEXT NOT NULL,\n    \"carrier_id\" INTEGER NOT NULL,\n\n"
            "    CONSTRAINT \"trucks_pkey\" PRIMARY KEY (\"id\")\n);\n\n"
            "-- CreateIndex\nCREATE UNIQUE INDEX \"trucks_vin_key\" ON \"trucks\"(\"vin\");\n\n"
            "-- CreateIndex\nCREATE INDEX \"trucks_carrier_id_idx\" ON \"trucks\"(\"carrier_id\");\n\n"
            "-- AddForeignKey\nALTER TABLE \"trucks\" ADD CONSTRAINT \"trucks_carrier_id_fkey\" FOREIGN KEY (\"carrier_id\") REFERENCES \"carriers\"(\"id\") ON DELETE CASCADE ON UPDATE CASCADE;\n\n");
  EXPECT_EQ(d.summary.front(), "Added enum Status");
}

TEST(schema_diff, same_schema_is_no_difference) {
  const schema_diff d = diff(k_base, k_base);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.script, "");
  EXPECT_TRUE(diff(k_base, k_base, backend_kind::sqlite).empty());
}

TEST(schema_diff, added_column_with_default_is_one_alter_table) {
  const schema_diff d = diff(k_base, edited(k_base, "  vin       String  @unique\n", "  vin       String  @unique\n  year Int @default(2020)\n"));
  EXPECT_EQ(d.script, "-- AlterTable\nALTER TABLE \"trucks\" ADD COLUMN     \"year\" INTEGER NOT NULL DEFAULT 2020;\n\n");
  EXPECT_TRUE(d.warnings.empty());
  // SQLite adds it in place too: a constant default needs no rebuild.
  EXPECT_EQ(diff(k_base, edited(k_base, "  vin       String  @unique\n", "  vin       String  @unique\n  year Int @default(2020)\n"), backend_kind::sqlite).script,
            "-- AlterTable\nALTER TABLE \"trucks\" ADD COLUMN \"year\" INTEGER NOT NULL DEFAULT 2020;\n\n");
}

TEST(schema_diff, required_column_without_default_is_warned) {
  const schema_diff d = diff(k_base, edited(k_base, "  notes  String?\n", "  notes  String?\n  dot String\n"));
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_TRUE(contains(d.warnings_comment(), "Added the required column `dot` to the `carriers` table without a default value"));
}

TEST(schema_diff, dropped_field_is_drop_column_with_its_warning) {
  const schema_diff d = diff(k_base, edited(k_base, "  notes  String?\n", ""));
  EXPECT_TRUE(contains(d.warnings_comment(), "/*\n  Warnings:\n\n  - You are about to drop the column `notes` on the `carriers` table. All the data in the column will be lost.\n\n*/\n"));
  EXPECT_TRUE(contains(d.script, "-- AlterTable\nALTER TABLE \"carriers\" DROP COLUMN \"notes\";\n"));
}

TEST(schema_diff, added_enum_value_is_alter_type_add_value) {
  const schema_diff d = diff(k_base, edited(k_base, "  INACTIVE\n", "  INACTIVE\n  SUSPENDED\n"));
  EXPECT_EQ(d.script, "-- AlterEnum\nALTER TYPE \"Status\" ADD VALUE 'SUSPENDED';\n\n");
}

TEST(schema_diff, enum_value_added_before_others_keeps_the_schemas_order) {
  // An enum's order is its sort order: a value listed first goes first (and down.sql restoring a
  // removed value puts it back where it was).
  const schema_diff d = diff(k_base, edited(k_base, "  ACTIVE\n", "  PENDING\n  ACTIVE\n"));
  EXPECT_EQ(d.script, "-- AlterEnum\nALTER TYPE \"Status\" ADD VALUE 'PENDING' BEFORE 'ACTIVE';\n\n");
}

TEST(schema_diff, removed_enum_value_recreates_the_type_and_moves_its_columns) {
  const schema_diff d = diff(k_base, edited(k_base, "  INACTIVE\n", ""));
  EXPECT_TRUE(contains(d.warnings_comment(), "The values [INACTIVE] on the enum `Status` will be removed."));
  EXPECT_TRUE(contains(d.script,
                       "-- AlterEnum\nCREATE TYPE \"Status_new\" AS ENUM ('ACTIVE');\n"
                       "ALTER TABLE \"carriers\" ALTER COLUMN \"status\" DROP DEFAULT;\n"
                       "ALTER TABLE \"carriers\" ALTER COLUMN \"status\" TYPE \"Status_new\" USING (\"status\"::text::\"Status_new\");\n"
                       "ALTER TYPE \"Status\" RENAME TO \"Status_old\";\nALTER TYPE \"Status_new\" RENAME TO \"Status\";\nDROP TYPE \"Status_old\";\n"
                       "ALTER TABLE \"carriers\" ALTER COLUMN \"status\" SET DEFAULT 'ACTIVE';\n"));
}

TEST(schema_diff, dropped_model_drops_its_foreign_keys_before_the_table) {
  std::string without_trucks = k_base.substr(0, k_base.find("model Truck")) + k_base.substr(k_base.find("enum Status"));
  without_trucks = edited(without_trucks, "  trucks Truck[]\n", "");
  const schema_diff d = diff(k_base, without_trucks);
  const auto fk = d.script.find("-- DropForeignKey\nALTER TABLE \"trucks\" DROP CONSTRAINT \"trucks_carrier_id_fkey\";");
  const auto table = d.script.find("-- DropTable\nDROP TABLE \"trucks\";");
  ASSERT_NE(fk, std::string::npos);
  ASSERT_NE(table, std::string::npos);
  EXPECT_LT(fk, table);
  EXPECT_TRUE(contains(d.warnings_comment(), "You are about to drop the `trucks` table."));
  EXPECT_FALSE(contains(d.script, "Warnings"));  // as Prisma's migrate diff: the script alone
}

TEST(schema_diff, added_index_and_changed_type_on_postgres) {
  const std::string b = edited(edited(k_base, "  @@map(\"carriers\")", "  @@index([name])\n  @@map(\"carriers\")"), "@db.VarChar(100)", "@db.VarChar(200)");
  const schema_diff d = diff(k_base, b);
  EXPECT_TRUE(contains(d.script, "-- AlterTable\nALTER TABLE \"carriers\" ALTER COLUMN \"name\" SET DATA TYPE VARCHAR(200);\n"));
  EXPECT_TRUE(contains(d.script, "-- CreateIndex\nCREATE INDEX \"carriers_name_idx\" ON \"carriers\"(\"name\");\n"));
  EXPECT_LT(d.script.find("AlterTable"), d.script.find("CreateIndex"));
}

TEST(schema_diff, sqlite_creates_tables_with_inline_keys_and_enum_checks) {
  const schema s = schema::parse(k_base);
  const std::string sql = diff_schemas(nullptr, &s, backend_kind::sqlite).script;
  EXPECT_TRUE(contains(sql, "    \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n"));
  EXPECT_TRUE(contains(sql, "    \"status\" TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (\"status\" IN ('ACTIVE', 'INACTIVE')),\n"));
  EXPECT_TRUE(contains(sql, "    CONSTRAINT \"trucks_carrier_id_fkey\" FOREIGN KEY (\"carrier_id\") REFERENCES \"carriers\" (\"id\") ON DELETE CASCADE ON UPDATE CASCADE\n);"));
  EXPECT_FALSE(contains(sql, "AddForeignKey"));
  EXPECT_FALSE(contains(sql, "CREATE TYPE"));
}

TEST(schema_diff, list_defaults_and_bigint_counter_in_each_dialect) {
  const schema s = schema::parse(k_datasource + R"(
enum Role {
  ADMIN
  USER  @map("user")
}
model Account {
  id    BigInt   @id @default(autoincrement())
  tags  String[] @default(["a", "b's"])
  roles Role[]   @default([ADMIN, USER])
  codes Int[]    @default([1, 2])
}
)");
  const std::string pg = diff_schemas(nullptr, &s, backend_kind::postgresql).script;
  EXPECT_TRUE(contains(pg, "\"id\" BIGSERIAL NOT NULL,")) << pg;
  EXPECT_TRUE(contains(pg, "\"tags\" TEXT[] DEFAULT ARRAY['a', 'b''s']::TEXT[],")) << pg;
  EXPECT_TRUE(contains(pg, "\"roles\" \"Role\"[] DEFAULT ARRAY['ADMIN', 'user']::\"Role\"[],")) << pg;
  EXPECT_TRUE(contains(pg, "\"codes\" INTEGER[] DEFAULT ARRAY[1, 2]::INTEGER[],")) << pg;
  const std::string lite = diff_schemas(nullptr, &s, backend_kind::sqlite).script;
  EXPECT_TRUE(contains(lite, "\"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,")) << lite;
  EXPECT_TRUE(contains(lite, "\"tags\" TEXT DEFAULT '[\"a\",\"b''s\"]',")) << lite;
  EXPECT_TRUE(contains(lite, "\"roles\" TEXT DEFAULT '[\"ADMIN\",\"user\"]',")) << lite;
}

TEST(schema_diff, sqlite_rebuilds_a_table_for_a_new_foreign_key) {
  const std::string a = edited(edited(k_base, "  carrier   Carrier @relation(fields: [carrierId], references: [id], onDelete: Cascade)\n", ""), "  trucks Truck[]\n", "");
  const std::string sql = diff(a, k_base, backend_kind::sqlite).script;
  EXPECT_TRUE(contains(sql, "-- RedefineTables\nPRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\nCREATE TABLE \"new_trucks\" (\n"));
  EXPECT_TRUE(contains(sql, "INSERT INTO \"new_trucks\" (\"carrier_id\", \"id\", \"vin\") SELECT \"carrier_id\", \"id\", \"vin\" FROM \"trucks\";\n"
                            "DROP TABLE \"trucks\";\nALTER TABLE \"new_trucks\" RENAME TO \"trucks\";\n"
                            "CREATE UNIQUE INDEX \"trucks_vin_key\" ON \"trucks\"(\"vin\");\n"
                            "CREATE INDEX \"trucks_carrier_id_idx\" ON \"trucks\"(\"carrier_id\");\n"
                            "PRAGMA foreign_key_check;\nPRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF;\n"));
  // PostgreSQL adds the key in place.
  EXPECT_EQ(diff(a, k_base).script,
            "-- AddForeignKey\nALTER TABLE \"trucks\" ADD CONSTRAINT \"trucks_carrier_id_fkey\" FOREIGN KEY (\"carrier_id\") REFERENCES \"carriers\"(\"id\") ON DELETE CASCADE ON UPDATE CASCADE;\n\n");
}

TEST(schema_diff, sqlite_rebuilds_for_an_enum_value_and_a_dropped_column) {
  EXPECT_TRUE(contains(diff(k_base, edited(k_base, "  INACTIVE\n", "  INACTIVE\n  SUSPENDED\n"), backend_kind::sqlite).script,
                       "CHECK (\"status\" IN ('ACTIVE', 'INACTIVE', 'SUSPENDED'))"));
  const std::string dropped = diff(k_base, edited(k_base, "  notes  String?\n", ""), backend_kind::sqlite).script;
  EXPECT_TRUE(contains(dropped, "INSERT INTO \"new_carriers\" (\"id\", \"name\", \"status\") SELECT \"id\", \"name\", \"status\" FROM \"carriers\";"));
}

TEST(schema_diff, implicit_many_to_many_join_table_has_prisma_names) {
  const std::string m2m = k_datasource + R"(
model Carrier {
  id   Int   @id @default(autoincrement())
  tags Tag[]
}
model Tag {
  id       Int       @id @default(autoincrement())
  carriers Carrier[]
}
)";
  const schema s = schema::parse(m2m);
  const target_model pg = target_model::of(s, backend_kind::postgresql);
  const target_table *join = pg.table("_CarrierToTag");
  ASSERT_NE(join, nullptr);
  EXPECT_EQ(join->primary_key_name, "_CarrierToTag_AB_pkey");
  EXPECT_EQ(join->indexes.at(0).name, "_CarrierToTag_B_index");
  EXPECT_EQ(join->foreign_keys.at(1).name, "_CarrierToTag_B_fkey");
  const std::string sql = diff_schemas(nullptr, &s, backend_kind::postgresql).script;
  EXPECT_TRUE(contains(sql, "CREATE TABLE \"_CarrierToTag\" (\n    \"A\" INTEGER NOT NULL,\n    \"B\" INTEGER NOT NULL,\n\n    CONSTRAINT \"_CarrierToTag_AB_pkey\" PRIMARY KEY (\"A\",\"B\")\n);"));
  const target_model lite = target_model::of(s, backend_kind::sqlite);
  EXPECT_TRUE(lite.table("_CarrierToTag")->primary_key.empty());
  EXPECT_EQ(lite.table("_CarrierToTag")->indexes.at(0).name, "_CarrierToTag_AB_unique");
}

TEST(schema_diff, mapped_key_names_are_the_database_names) {
  const schema s = schema::parse(k_datasource + R"(
model Truck {
  id  Int    @id(map: "truck_pk") @default(autoincrement())
  vin String @unique(map: "truck_vin_uq")
}
)");
  const target_model pg = target_model::of(s, backend_kind::postgresql);
  const target_table *t = pg.table("Truck");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->primary_key_name, "truck_pk");
  EXPECT_EQ(t->indexes.at(0).name, "truck_vin_uq");
  EXPECT_TRUE(contains(diff_schemas(nullptr, &s, backend_kind::postgresql).script, "CREATE UNIQUE INDEX \"truck_vin_uq\" ON \"Truck\"(\"vin\");"));
}

TEST(schema_diff, renamed_index_is_alter_index_rename_on_postgres_and_drop_create_on_sqlite) {
  const std::string b = edited(k_base, "  vin       String  @unique\n", "  vin       String  @unique(map: \"trucks_vin_uq\")\n");
  const schema_diff pg = diff(k_base, b);
  EXPECT_EQ(pg.script, "-- RenameIndex\nALTER INDEX \"trucks_vin_key\" RENAME TO \"trucks_vin_uq\";\n\n");
  EXPECT_TRUE(pg.warnings.empty());  // the same unique index: nothing can fail
  EXPECT_EQ(diff(k_base, b, backend_kind::sqlite).script,
            "-- DropIndex\nDROP INDEX \"trucks_vin_key\";\n\n-- CreateIndex\nCREATE UNIQUE INDEX \"trucks_vin_uq\" ON \"trucks\"(\"vin\");\n\n");
}

TEST(schema_diff, default_names_over_63_bytes_are_cut_as_prisma_cuts_them) {
  // The names below are what Prisma 6.19.3's `migrate diff --from-empty` wrote for this model:
  // the end of the table-and-columns part goes, the suffix stays, 63 bytes in all (PostgreSQL would
  // otherwise cut the suffix). A SQLite-provider schema keeps the whole name (no limit there).
  const std::string model = R"(
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model AVeryLongModelNameForTestingIdentifierTruncation {
  id                                     Int    @id
  anotherExtremelyLongColumnNameForKeys  String @unique
  second                                 Int
  parentReferenceWithAnExtremelyLongName Int
  parent   AVeryLongModelNameForTestingIdentifierTruncation   @relation("p", fields: [parentReferenceWithAnExtremelyLongName], references: [id])
  children AVeryLongModelNameForTestingIdentifierTruncation[] @relation("p")

  @@index([anotherExtremelyLongColumnNameForKeys, second])
}
)";
  const schema s = schema::parse(model);
  const std::string script = diff_schemas(nullptr, &s, backend_kind::postgresql).script;
  EXPECT_TRUE(contains(script, "CONSTRAINT \"AVeryLongModelNameForTestingIdentifierTruncation_pkey\" PRIMARY KEY"));
  EXPECT_TRUE(contains(script, "CREATE UNIQUE INDEX \"AVeryLongModelNameForTestingIdentifierTruncation_anotherExt_key\""));
  EXPECT_TRUE(contains(script, "CREATE INDEX \"AVeryLongModelNameForTestingIdentifierTruncation_anotherExt_idx\""));
  EXPECT_TRUE(contains(script, "ADD CONSTRAINT \"AVeryLongModelNameForTestingIdentifierTruncation_parentRef_fkey\""));
  EXPECT_EQ(s.model("AVeryLongModelNameForTestingIdentifierTruncation")->field("parent")->relation->constraint_name,
            "AVeryLongModelNameForTestingIdentifierTruncation_parentRef_fkey");  // what errors and drift match on

  std::string sqlite_model = model;
  sqlite_model.replace(sqlite_model.find("postgresql"), 10, "sqlite");
  const schema lite = schema::parse(sqlite_model);
  EXPECT_TRUE(contains(diff_schemas(nullptr, &lite, backend_kind::sqlite).script,
                       "\"AVeryLongModelNameForTestingIdentifierTruncation_anotherExtremelyLongColumnNameForKeys_key\""));
}

TEST(schema_diff, a_cut_name_never_splits_a_utf8_character) {
  const std::string prefix = std::string(57, 'a') + "\xC3\xA9" + "bcdef";  // é at bytes 57-58
  EXPECT_EQ(prisma_constraint_name(prefix, "_fkey", "postgresql"), std::string(57, 'a') + "_fkey");
  EXPECT_EQ(prisma_constraint_name(prefix, "_key", "postgresql"), std::string(57, 'a') + "\xC3\xA9" + "_key");
}

TEST(schema_diff, a_renamed_enum_value_is_renamed_not_removed_and_added) {
  const std::string renamed = edited(k_base, "  INACTIVE\n", "  RETIRED\n");
  const schema from = schema::parse(k_base), to = schema::parse(renamed);
  const std::vector<enum_value_rename> renames{{"Status", "INACTIVE", "RETIRED"}};
  const schema_diff pg = diff_schemas(&from, &to, backend_kind::postgresql, renames);
  EXPECT_EQ(pg.script, "-- AlterEnum\nALTER TYPE \"Status\" RENAME VALUE 'INACTIVE' TO 'RETIRED';\n\n");
  EXPECT_TRUE(pg.warnings.empty()) << pg.warnings_comment();
  // SQLite: the CHECK changes through the rebuild, whose copy carries the rows' values across.
  const schema_diff lite = diff_schemas(&from, &to, backend_kind::sqlite, renames);
  EXPECT_TRUE(contains(lite.script, "SELECT \"id\", \"name\", \"notes\", CASE \"status\" WHEN 'INACTIVE' THEN 'RETIRED' ELSE \"status\" END FROM \"carriers\";"))
      << lite.script;
  // Without the rename, Prisma's removal and addition, with a hint at the rename.
  const schema_diff plain = diff_schemas(&from, &to, backend_kind::postgresql);
  EXPECT_TRUE(contains(plain.script, "CREATE TYPE \"Status_new\" AS ENUM ('ACTIVE', 'RETIRED');"));
  EXPECT_TRUE(contains(plain.warnings_comment(), "--rename-enum-value Status.INACTIVE=RETIRED"));
}

TEST(schema_diff, a_rename_naming_no_such_value_is_refused_with_the_way_out) {
  const schema from = schema::parse(k_base), to = schema::parse(edited(k_base, "  INACTIVE\n", "  RETIRED\n"));
  EXPECT_THROW(diff_schemas(&from, &to, backend_kind::postgresql, {{"Status", "ACTIVE", "RETIRED"}}), configuration_error);  // ACTIVE stays
  EXPECT_THROW(diff_schemas(&from, &to, backend_kind::postgresql, {{"Status", "INACTIVE", "GONE"}}), configuration_error);
  EXPECT_THROW(diff_schemas(&from, &to, backend_kind::postgresql, {{"Nope", "INACTIVE", "RETIRED"}}), configuration_error);
}
