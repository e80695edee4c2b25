// known_schema: the tables, columns and validated NOT NULL checks that the statements read so far
// create: the "previous schema" the lock rules compare a migration with.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "statement_facts.hpp"

namespace carrierdb::lint_internal {

class known_schema {
public:
  /// Records what the statement creates, changes or drops.
  void apply(const statement_facts &f);
  bool has_table(const std::string &table) const { return m_tables.count(table) > 0; }
  bool has_column(const std::string &table, const std::string &column) const;
  /// The column's type as type_spelling() wrote it; nullptr when the migrations never said.
  const std::string *column_type(const std::string &table, const std::string &column) const;
  /// A validated CHECK (column IS NOT NULL) exists: SET NOT NULL then needs no full scan.
  bool has_validated_not_null(const std::string &table, const std::string &column) const;

private:
  std::map<std::string, std::map<std::string, std::string>> m_tables;  // table -> column -> type
  std::set<std::pair<std::string, std::string>> m_validated_not_null;  // (table, column)
  std::map<std::string, std::pair<std::string, std::string>> m_unvalidated_not_null;  // constraint -> (table, column)
};

}  // namespace carrierdb::lint_internal
