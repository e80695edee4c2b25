// The PostgreSQL catalog queries behind both the per-table reads (table_columns, primary_key,
// indexes, foreign_keys) and read_tables(), which asks them once for the whole schema: one
// statement each for a 100-table schema instead of five per table. `tables` is the condition
// on pg_class c choosing the tables; every query's first column is the table's name.
#pragma once

#include <string>

namespace carrierdb::internal::postgres_catalog_sql {

inline const char *const one_table = "c.relname = $1";
inline const char *const every_table = "c.relkind IN ('r', 'p')";

// Columns in order: name, format_type, nullable, default expression, identity.
std::string columns(const std::string &tables);
// The primary key's columns in key order: constraint name, column.
std::string primary_keys(const std::string &tables);
// Foreign keys, by name, columns in key order: in connection::foreign_keys_from_rows's layout.
std::string foreign_keys(const std::string &tables);
// Indexes other than the primary key's, by name, key columns in order: name, column ("" for an
// expression), descending, unique, access method.
std::string indexes(const std::string &tables);

}  // namespace carrierdb::internal::postgres_catalog_sql
