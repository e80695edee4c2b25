// sqlite_table_sql: what only a table's CREATE TABLE text says (SQLite's pragmas leave it out):
// foreign key constraint names, AUTOINCREMENT, and enum-style CHECK ("col" IN ('a', ...)) value lists.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace carrierdb::internal {

struct table_sql_facts {
  std::vector<std::pair<std::vector<std::string>, std::string>> foreign_key_names;  // columns -> CONSTRAINT name
  std::vector<std::pair<std::string, std::vector<std::string>>> value_lists;        // column -> CHECK IN values
  bool autoincrement = false;  // INTEGER PRIMARY KEY AUTOINCREMENT (ids never reused, as Prisma's autoincrement())
};

/// Reads `create_sql` token by token (quotes, comments and strings respected). Constraints of any
/// other shape are skipped, never guessed at.
table_sql_facts read_table_sql(const std::string &create_sql);

}  // namespace carrierdb::internal
