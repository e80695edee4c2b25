// ddl_steps: the operations a diff plans (model_differ.cpp) and each dialect renders as SQL
// (postgres_ddl.cpp, sqlite_ddl.cpp). Internal to migrate/diff/.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/migrate/schema_diff.hpp"
#include "carrierdb/schema/target_model.hpp"

namespace carrierdb::ddl {

/// In the order Prisma emits them, which is also an order that always applies: enums before the
/// columns that use them, foreign keys dropped before their tables or columns, tables created before
/// the indexes and foreign keys that name them.
enum class step_kind {
  create_enum,
  alter_enum,
  drop_foreign_key,
  drop_index,
  alter_table,
  drop_enum,
  create_table,
  redefine_table,  // SQLite: the documented rebuild (new table, copy, drop, rename, indexes)
  drop_table,
  create_index,
  add_foreign_key,
  rename_index,  // PostgreSQL (Prisma writes it after the new indexes); SQLite drops and creates instead
};

struct column_change {
  enum class kind { add, drop, alter } what = kind::add;
  const target_column *from = nullptr, *to = nullptr;
  bool type = false, nullability = false, default_ = false;  // alter: what changed
};

/// Pointers are into the two models the plan was made from, which outlive it.
struct step {
  step_kind kind = step_kind::create_table;
  const target_table *from_table = nullptr, *to_table = nullptr;
  const target_enum *from_enum = nullptr, *to_enum = nullptr;
  const target_index *index = nullptr;
  const target_index *renamed_from = nullptr;  // rename_index: the old index (`index` is the new one)
  const target_foreign_key *foreign_key = nullptr;
  std::vector<column_change> columns;  // alter_table
  bool primary_key_changed = false;     // alter_table
};

struct plan {
  const target_model &from;
  const target_model &to;
  std::vector<step> steps;
  std::vector<std::string> warnings;
  std::vector<enum_value_rename> renames;  // checked against both models
  /// `value` of enum `enum_name` as `to` names it (renamed, or unchanged).
  std::string renamed(const std::string &enum_name, const std::string &value) const;
};

/// The steps from `from` to `to` (both one backend's models), ordered, with Prisma's warnings.
plan plan_steps(const target_model &from, const target_model &to, const std::vector<enum_value_rename> &renames = {});

/// The comment line Prisma puts above a step's SQL ("CreateTable").
const char *step_header(step_kind k);
/// Double-quoted identifier, as both dialects take it.
std::string quote(const std::string &identifier);
/// ("a", "b") with optional DESC, as CREATE INDEX lists columns.
std::string column_list(const std::vector<std::string> &columns, const std::vector<bool> &descending = {});
/// CREATE [UNIQUE] INDEX ... ; (the same text on both dialects, but for the method).
std::string create_index_sql(const target_table &t, const target_index &i);

std::string render_postgres(const plan &p);
std::string render_sqlite(const plan &p);

}  // namespace carrierdb::ddl
