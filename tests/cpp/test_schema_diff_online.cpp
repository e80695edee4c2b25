// migrate diff's online option (PostgreSQL): which statements leave the transactional script for the
// concurrent one, and the NOT VALID + VALIDATE form of a new foreign key on an existing table.
#include <gtest/gtest.h>

#include "carrierdb/migrate/schema_diff.hpp"
#include "carrierdb/schema/schema.hpp"

using namespace carrierdb;

namespace {

const std::string k_datasource = R"(datasource db { provider = "postgresql"
  url = env("DATABASE_URL") }
)";

const std::string k_base = k_datasource + R"(
model Carrier {
  id    Int    @id @default(autoincrement())
  name  String
  @@map("carriers")
}
model Driver {
  id   Int    @id @default(autoincrement())
  code String
  @@map("drivers")
}
)";

// A unique code on an existing table, a relation that needs it, an index on an existing table,
// and a new table with its own index.
const std::string k_edited = k_datasource + R"(
model Carrier {
  id         Int     @id @default(autoincrement())
  name       String
  driverCode String? @map("driver_code")
  driver     Driver? @relation(fields: [driverCode], references: [code])
  @@index([name])
  @@map("carriers")
}
model Driver {
  id       Int       @id @default(autoincrement())
  code     String    @unique
  carriers Carrier[]
  @@map("drivers")
}
model Depot {
  id   Int    @id @default(autoincrement())
  city String
  @@index([city])
  @@map("depots")
}
)";

schema_diff online_diff(const std::string &a, const std::string &b) {
  const schema from = schema::parse(a), to = schema::parse(b);
  diff_options options;
  options.online = true;
  return diff_schemas(&from, &to, backend_kind::postgresql, {}, options);
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(schema_diff_online, indexes_on_existing_tables_move_to_the_concurrent_script) {
  const schema_diff d = online_diff(k_base, k_edited);
  EXPECT_EQ(d.concurrent_script.rfind("-- carrierdb:no-transaction\n", 0), 0u);
  EXPECT_TRUE(contains(d.concurrent_script, "CREATE INDEX CONCURRENTLY \"carriers_name_idx\" ON \"carriers\"(\"name\");"));
  EXPECT_TRUE(contains(d.concurrent_script, "CREATE UNIQUE INDEX CONCURRENTLY \"drivers_code_key\" ON \"drivers\"(\"code\");"));
  EXPECT_FALSE(contains(d.script, "carriers_name_idx"));
  // A new table's index stays with the table: no one else can be writing to it.
  EXPECT_TRUE(contains(d.script, "CREATE INDEX \"depots_city_idx\" ON \"depots\"(\"city\");"));
  EXPECT_FALSE(contains(d.concurrent_script, "depots"));
}

TEST(schema_diff_online, a_key_needing_a_moved_unique_index_follows_it_not_valid_then_validated) {
  const schema_diff d = online_diff(k_base, k_edited);
  const std::string add = "ALTER TABLE \"carriers\" ADD CONSTRAINT \"carriers_driver_code_fkey\" FOREIGN KEY (\"driver_code\") "
                          "REFERENCES \"drivers\"(\"code\") ON DELETE SET NULL ON UPDATE CASCADE NOT VALID;";
  EXPECT_FALSE(contains(d.script, "carriers_driver_code_fkey"));
  const auto index = d.concurrent_script.find("drivers_code_key");
  const auto key = d.concurrent_script.find(add);
  const auto validate = d.concurrent_script.find("ALTER TABLE \"carriers\" VALIDATE CONSTRAINT \"carriers_driver_code_fkey\";");
  ASSERT_NE(key, std::string::npos);
  EXPECT_LT(index, key);
  EXPECT_LT(key, validate);
}

TEST(schema_diff_online, default_and_sqlite_are_unchanged) {
  const schema from = schema::parse(k_base), to = schema::parse(k_edited);
  const schema_diff plain = diff_schemas(&from, &to, backend_kind::postgresql);
  EXPECT_TRUE(plain.concurrent_script.empty());
  EXPECT_FALSE(contains(plain.script, "CONCURRENTLY"));
  EXPECT_FALSE(contains(plain.script, "NOT VALID"));
  diff_options options;
  options.online = true;
  const schema_diff sqlite = diff_schemas(&from, &to, backend_kind::sqlite, {}, options);
  EXPECT_TRUE(sqlite.concurrent_script.empty());
  EXPECT_EQ(sqlite.script, diff_schemas(&from, &to, backend_kind::sqlite).script);
}
