// read_table_sql(): foreign key names and enum CHECK value lists read from SQLite's CREATE TABLE text.
#include <gtest/gtest.h>

#include "backend/sqlite_table_sql.hpp"

using carrierdb::internal::read_table_sql;
using strings = std::vector<std::string>;

TEST(read_table_sql, reads_the_forms_the_projects_migrations_write) {
  const auto facts = read_table_sql(R"SQL(CREATE TABLE "carriers" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL DEFAULT 'ACTIVE' CHECK ("status" IN ('ACTIVE', 'INACTIVE')),
    "parent_id" INTEGER,
    CONSTRAINT "carriers_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "carriers" ("id") ON DELETE SET NULL ON UPDATE CASCADE
, "kind" TEXT NOT NULL DEFAULT 'A'
    CHECK ("kind" IN ('A', 'B')))SQL");
  EXPECT_TRUE(facts.autoincrement);
  ASSERT_EQ(facts.value_lists.size(), 2u);
  EXPECT_EQ(facts.value_lists[0].first, "status");
  EXPECT_EQ(facts.value_lists[0].second, (strings{"ACTIVE", "INACTIVE"}));
  EXPECT_EQ(facts.value_lists[1].first, "kind");
  ASSERT_EQ(facts.foreign_key_names.size(), 1u);
  EXPECT_EQ(facts.foreign_key_names[0].first, (strings{"parent_id"}));
  EXPECT_EQ(facts.foreign_key_names[0].second, "carriers_parent_id_fkey");
}

TEST(read_table_sql, respects_quotes_and_comments) {
  const auto facts = read_table_sql(
      "CREATE TABLE t (\n"
      "  -- CHECK (a IN ('not', 'this'))\n"
      "  /* CONSTRAINT \"nope\" FOREIGN KEY (x) AUTOINCREMENT */\n"
      "  \"odd \"\"name\" TEXT check (\"odd \"\"name\" in ('it''s', 'a, b', ')')),\n"
      "  [b] TEXT CHECK ([b] IN ('x')), `c` TEXT CHECK (`c` IN ('y')),\n"
      "  constraint fk_one foreign key (\"odd \"\"name\", [b]) references u (p, q))");
  ASSERT_EQ(facts.value_lists.size(), 3u);
  EXPECT_EQ(facts.value_lists[0].first, "odd \"name");
  EXPECT_EQ(facts.value_lists[0].second, (strings{"it's", "a, b", ")"}));
  EXPECT_EQ(facts.value_lists[1].first, "b");
  EXPECT_EQ(facts.value_lists[2].first, "c");
  ASSERT_EQ(facts.foreign_key_names.size(), 1u);
  EXPECT_EQ(facts.foreign_key_names[0].first, (strings{"odd \"name", "b"}));
  EXPECT_EQ(facts.foreign_key_names[0].second, "fk_one");
  EXPECT_FALSE(facts.autoincrement);  // only in a comment
}

TEST(read_table_sql, skips_checks_of_other_shapes) {
  const auto facts = read_table_sql(
      "CREATE TABLE t (a INTEGER CHECK (a > 0), b TEXT CHECK (b IN ('x') OR b IS NULL), c TEXT CHECK (c IN (1, 2)),"
      " d TEXT CHECK (length(d) IN (1, 2)), e TEXT CHECK (e IN ('unterminated'");
  EXPECT_TRUE(facts.value_lists.empty());
  EXPECT_TRUE(facts.foreign_key_names.empty());
  EXPECT_FALSE(facts.autoincrement);
}
