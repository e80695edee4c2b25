// schema::parse and check_record from C++: the core needs no database for either.
#include <gtest/gtest.h>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/validation.hpp"

using namespace carrierdb;

namespace {
const char *k_schema = R"(
enum CarrierStatus {
  ACTIVE
  INACTIVE
}
model Carrier {
  id        Int           @id @default(autoincrement())
  /// @zod.string.trim().min(1).max(5)
  name      String        @db.VarChar(255)
  /// @carrierdb.normalize(mc_number)
  /// @zod.string.regex(/^MC[0-9]{1,8}$/)
  mcNumber  String?       @unique @map("mc_number")
  status    CarrierStatus @default(ACTIVE)
  updatedAt DateTime      @updatedAt @map("updated_at")
  @@map("carriers")
}
)";
}  // namespace

TEST(schema, reads_models_fields_and_rules) {
  const schema s = schema::parse(k_schema);
  const model_def *m = s.model_by_accessor("carrier");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->table, "carriers");
  EXPECT_EQ(m->field("mcNumber")->column, "mc_number");
  EXPECT_EQ(m->field("name")->max_length(), 255);
  EXPECT_EQ(m->field("name")->rules.size(), 3u);
  EXPECT_EQ(expected_column_type(*m->field("updatedAt"), s, backend_kind::postgresql), "timestamp(3) without time zone");
  EXPECT_EQ(expected_column_type(*m->field("status"), s, backend_kind::sqlite), "text");
}

TEST(schema, errors_carry_line_and_column) {
  try {
    schema::parse("model A {\n  id Int @id\n  b Nope\n}\n", "x.prisma");
    FAIL();
  } catch (const schema_error &e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 3);
  }
}

TEST(validation, normalises_and_reports_every_issue) {
  const schema s = schema::parse(k_schema);
  const model_def &m = *s.model("Carrier");
  std::vector<validation_issue> issues;
  const record ok = check_record(s, m, {{"name", std::string("  ab ")}, {"mcNumber", std::string("mc-42")}}, validation_mode::create, issues);
  EXPECT_TRUE(issues.empty());
  EXPECT_EQ(std::get<std::string>(ok[0].second), "ab");
  EXPECT_EQ(std::get<std::string>(ok[1].second), "MC42");
  check_record(s, m, {{"name", std::string("toolong")}, {"status", std::string("GONE")}, {"x", std::int64_t{1}}}, validation_mode::create,
               issues);
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].code, "too_big");
  EXPECT_EQ(issues[1].code, "invalid_enum_value");
  EXPECT_EQ(issues[2].code, "unrecognized_keys");
}

TEST(validation, parses_iso_timestamps_to_utc_milliseconds) {
  std::int64_t ms = 0;
  ASSERT_TRUE(parse_iso_timestamp("1970-01-01T00:00:01.5Z", ms));
  EXPECT_EQ(ms, 1500);
  ASSERT_TRUE(parse_iso_timestamp("2024-02-29 02:00:00+02:00", ms));
  EXPECT_EQ(format_timestamp_ms(ms), "2024-02-29 00:00:00.000");
  EXPECT_FALSE(parse_iso_timestamp("2023-02-29", ms));
  EXPECT_FALSE(parse_iso_timestamp("2024-13-01", ms));
}

#include "carrierdb/export/exporter.hpp"
#include <set>

TEST(pseudonym, digit_permutation_is_a_bijection_that_keeps_length) {
  std::set<std::string> seen;
  for (int k = 0; k < 1000; ++k) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%03d", k);
    const std::string out = pseudonym(std::string("MC") + digits, "mcNumber", "salt");
    ASSERT_EQ(out.size(), 5u) << out;
    seen.insert(out);
  }
  EXPECT_EQ(seen.size(), 1000u);  // every input maps to a different output
  EXPECT_EQ(pseudonym("MC42", "mcNumber", "salt"), pseudonym("MC42", "mcNumber", "salt"));
  EXPECT_NE(pseudonym("MC42", "mcNumber", "salt"), pseudonym("MC42", "mcNumber", "pepper"));
  EXPECT_EQ(pseudonym("ops@acme.com", "email", "s").find("@example.com"), 15u);  // "user-" and 10 hex digits
}
