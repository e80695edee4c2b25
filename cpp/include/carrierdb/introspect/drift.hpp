// Drift between schema.prisma and a live database, reported in both directions.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// One difference: `schema_says` vs `database_has` (either may be "absent").
struct drift_item {
  /// missing_table, extra_table, missing_column, extra_column, type, nullability, default, unique,
  /// primary_key, foreign_key, referential_action, index, name (a mapped constraint or index name), enum
  std::string kind;
  std::string model;         // model name ("" for a table the schema does not know); the enum's name for an enum type
  std::string table;
  std::string field;         // field name, or "" for table-level items
  std::string column;
  std::string schema_says;
  std::string database_has;
  std::string message() const;
};

/// Compares every model of `s` with the tables, columns, types, nullability, defaults, keys, foreign
/// keys, indexes and enums of the database behind `conn`. Tables listed in `ignore_tables` (the migration history) are skipped.
std::vector<drift_item> find_drift(const schema &s, connection &conn, const std::vector<std::string> &ignore_tables);

}  // namespace carrierdb
