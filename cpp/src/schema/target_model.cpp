// target_model::of(): a parsed schema as the tables, keys, indexes, foreign keys and enum types
// Prisma creates for it, with Prisma's default names (<table>_pkey, <table>_<columns>_key/_idx/_fkey,
// _AToB_AB_pkey or _AB_unique, _AToB_B_index).
#include "carrierdb/schema/target_model.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "carrierdb/schema/constraint_names.hpp"

namespace carrierdb {

namespace {

// The element of `items` called `name`, or null.
template <typename T>
const T *named(const std::vector<T> &items, const std::string &name) {
  for (const auto &i : items)
    if (i.name == name) return &i;
  return nullptr;
}

std::string quoted_literal(const std::string &text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// `@default([...])` on a scalar list (JSON text, enum elements by schema name): on PostgreSQL the array
// constructor Prisma writes (["a", "b"] -> ARRAY['a', 'b']::TEXT[]); on SQLite, where carrierdb stores
// a list as JSON text, that text as the repository writes it ('["a","b"]').
std::string list_default(const field_def &f, const schema &s, const column_type &type, backend_kind backend) {
  nlohmann::json list = nlohmann::json::parse(f.default_->text, nullptr, false);
  if (!list.is_array()) list = nlohmann::json::array();
  if (const enum_def *e = s.enumeration(f.type_name))
    for (auto &item : list)
      for (std::size_t i = 0; item.is_string() && i < e->values.size() && i < e->db_values.size(); ++i)
        if (e->values[i] == item.get<std::string>()) {
          item = e->db_values[i];
          break;
        }
  if (backend == backend_kind::sqlite) return quoted_literal(list.dump());
  std::string out;
  for (const auto &item : list) out += (out.empty() ? "" : ", ") + (item.is_string() ? quoted_literal(item.get<std::string>()) : item.dump());
  return "ARRAY[" + out + "]::" + type.ddl;
}

// What a field's @default becomes in DDL; nullopt when the database has no default (uuid(),
// cuid() and autoincrement(), which is the column's type instead).
std::optional<std::string> default_sql(const field_def &f, const schema &s, const column_type &type, backend_kind backend) {
  if (!f.default_) return std::nullopt;
  const default_value &d = *f.default_;
  switch (d.what) {
    case default_value::kind::autoincrement:
    case default_value::kind::uuid:
    case default_value::kind::cuid: return std::nullopt;
    case default_value::kind::now: return std::string("CURRENT_TIMESTAMP");
    case default_value::kind::db_generated: return d.text.empty() ? std::nullopt : std::optional<std::string>(d.text);
    case default_value::kind::list_literal: return list_default(f, s, type, backend);
    case default_value::kind::enum_value: {
      std::string stored = d.text;
      if (const enum_def *e = s.enumeration(f.type_name))
        for (std::size_t i = 0; i < e->values.size() && i < e->db_values.size(); ++i)
          if (e->values[i] == d.text) stored = e->db_values[i];
      return quoted_literal(stored);
    }
    case default_value::kind::literal:
      switch (f.type) {
        case scalar_type::int_:
        case scalar_type::bigint:
        case scalar_type::float_:
        case scalar_type::decimal:
        case scalar_type::boolean: return d.text;
        default: return quoted_literal(d.text);
      }
  }
  return std::nullopt;
}


std::vector<std::string> columns_of(const model_def &m, const std::vector<std::string> &fields) {
  std::vector<std::string> out;
  for (const auto &name : fields)
    if (const field_def *f = m.field(name)) out.push_back(f->column);
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

target_table target_table_of(const schema &s, const model_def &m, backend_kind backend) {
  target_table t;
  t.name = m.table;
  for (const auto &f : m.fields) {
    if (!f.is_column()) continue;
    target_column c;
    c.name = f.column;
    c.type = column_type_of(f, s, backend);
    c.nullable = f.optional || f.list;  // Prisma creates scalar lists nullable
    c.autoincrement = f.default_ && f.default_->what == default_value::kind::autoincrement;
    c.default_sql = default_sql(f, s, c.type, backend);
    // On SQLite an enum list is JSON text with no CHECK: neither the enum's name nor its values are
    // in the database, so the column read back has none (and a diff against it is empty).
    if (const enum_def *e = f.kind == field_kind::enum_ ? s.enumeration(f.type_name) : nullptr; e && !(backend == backend_kind::sqlite && f.list)) {
      c.enum_type = e->db_name;
      if (backend == backend_kind::sqlite) c.check_values = e->db_values;
    }
    t.columns.push_back(std::move(c));
  }
  t.primary_key = columns_of(m, m.id_fields);
  t.primary_key_name = prisma_constraint_name(m.table, "_pkey", s.provider());
  for (const auto &k : m.keys)
    if (k.what == index_def::kind::primary && !k.map.empty()) t.primary_key_name = k.map;
  for (const auto &f : m.fields)
    if (f.id && !f.id_map.empty()) t.primary_key_name = f.id_map;
  // Prisma's order: @unique fields, then @@index, then @@unique, each as declared.
  for (const auto &f : m.fields)
    if (f.unique && f.is_column())
      t.indexes.push_back(target_index{f.unique_map.empty() ? prisma_constraint_name(m.table, {f.column}, "_key", s.provider()) : f.unique_map, {f.column}, {false}, true, ""});
  for (const auto what : {index_def::kind::index, index_def::kind::unique})
    for (const auto &k : m.keys) {
      if (k.what != what) continue;
      target_index i;
      i.columns = columns_of(m, k.field_names());
      for (const auto &kf : k.fields) i.descending.push_back(kf.descending);
      i.unique = what == index_def::kind::unique;
      i.method = upper(k.type) == "BTREE" || backend == backend_kind::sqlite ? "" : upper(k.type);
      i.name = !k.map.empty() ? k.map : prisma_constraint_name(m.table, i.columns, i.unique ? "_key" : "_idx", s.provider());
      t.indexes.push_back(std::move(i));
    }
  for (const auto &f : m.fields) {
    if (!f.relation || !f.relation->holds_foreign_key || f.relation->join) continue;
    const relation_info &r = *f.relation;
    const model_def *target = s.model(r.target);
    if (!target) continue;
    t.foreign_keys.push_back(target_foreign_key{r.constraint_name, columns_of(m, r.fields), target->table, columns_of(*target, r.references),
                                                sql_referential_action(r.on_delete.value_or(referential_action::no_action)),
                                                sql_referential_action(r.on_update.value_or(referential_action::cascade))});
  }
  return t;
}

namespace {

// Prisma's _AToB: columns A and B typed as the ids they reference, a key on (A, B), an index on B,
// and both foreign keys cascading.
target_table join_table_of(const schema &s, const join_table &j, backend_kind backend) {
  target_table t;
  t.name = j.table;
  for (const auto &[column, model] : {std::pair<std::string, std::string>{"A", j.model_a}, {"B", j.model_b}}) {
    const model_def *m = s.model(model);
    if (!m || m->id_fields.empty()) continue;
    const field_def *id = m->field(m->id_fields.front());
    target_column c;
    c.name = column;
    c.type = column_type_of(*id, s, backend);
    c.nullable = false;
    t.columns.push_back(std::move(c));
    t.foreign_keys.push_back(target_foreign_key{prisma_constraint_name(j.table, {column}, "_fkey", s.provider()), {column}, m->table, columns_of(*m, m->id_fields), "CASCADE", "CASCADE"});
  }
  if (j.key_is_primary && backend != backend_kind::sqlite) {
    t.primary_key = {"A", "B"};
    t.primary_key_name = j.key_name;
  } else {
    t.indexes.push_back(target_index{prisma_constraint_name(j.table, "_AB_unique", s.provider()), {"A", "B"}, {false, false}, true, ""});
  }
  t.indexes.push_back(target_index{j.index_name, {"B"}, {false}, false, ""});
  return t;
}

}  // namespace

const char *sql_referential_action(referential_action a) {
  switch (a) {
    case referential_action::cascade: return "CASCADE";
    case referential_action::restrict: return "RESTRICT";
    case referential_action::no_action: return "NO ACTION";
    case referential_action::set_null: return "SET NULL";
    case referential_action::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}

bool target_column::operator==(const target_column &o) const {
  // Where an enum column is a value list (SQLite), the enum's name is in no database: a column read
  // back from one has none, and renaming the enum changes nothing there.
  const bool same_enum = check_values.empty() && o.check_values.empty() ? enum_type == o.enum_type : check_values == o.check_values;
  return name == o.name && type.ddl == o.type.ddl && nullable == o.nullable && autoincrement == o.autoincrement &&
         default_sql == o.default_sql && same_enum;
}

bool target_index::same_definition(const target_index &o) const {
  return columns == o.columns && descending == o.descending && unique == o.unique && method == o.method;
}

bool target_foreign_key::operator==(const target_foreign_key &o) const {
  return name == o.name && columns == o.columns && referenced_table == o.referenced_table &&
         referenced_columns == o.referenced_columns && on_delete == o.on_delete && on_update == o.on_update;
}

const target_column *target_table::column(const std::string &name) const { return named(columns, name); }

const target_index *target_table::index(const std::string &name) const { return named(indexes, name); }

const target_foreign_key *target_table::foreign_key(const std::string &name) const { return named(foreign_keys, name); }

target_model target_model::of(const schema &s, backend_kind backend) {
  target_model out;
  out.backend = backend;
  if (backend != backend_kind::sqlite)
    for (const auto &e : s.enums()) out.enums.push_back(target_enum{e.db_name, e.db_values});
  for (const auto &m : s.models()) out.tables.push_back(target_table_of(s, m, backend));
  for (const auto &m : s.models())
    for (const auto &f : m.fields)
      if (f.relation && f.relation->join && !out.table(f.relation->join->table))
        out.tables.push_back(join_table_of(s, *f.relation->join, backend));
  return out;
}

const target_table *target_model::table(const std::string &name) const { return named(tables, name); }

const target_enum *target_model::enumeration(const std::string &name) const { return named(enums, name); }

}  // namespace carrierdb
