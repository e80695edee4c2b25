// model_differ: what changes from one target model to another (enums, tables, columns, keys,
// indexes, foreign keys), as ordered steps with Prisma's data-loss warnings; and diff_schemas(),
// which plans and renders in the dialect asked for.
#include <algorithm>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migration_files.hpp"
#include "carrierdb/migrate/schema_diff.hpp"
#include "ddl_steps.hpp"

namespace carrierdb {
namespace ddl {

namespace {

std::string bracketed(const std::vector<std::string> &items) {
  std::string out;
  for (const auto &i : items) out += (out.empty() ? "" : ",") + i;
  return "[" + out + "]";
}

// A step on the objects it names; the others stay null.
step make(step_kind kind, const target_table *from, const target_table *to, const target_index *index = nullptr,
          const target_foreign_key *key = nullptr, const target_enum *from_enum = nullptr, const target_enum *to_enum = nullptr) {
  step s;
  s.kind = kind;
  s.from_table = from;
  s.to_table = to;
  s.index = index;
  s.foreign_key = key;
  s.from_enum = from_enum;
  s.to_enum = to_enum;
  return s;
}

// SQLite's ALTER TABLE can add a column, but only a nullable one or one with a constant default,
// and not a key: anything else is a rebuild.
bool sqlite_can_add(const target_column &c) {
  if (c.autoincrement) return false;
  if (!c.nullable && !c.default_sql) return false;
  return !c.default_sql || *c.default_sql != "CURRENT_TIMESTAMP";
}

void diff_table(plan &p, const target_table &a, const target_table &b) {
  const bool sqlite = p.to.backend == backend_kind::sqlite;
  step alter = make(step_kind::alter_table, &a, &b);
  bool rebuild = false;
  for (const auto &c : a.columns)
    if (!b.column(c.name)) {
      alter.columns.push_back(column_change{column_change::kind::drop, &c, nullptr, false, false, false});
      p.warnings.push_back("You are about to drop the column `" + c.name + "` on the `" + a.name + "` table. All the data in the column will be lost.");
      rebuild = true;
    }
  for (const auto &c : b.columns) {
    const target_column *old = a.column(c.name);
    if (!old) {
      alter.columns.push_back(column_change{column_change::kind::add, nullptr, &c, false, false, false});
      if (!c.nullable && !c.default_sql && !c.autoincrement)
        p.warnings.push_back("Added the required column `" + c.name + "` to the `" + b.name + "` table without a default value. This is not possible if the table is not empty.");
      rebuild = rebuild || !sqlite_can_add(c);
      continue;
    }
    if (*old == c) continue;
    column_change change{column_change::kind::alter, old, &c, false, false, false};
    change.type = old->type.ddl != c.type.ddl || old->autoincrement != c.autoincrement || old->check_values != c.check_values;
    change.nullability = old->nullable != c.nullable;
    change.default_ = old->default_sql != c.default_sql;
    if (change.type && old->enum_type.empty() != c.enum_type.empty() && old->type.ddl != c.type.ddl)
      p.warnings.push_back("The column `" + c.name + "` on the `" + b.name + "` table will be cast from `" + old->type.ddl + "` to `" + c.type.ddl + "`. This may fail or lose data.");
    if (change.nullability && !c.nullable)
      p.warnings.push_back("Made the column `" + c.name + "` on table `" + b.name + "` required, but there are existing NULL values.");
    alter.columns.push_back(change);
    rebuild = true;
  }
  // SQLite keeps no name for a primary key (its DDL writes none): renaming one there changes nothing;
  // nor does the name of a key neither side has.
  alter.primary_key_changed = a.primary_key != b.primary_key || (!sqlite && !a.primary_key.empty() && a.primary_key_name != b.primary_key_name);
  std::vector<const target_foreign_key *> dropped_fks, added_fks;
  for (const auto &k : a.foreign_keys)
    if (!b.foreign_key(k.name) || !(*b.foreign_key(k.name) == k)) dropped_fks.push_back(&k);
  for (const auto &k : b.foreign_keys)
    if (!a.foreign_key(k.name) || !(*a.foreign_key(k.name) == k)) added_fks.push_back(&k);
  std::vector<const target_index *> dropped_ix, added_ix;
  std::vector<std::pair<const target_index *, const target_index *>> renamed_ix;  // PostgreSQL: same index, new name
  for (const auto &i : a.indexes)
    if (!b.index(i.name) || !b.index(i.name)->same_definition(i)) dropped_ix.push_back(&i);
  for (const auto &i : b.indexes) {
    if (a.index(i.name) && a.index(i.name)->same_definition(i)) continue;
    const auto old = std::find_if(dropped_ix.begin(), dropped_ix.end(), [&](const target_index *d) { return d->same_definition(i) && !b.index(d->name); });
    if (!sqlite && !a.index(i.name) && old != dropped_ix.end()) {
      renamed_ix.emplace_back(*old, &i);
      dropped_ix.erase(old);
      continue;
    }
    added_ix.push_back(&i);
    if (i.unique) p.warnings.push_back("A unique constraint covering the columns `" + bracketed(i.columns) + "` on the table `" + b.name + "` will be added. If there are existing duplicate values, this will fail.");
  }
  if (sqlite && (rebuild || alter.primary_key_changed || !dropped_fks.empty() || !added_fks.empty())) {
    p.steps.push_back(make(step_kind::redefine_table, &a, &b));  // recreates every index of b
    return;
  }
  for (const auto *k : dropped_fks) p.steps.push_back(make(step_kind::drop_foreign_key, &a, nullptr, nullptr, k));
  for (const auto *i : dropped_ix) p.steps.push_back(make(step_kind::drop_index, &a, nullptr, i));
  if (!alter.columns.empty() || alter.primary_key_changed) p.steps.push_back(alter);
  for (const auto *i : added_ix) p.steps.push_back(make(step_kind::create_index, nullptr, &b, i));
  for (const auto *k : added_fks) p.steps.push_back(make(step_kind::add_foreign_key, nullptr, &b, nullptr, k));
  for (const auto &[old, now] : renamed_ix) {
    step rename = make(step_kind::rename_index, &a, &b, now);
    rename.renamed_from = old;
    p.steps.push_back(rename);
  }
}

// An enum's values in `m`: its type's on PostgreSQL, the CHECK list of a column using it on SQLite
// (which has no enum types); null when `m` has no such enum.
// A SQLite database read back does not know its enums' names (a CHECK list has none): then the enum
// is found through `named_by`, a model that names it, at the same table and column.
const std::vector<std::string> *enum_values(const target_model &m, const std::string &name, const target_model *named_by = nullptr) {
  if (const target_enum *e = m.enumeration(name)) return &e->values;
  for (const auto &t : m.tables)
    for (const auto &c : t.columns)
      if (c.enum_type == name && !c.check_values.empty()) return &c.check_values;
  if (named_by)
    for (const auto &t : named_by->tables)
      for (const auto &c : t.columns) {
        if (c.enum_type != name || c.check_values.empty()) continue;
        const target_table *same = m.table(t.name);
        const target_column *column = same ? same->column(c.name) : nullptr;
        if (column && !column->check_values.empty()) return &column->check_values;
      }
  return nullptr;
}

bool has(const std::vector<std::string> &values, const std::string &v) { return std::find(values.begin(), values.end(), v) != values.end(); }

void check_renames(const plan &p) {
  for (const auto &r : p.renames) {
    const std::string what = "renaming value " + r.from + " of enum " + r.enum_name + " to " + r.to;
    const auto *before = enum_values(p.from, r.enum_name, &p.to), *after = enum_values(p.to, r.enum_name, &p.from);
    if (!before || !after)
      throw configuration_error(what + ": the enum is not on both sides of the diff", "name the enum as the database names it (its @@map)");
    if (!has(*before, r.from) || has(*after, r.from))
      throw configuration_error(what + ": " + r.from + " must be a value the enum has now and loses",
                                "name the value as the database has it (its @map), from the current values");
    if (!has(*after, r.to) || has(*before, r.to))
      throw configuration_error(what + ": " + r.to + " must be a value the enum gains", "name a value the new schema adds to the enum");
    for (const auto &other : p.renames)
      if (&other != &r && other.enum_name == r.enum_name && (other.from == r.from || other.to == r.to))
        throw configuration_error(what + ": the value is renamed twice", "give each value one rename");
  }
}

// Values an enum loses (Prisma's warning), and a hint at --rename-enum-value when it also gains some.
// On SQLite too, where the enum is a CHECK list on its columns and a lost value in use fails the
// rebuild's copy.
void enum_warnings(plan &p) {
  std::vector<std::string> names;
  for (const auto &e : p.to.enums) names.push_back(e.name);
  for (const auto &t : p.to.tables)
    for (const auto &c : t.columns)
      if (!c.check_values.empty() && !has(names, c.enum_type)) names.push_back(c.enum_type);
  for (const auto &name : names) {
    const auto *before = enum_values(p.from, name, &p.to), *after = enum_values(p.to, name, &p.from);
    if (!before || !after) continue;
    std::vector<std::string> removed, added;
    for (const auto &v : *before)
      if (!has(*after, p.renamed(name, v))) removed.push_back(v);
    for (const auto &v : *after)
      if (!has(*before, v) && std::none_of(p.renames.begin(), p.renames.end(), [&](const enum_value_rename &r) { return r.enum_name == name && r.to == v; }))
        added.push_back(v);
    if (!removed.empty())
      p.warnings.push_back("The values " + bracketed(removed) + " on the enum `" + name + "` will be removed. If these variants are still used in the database, this will fail.");
    if (!removed.empty() && !added.empty())
      p.warnings.push_back("If a value of the enum `" + name + "` was renamed rather than removed, say so (--rename-enum-value " + name + "." +
                           removed.front() + "=" + added.front() + "): its rows then keep their value under the new name.");
  }
}

}  // namespace

std::string plan::renamed(const std::string &enum_name, const std::string &value) const {
  for (const auto &r : renames)
    if (r.enum_name == enum_name && r.from == value) return r.to;
  return value;
}

plan plan_steps(const target_model &from, const target_model &to, const std::vector<enum_value_rename> &renames) {
  plan p{from, to, {}, {}, renames};
  check_renames(p);
  enum_warnings(p);
  for (const auto &e : to.enums) {
    const target_enum *old = from.enumeration(e.name);
    if (!old)
      p.steps.push_back(make(step_kind::create_enum, nullptr, nullptr, nullptr, nullptr, nullptr, &e));
    else if (old->values != e.values)
      p.steps.push_back(make(step_kind::alter_enum, nullptr, nullptr, nullptr, nullptr, old, &e));
  }
  for (const auto &e : from.enums)
    if (!to.enumeration(e.name)) p.steps.push_back(make(step_kind::drop_enum, nullptr, nullptr, nullptr, nullptr, &e, nullptr));
  for (const auto &t : to.tables) {
    if (const target_table *old = from.table(t.name)) {
      diff_table(p, *old, t);
      continue;
    }
    p.steps.push_back(make(step_kind::create_table, nullptr, &t));
    for (const auto &i : t.indexes) p.steps.push_back(make(step_kind::create_index, nullptr, &t, &i));
    for (const auto &k : t.foreign_keys) p.steps.push_back(make(step_kind::add_foreign_key, nullptr, &t, nullptr, &k));
  }
  for (const auto &t : from.tables) {
    if (to.table(t.name)) continue;
    p.warnings.push_back("You are about to drop the `" + t.name + "` table. If the table is not empty, all the data it contains will be lost.");
    // SQLite drops a table's foreign keys with it; PostgreSQL's go first, as Prisma writes it.
    if (from.backend != backend_kind::sqlite)
      for (const auto &k : t.foreign_keys) p.steps.push_back(make(step_kind::drop_foreign_key, &t, nullptr, nullptr, &k));
    p.steps.push_back(make(step_kind::drop_table, &t, nullptr));
  }
  std::stable_sort(p.steps.begin(), p.steps.end(), [](const step &x, const step &y) { return x.kind < y.kind; });
  return p;
}

const char *step_header(step_kind k) {
  switch (k) {
    case step_kind::create_enum: return "CreateEnum";
    case step_kind::alter_enum: return "AlterEnum";
    case step_kind::drop_foreign_key: return "DropForeignKey";
    case step_kind::drop_index: return "DropIndex";
    case step_kind::alter_table: return "AlterTable";
    case step_kind::drop_enum: return "DropEnum";
    case step_kind::create_table: return "CreateTable";
    case step_kind::redefine_table: return "RedefineTables";
    case step_kind::drop_table: return "DropTable";
    case step_kind::create_index: return "CreateIndex";
    case step_kind::add_foreign_key: return "AddForeignKey";
    case step_kind::rename_index: return "RenameIndex";
  }
  return "";
}

std::string quote(const std::string &identifier) {
  std::string out = "\"";
  for (char c : identifier) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string column_list(const std::vector<std::string> &columns, const std::vector<bool> &descending) {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i)
    out += (i ? ", " : "") + quote(columns[i]) + (i < descending.size() && descending[i] ? " DESC" : "");
  return "(" + out + ")";
}

std::string create_index_sql(const target_table &t, const target_index &i) {
  return std::string("CREATE ") + (i.unique ? "UNIQUE " : "") + "INDEX " + quote(i.name) + " ON " + quote(t.name) +
         (i.method.empty() ? "" : " USING " + i.method + " ") + column_list(i.columns, i.descending) + ";";
}

namespace {

std::string describe(const step &s) {
  const std::string table = s.to_table ? s.to_table->name : s.from_table ? s.from_table->name : "";
  switch (s.kind) {
    case step_kind::create_enum: return "Added enum " + s.to_enum->name;
    case step_kind::alter_enum: return "Changed enum " + s.to_enum->name;
    case step_kind::drop_enum: return "Removed enum " + s.from_enum->name;
    case step_kind::create_table: return "Added table " + table;
    case step_kind::drop_table: return "Removed table " + table;
    case step_kind::alter_table:
    case step_kind::redefine_table: return "Changed table " + table;
    case step_kind::create_index: return "Added index " + s.index->name + " on " + table;
    case step_kind::drop_index: return "Removed index " + s.index->name + " on " + table;
    case step_kind::rename_index: return "Renamed index " + s.renamed_from->name + " to " + s.index->name + " on " + table;
    case step_kind::add_foreign_key: return "Added foreign key " + s.foreign_key->name + " on " + table;
    case step_kind::drop_foreign_key: return "Removed foreign key " + s.foreign_key->name + " on " + table;
  }
  return "";
}

}  // namespace

}  // namespace ddl

schema_diff diff_models(const target_model &from, const target_model &to, const std::vector<enum_value_rename> &renames,
                        const diff_options &options) {
  const ddl::plan p = ddl::plan_steps(from, to, renames);
  schema_diff out;
  for (const auto &s : p.steps) {
    // A new table's indexes and keys are part of adding it.
    const bool part_of_new_table = (s.kind == ddl::step_kind::create_index || s.kind == ddl::step_kind::add_foreign_key) && !from.table(s.to_table->name);
    if (!part_of_new_table) out.summary.push_back(ddl::describe(s));
  }
  out.warnings = p.warnings;
  if (p.steps.empty()) return out;
  // As `prisma migrate diff --script`: the warnings are not in the script (warnings_comment() has them
  // for a migration file, as `migrate dev` writes it); a blank line ends it.
  std::string concurrent;
  const bool online = options.online && to.backend == backend_kind::postgresql;
  const std::string rendered = to.backend == backend_kind::sqlite ? ddl::render_sqlite(p) : ddl::render_postgres(p, online ? &concurrent : nullptr);
  out.script = rendered.empty() ? "" : rendered + "\n";  // empty when an online diff moved every step
  if (!concurrent.empty()) out.concurrent_script = std::string(k_no_transaction_directive) + "\n" + concurrent + "\n";
  return out;
}

std::string schema_diff::warnings_comment() const {
  if (warnings.empty()) return "";
  std::string out = "/*\n  Warnings:\n\n";
  for (const auto &w : warnings) out += "  - " + w + "\n";
  return out + "\n*/\n";
}

schema_diff diff_schemas(const schema *from, const schema *to, backend_kind dialect, const std::vector<enum_value_rename> &renames,
                         const diff_options &options) {
  const target_model empty{dialect, {}, {}};
  const target_model a = from ? target_model::of(*from, dialect) : empty;
  const target_model b = to ? target_model::of(*to, dialect) : empty;
  return diff_models(a, b, renames, options);
}

}  // namespace carrierdb
