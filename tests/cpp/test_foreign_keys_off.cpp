// turns_foreign_keys_off(): which migration scripts get SQLite's foreign keys off before their
// transaction (the table rebuild), and which do not.
#include <gtest/gtest.h>

#include "migrate/foreign_keys_off.hpp"

using carrierdb::internal::turns_foreign_keys_off;

TEST(turns_foreign_keys_off, finds_the_pragma_as_a_statement_in_any_spelling) {
  EXPECT_TRUE(turns_foreign_keys_off("PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\nCREATE TABLE \"new_t\" (id INTEGER);"));
  EXPECT_TRUE(turns_foreign_keys_off("pragma  Foreign_Keys = 0;"));
  EXPECT_TRUE(turns_foreign_keys_off("PRAGMA main.foreign_keys = false"));
}

TEST(turns_foreign_keys_off, ignores_the_pragma_in_comments_and_strings) {
  EXPECT_FALSE(turns_foreign_keys_off("-- PRAGMA foreign_keys=OFF;\nCREATE TABLE t (id INTEGER);"));
  EXPECT_FALSE(turns_foreign_keys_off("/* PRAGMA foreign_keys=OFF; */ CREATE TABLE t (id INTEGER);"));
  EXPECT_FALSE(turns_foreign_keys_off("INSERT INTO notes (body) VALUES ('PRAGMA foreign_keys=OFF');"));
  EXPECT_FALSE(turns_foreign_keys_off("PRAGMA foreign_keys=ON;"));
}
