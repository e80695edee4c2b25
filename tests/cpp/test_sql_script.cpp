// split_postgres_script(): statement boundaries the way psql finds them.
#include <gtest/gtest.h>

#include "backend/sql_script.hpp"

using carrierdb::internal::split_postgres_script;

namespace {
std::vector<std::string> pieces(const std::string &sql) {
  std::vector<std::string> out;
  for (const auto &span : split_postgres_script(sql)) out.push_back(sql.substr(span.offset, span.length));
  return out;
}
}  // namespace

TEST(split_postgres_script, splits_on_top_level_semicolons) {
  EXPECT_EQ(pieces("SELECT 1; SELECT 2;\nSELECT 3"), (std::vector<std::string>{"SELECT 1", "SELECT 2", "SELECT 3"}));
}

TEST(split_postgres_script, ignores_semicolons_in_quotes_and_comments) {
  const std::string sql =
      "-- head; comment\nINSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y');\n/* c; /* nested; */ */ SELECT \"we;ird\";";
  const auto got = pieces(sql);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "INSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y')");
  EXPECT_EQ(got[1], "SELECT \"we;ird\"");
}

TEST(split_postgres_script, dollar_quoted_function_bodies_stay_whole) {
  const std::string sql =
      "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\n"
      "DO $$ BEGIN PERFORM 1; END $$;\nSELECT $1";
  const auto got = pieces(sql);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[0].find("END; $body$ LANGUAGE plpgsql"), std::string::npos);
  EXPECT_EQ(got[2], "SELECT $1");
}

TEST(split_postgres_script, begin_atomic_bodies_stay_whole) {
  const auto got = pieces(
      "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\nSELECT 9;");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "SELECT 9");
}

TEST(split_postgres_script, reports_the_line_of_each_statement) {
  const auto spans = split_postgres_script("\n\n-- c\nCREATE TABLE a (x int);\n\n  ALTER TABLE a\n ADD y int;");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].line, 4);
  EXPECT_EQ(spans[1].line, 6);
}

TEST(split_postgres_script, comment_only_script_has_no_statements) {
  EXPECT_TRUE(split_postgres_script("-- nothing\n/* here */\n ;; ").empty());
}

TEST(split_postgres_script, unterminated_quote_runs_to_the_end) {
  const auto got = pieces("SELECT 1; SELECT 'oops; SELECT 2");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "SELECT 'oops; SELECT 2");
}

TEST(split_postgres_script, semicolons_inside_parentheses_do_not_split) {
  const auto got = pieces("CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "SELECT 1");
}

TEST(split_postgres_script, sqlite_trigger_bodies_stay_whole) {
  const auto got = pieces(
      "CREATE TRIGGER touch AFTER UPDATE ON t BEGIN UPDATE t SET n = n + 1; INSERT INTO log VALUES (1); END;\nSELECT 2;");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "SELECT 2");
}

TEST(is_transaction_control, recognises_statements_that_end_our_transaction) {
  using carrierdb::internal::is_transaction_control;
  for (const char *yes : {"BEGIN", "begin transaction", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "abort"})
    EXPECT_TRUE(is_transaction_control(yes)) << yes;
  for (const char *no : {"BEGIN ATOMIC SELECT 1; END", "ROLLBACK TO SAVEPOINT a", "SELECT 1", "CREATE TABLE commit_log (id int)"})
    EXPECT_FALSE(is_transaction_control(no)) << no;
}
