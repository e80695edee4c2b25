// Drift between schema.prisma and a live database, reported in both directions.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// One difference: `schema_says` vs `database_has` (either may be "absent").
struct drift_item {
  std::string kind;          // missing_table, extra_table, missing_column, extra_column, type, nullability, unique, primary_key
  std::string model;         // model name ("" for a table the schema does not know)
  std::string table;
  std::string field;         // field name, or "" for table-level items
  std::string column;
  std::string schema_says;
  std::string database_has;
  std::string message() const;
};

/// Compares every model of `s` with the tables, columns, types, nullability and keys of the
/// database behind `conn`. Tables listed in `ignore_tables` (the migration history) are skipped.
std::vector<drift_item> find_drift(const schema &s, connection &conn, const std::vector<std::string> &ignore_tables);

}  // namespace carrierdb
