// find_dropped_objects(): which tables and columns a down script drops, read from its statements.
#include <gtest/gtest.h>

#include "carrierdb/migrate/data_loss.hpp"

using carrierdb::find_dropped_objects;

namespace {
// "schema.table" or "schema.table.column" (schema omitted when empty), one per drop, in order.
std::vector<std::string> drops(const std::string &sql) {
  std::vector<std::string> out;
  for (const auto &o : find_dropped_objects(sql))
    out.push_back((o.schema.empty() ? "" : o.schema + ".") + o.table + (o.column.empty() ? "" : "." + o.column));
  return out;
}
}  // namespace

TEST(find_dropped_objects, drop_table_with_several_quoted_and_qualified_names) {
  EXPECT_EQ(drops("DROP TABLE \"carriers\";"), (std::vector<std::string>{"carriers"}));
  EXPECT_EQ(drops("drop table if exists a, \"B\" , public.\"Mixed Case\" CASCADE;"),
            (std::vector<std::string>{"a", "B", "public.Mixed Case"}));
  // Unquoted names fold to lower case, as the server folds them; "" inside quotes is one quote.
  EXPECT_EQ(drops("DROP TABLE Carriers; DROP TABLE \"we\"\"ird\";"), (std::vector<std::string>{"carriers", "we\"ird"}));
  EXPECT_EQ(drops("DROP TABLE `back`; DROP TABLE [bracket];"), (std::vector<std::string>{"back", "bracket"}));
}

TEST(find_dropped_objects, alter_table_drop_column_in_every_spelling) {
  EXPECT_EQ(drops("ALTER TABLE \"carriers\" DROP COLUMN \"status\";"), (std::vector<std::string>{"carriers.status"}));
  EXPECT_EQ(drops("ALTER TABLE IF EXISTS ONLY s.t DROP COLUMN IF EXISTS a CASCADE, DROP b, ADD COLUMN c int, DROP CONSTRAINT k;"),
            (std::vector<std::string>{"s.t.a", "s.t.b"}));
  // Dropping a default or NOT NULL, an index or a type destroys no rows.
  EXPECT_TRUE(drops("ALTER TABLE t ALTER COLUMN c DROP DEFAULT, ALTER COLUMN d DROP NOT NULL;\n"
                    "DROP INDEX \"carriers_mc_number_key\"; DROP TYPE \"CarrierStatus\";")
                  .empty());
}

TEST(find_dropped_objects, words_in_literals_and_comments_are_not_statements) {
  EXPECT_TRUE(drops("-- DROP TABLE a;\n/* DROP TABLE b; */ INSERT INTO log VALUES ('DROP TABLE c');\n"
                    "CREATE FUNCTION f() RETURNS void AS $$ DROP TABLE d; $$ LANGUAGE sql;")
                  .empty());
}

TEST(find_dropped_objects, a_table_whose_rows_are_copied_out_first_is_not_lost) {
  // Prisma's SQLite redefinition: the rows move to the new table before the old one is dropped.
  const std::string redefine =
      "PRAGMA foreign_keys=OFF;\n"
      "CREATE TABLE \"new_carriers\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"name\" TEXT NOT NULL);\n"
      "INSERT INTO \"new_carriers\" (\"id\", \"name\") SELECT \"id\", \"name\" FROM \"carriers\";\n"
      "DROP TABLE \"carriers\";\n"
      "ALTER TABLE \"new_carriers\" RENAME TO \"carriers\";\n";
  EXPECT_TRUE(drops(redefine).empty());
  // A table dropped before anything copies it, or another table, is still lost.
  EXPECT_EQ(drops("DROP TABLE a; INSERT INTO b SELECT * FROM a; DROP TABLE c;"), (std::vector<std::string>{"a", "c"}));
  // A FROM inside a subquery of the select list is not the source.
  EXPECT_EQ(drops("INSERT INTO n SELECT (SELECT max(x) FROM a) FROM b; DROP TABLE a;"), (std::vector<std::string>{"a"}));
}
