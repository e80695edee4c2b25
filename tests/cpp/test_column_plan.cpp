// The column plan of a seed load: which columns are written, keyed, compared and overwritten.
// Needs no database.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "seed/column_plan.hpp"

using namespace carrierdb;
using namespace carrierdb::seeding;

namespace {
const char *k_schema = R"(
model Carrier {
  id        Int      @id @default(autoincrement())
  mcNumber  String   @unique @map("mc_number")
  name      String
  rating    Int      @default(3)
  createdAt DateTime @default(now()) @map("created_at")
  updatedAt DateTime @updatedAt @map("updated_at")
  @@unique([name, rating])
}
)";

// The fields at `positions` of the plan's columns, by name.
std::vector<std::string> names(const column_plan &plan, const std::vector<std::size_t> &positions) {
  std::vector<std::string> out;
  for (std::size_t p : positions) out.push_back(plan.fields[p]->name);
  return out;
}
}  // namespace

TEST(column_plan, a_load_writes_every_column_but_the_ids_the_database_numbers) {
  const schema s = schema::parse(k_schema);
  const model_def &m = *s.model_by_accessor("carrier");
  const column_plan plan = plan_columns(m, {}, "carriers.csv");
  EXPECT_EQ(plan.key, std::vector<std::string>{"mcNumber"});  // the first @unique field
  EXPECT_EQ(plan.key_columns, std::vector<std::string>{"mc_number"});
  EXPECT_EQ(plan.columns, (std::vector<std::string>{"mc_number", "name", "rating", "created_at", "updated_at"}));
  // Keyed by the id, the id is written.
  EXPECT_EQ(plan_columns(m, {"id"}, "carriers.csv").columns.front(), "id");
}

TEST(column_plan, the_runs_clock_never_decides_a_change_and_a_merge_keeps_the_creation_time) {
  const schema s = schema::parse(k_schema);
  const column_plan plan = plan_columns(*s.model_by_accessor("carrier"), {"name", "rating"}, "carriers.csv");
  EXPECT_EQ(names(plan, plan.key_positions), (std::vector<std::string>{"name", "rating"}));
  EXPECT_EQ(names(plan, plan.compared_positions), std::vector<std::string>{"mcNumber"});
  EXPECT_EQ(names(plan, plan.overwritten_positions), (std::vector<std::string>{"mcNumber", "updatedAt"}));
}

TEST(column_plan, a_key_that_is_no_field_or_identifies_no_record_is_refused) {
  const schema s = schema::parse(k_schema);
  const model_def &m = *s.model_by_accessor("carrier");
  EXPECT_THROW(plan_columns(m, {"dotNumber"}, "carriers.csv"), configuration_error);
  try {
    plan_columns(m, {"name"}, "carriers.csv");
    FAIL() << "a key that identifies no record was accepted";
  } catch (const configuration_error &e) {
    EXPECT_NE(std::string(e.what()).find("carriers.csv is not unique in the schema for Carrier"), std::string::npos) << e.what();
  }
}
