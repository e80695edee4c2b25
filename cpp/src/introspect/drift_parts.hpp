// drift_parts: the comparisons find_drift() runs per kind, each in its own file (drift_keys.cpp:
// foreign keys, indexes, key names; drift_values.cpp: defaults and enums). Internal to introspect/.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/introspect/drift.hpp"
#include "carrierdb/schema/target_model.hpp"

namespace carrierdb::drift_parts {

/// "(a, b)".
std::string join(const std::vector<std::string> &items);
/// The columns of `fields` (field names of `m`), in the order given.
std::vector<std::string> columns_of(const model_def &m, const std::vector<std::string> &fields);

/// The foreign keys the schema gives `m`'s table (`expected`, from target_model) against the catalog's, both ways.
void compare_foreign_keys(const model_def &m, const target_table &expected, const std::string &provider, connection &conn,
                          std::vector<drift_item> &out);
/// @@index of `m` against the table's non-unique indexes (columns, order, method), both ways, and the
/// database names of keys and indexes the schema maps.
void compare_indexes(const model_def &m, connection &conn, std::vector<drift_item> &out);
/// The foreign keys and the index on B Prisma creates for an implicit many-to-many join table.
void compare_join_table(const model_def &m, const target_table &expected, connection &conn, std::vector<drift_item> &out);

/// The default of field `f` against its column's.
void compare_default(const schema &s, const drift_item &base, const field_def &f, const column_info &column, std::vector<drift_item> &out);
/// Enums: PostgreSQL's enum types (both ways), or on SQLite each enum column's CHECK value list.
void compare_enums(const schema &s, connection &conn, const std::vector<std::string> &tables, std::vector<drift_item> &out);

}  // namespace carrierdb::drift_parts
