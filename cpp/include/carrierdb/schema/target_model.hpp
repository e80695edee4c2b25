// target_model: the database a schema.prisma describes on one backend (tables, columns, keys,
// indexes, foreign keys, enum types, implicit many-to-many join tables), named as Prisma names them.
// What `migrate diff` creates and what drift expects both come from here. Needs no database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "carrierdb/base/backend_kind.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

struct target_column {
  std::string name;
  column_type type;                         // Prisma's DDL spelling and the catalog's
  bool nullable = true;
  bool autoincrement = false;               // PostgreSQL: SERIAL; SQLite: INTEGER PRIMARY KEY AUTOINCREMENT
  std::optional<std::string> default_sql;   // as DDL writes it: CURRENT_TIMESTAMP, 'ACTIVE', 0, false
  std::string enum_type;                    // the enum's database name, for enum columns
  std::vector<std::string> check_values;    // SQLite: the enum's values, kept in a CHECK (the project's convention)
  bool operator==(const target_column &o) const;
};

struct target_index {
  std::string name;
  std::vector<std::string> columns;
  std::vector<bool> descending;
  bool unique = false;
  std::string method;  // PostgreSQL index method, uppercase as Prisma writes it (HASH, GIN, ...); "" = BTree
  bool same_definition(const target_index &o) const;  // everything but the name
};

struct target_foreign_key {
  std::string name;
  std::vector<std::string> columns;
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  std::string on_delete, on_update;  // "CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT"
  bool operator==(const target_foreign_key &o) const;
};

struct target_table {
  std::string name;
  std::vector<target_column> columns;
  std::string primary_key_name;          // <table>_pkey (PostgreSQL), or @@id(map: ...)
  std::vector<std::string> primary_key;  // columns
  std::vector<target_index> indexes;     // unique and plain, in Prisma's order: @unique fields, @@index, @@unique
  std::vector<target_foreign_key> foreign_keys;
  const target_column *column(const std::string &name) const;
  const target_index *index(const std::string &name) const;
  const target_foreign_key *foreign_key(const std::string &name) const;
};

struct target_enum {
  std::string name;  // database name (@@map)
  std::vector<std::string> values;  // database values (@map)
};

/// The database `s` describes on `backend`. SQLite has no enum types: `enums` stays empty and each
/// enum column carries its values (`check_values`).
struct target_model {
  backend_kind backend = backend_kind::postgresql;
  std::vector<target_enum> enums;
  std::vector<target_table> tables;  // models in declaration order, then join tables

  static target_model of(const schema &s, backend_kind backend);
  const target_table *table(const std::string &name) const;
  const target_enum *enumeration(const std::string &name) const;
};

/// The table of one model (no join tables), as target_model::of() builds it.
target_table target_table_of(const schema &s, const model_def &m, backend_kind backend);

/// A referential action as SQL spells it ("SET NULL").
const char *sql_referential_action(referential_action a);

}  // namespace carrierdb
