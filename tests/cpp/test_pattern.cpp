// The regular expressions users write in schema rules run on PCRE2 with bounds: every hostile
// pattern is a compile error and every hostile subject a clean failure, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "carrierdb/backend/url.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/validation.hpp"
#include "pattern.hpp"

using namespace carrierdb;

TEST(pattern, javascript_semantics_for_validation) {
  const auto mc = pattern::compile("^MC[0-9]{1,8}$");
  EXPECT_TRUE(mc->search("MC123"));
  EXPECT_FALSE(mc->search("MC123\n"));  // `$` is the end of input, as in JavaScript
  EXPECT_FALSE(mc->search("mc123"));
  EXPECT_TRUE(pattern::compile("^mc\\d+$", "i")->search("MC9"));
  EXPECT_TRUE(pattern::compile("^\\u00e9$")->search("\xc3\xa9"));  // \uXXXX escapes; UTF-8 code points
  EXPECT_TRUE(pattern::compile("^.$")->search("\xc3\xa9"));
  EXPECT_FALSE(pattern::compile("^.$")->search("\xc3"));  // not UTF-8: no match, no crash
  EXPECT_TRUE(pattern::compile("^.$", "", pattern::unit::bytes)->search("\xc3"));
  EXPECT_THROW(pattern::compile("a", "x"), pattern_syntax_error);
}

TEST(pattern, hostile_patterns_are_compile_errors) {
  // libstdc++'s std::regex overflowed a signed integer on this bound (found by the fuzzer).
  for (const char *bad : {"[0-9]{1,799999999999999999999999999999}", "a{70000}", "(", "[z-a]", "a**"}) {
    try {
      pattern::compile(bad);
      ADD_FAILURE() << bad << " compiled";
    } catch (const pattern_syntax_error &e) {
      EXPECT_FALSE(std::string(e.what()).empty()) << bad;
    }
  }
  EXPECT_THROW(pattern::compile(std::string(9000, 'a')), pattern_syntax_error);
}

TEST(pattern, hostile_subjects_fail_cleanly) {
  // One frame per character overflowed std::regex's stack; PCRE2 walks a megabyte without recursing.
  const std::string long_value(1 << 20, 'a');
  EXPECT_TRUE(pattern::compile("^[a-z]*$")->search(long_value));
  EXPECT_FALSE(pattern::compile("^[a-z]*$")->search(long_value + "!"));
  // A capturing repeat needs memory per iteration: on a megabyte it may give up, but cleanly.
  try {
    EXPECT_TRUE(pattern::compile("^(a|b)*$")->search(long_value));
  } catch (const pattern_limit_error &) {
  }
  // Catastrophic backtracking hits the match limit instead of hanging.
  const auto nested = pattern::compile("^(a+)+$");
  EXPECT_THROW(nested->search(std::string(40, 'a') + "!"), pattern_limit_error);
}

TEST(pattern, groups_and_replacement) {
  std::vector<std::optional<std::string_view>> groups;
  ASSERT_TRUE(pattern::compile("(a)(x)?(b)")->search("zab", groups));
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(*groups[0], "ab");
  EXPECT_FALSE(groups[2].has_value());
  EXPECT_EQ(*groups[3], "b");
  EXPECT_EQ(pattern::compile("(o)")->replace_all("foo boo", "[$1]"), "f[o][o] b[o][o]");
  // Masking never depends on the text being UTF-8.
  EXPECT_EQ(mask_secrets("\xff postgresql://u:secret@h/db"), "\xff postgresql://u:****@h/db");
}

TEST(schema, bad_regex_rule_is_a_schema_error_with_its_location) {
  const std::string text =
      "model Carrier {\n  id Int @id\n  /// @zod.string.regex(/^MC[0-9]{1,799999999999999999999}$/)\n  mc String\n}\n";
  try {
    schema::parse(text, "schema.prisma");
    FAIL() << "the schema parsed";
  } catch (const schema_error &e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_NE(std::string(e.what()).find("invalid regular expression"), std::string::npos) << e.what();
  }
}

TEST(validation, catastrophic_regex_is_an_issue_not_a_hang) {
  const schema s = schema::parse("model Carrier {\n  id Int @id @default(autoincrement())\n  /// @zod.string.regex(/^(a+)+$/)\n  name String\n}\n");
  std::vector<validation_issue> issues;
  check_record(s, *s.model("Carrier"), {{"name", std::string(40, 'a') + "!"}}, validation_mode::create, issues);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].code, "invalid_string");
  EXPECT_NE(issues[0].message.find("simplify the pattern"), std::string::npos) << issues[0].message;
}
