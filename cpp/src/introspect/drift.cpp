// find_drift(): the schema's models against a live database's catalogs, both directions. Tables,
// columns, types, nullability and primary/unique keys here; foreign keys and indexes in
// drift_keys.cpp, defaults and enums in drift_values.cpp.
#include "carrierdb/introspect/drift.hpp"

#include <algorithm>
#include <set>

#include "drift_parts.hpp"

namespace carrierdb {

using drift_parts::join;

namespace {

// Type spellings that mean the same thing.
std::string canonical_type(std::string t) {
  t.erase(std::remove(t.begin(), t.end(), '"'), t.end());
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "int" || t == "int4") return "integer";
  if (t == "varchar") return "character varying";
  return t;
}

}  // namespace

std::string drift_item::message() const {
  const std::string where = field.empty() ? table : model + "." + field + " (" + table + "." + column + ")";
  if (kind == "missing_table") return "schema says model " + model + " is stored in table " + table + ", database has no such table";
  if (kind == "extra_table") return "database has table " + table + ", schema has no model for it";
  if (kind == "missing_column") return "schema says " + where + " " + schema_says + ", database has no such column";
  if (kind == "extra_column") return "database has column " + table + "." + column + " " + database_has + ", schema has no field for it";
  if (kind == "enum" && table.empty())
    return model.empty() ? "database has " + database_has + ", schema has no enum for it" : "schema says enum " + model + " is " + schema_says + ", database has " + database_has;
  return "schema says " + where + " " + schema_says + ", database has " + database_has;
}

std::vector<drift_item> find_drift(const schema &s, connection &conn, const std::vector<std::string> &ignore_tables) {
  std::vector<drift_item> out;
  const backend_kind backend = conn.kind();
  const std::vector<std::string> tables = conn.table_names();
  // What the schema creates on this backend, named as Prisma names it: the same model migrate diff writes from.
  const target_model expected = target_model::of(s, backend);
  std::set<std::string> modelled;
  for (const auto &m : s.models()) {
    modelled.insert(m.table);
    drift_item base;
    base.model = m.name;
    base.table = m.table;
    if (std::find(tables.begin(), tables.end(), m.table) == tables.end()) {
      base.kind = "missing_table";
      base.schema_says = "table " + m.table;
      base.database_has = "absent";
      out.push_back(base);
      continue;
    }
    const std::vector<column_info> columns = conn.table_columns(m.table);
    std::set<std::string> known;
    for (const auto &f : m.fields) {
      if (f.kind == field_kind::unsupported) known.insert(f.column);  // Unsupported(...) columns exist, unread
      if (!f.is_column()) continue;
      drift_item item = base;
      item.field = f.name;
      item.column = f.column;
      known.insert(f.column);
      auto it = std::find_if(columns.begin(), columns.end(), [&](const column_info &c) { return c.name == f.column; });
      const std::string type = expected_column_type(f, s, backend);
      if (it == columns.end()) {
        item.kind = "missing_column";
        item.schema_says = type + (f.optional ? " null" : " not null");
        item.database_has = "absent";
        out.push_back(item);
        continue;
      }
      if (canonical_type(it->type) != canonical_type(type)) {
        item.kind = "type";
        item.schema_says = "is " + type;
        item.database_has = it->type;
        out.push_back(item);
      }
      if (it->nullable != (f.optional || f.list)) {  // Prisma creates scalar lists nullable
        item.kind = "nullability";
        item.schema_says = f.optional ? "is optional (nullable)" : "is required (NOT NULL)";
        item.database_has = it->nullable ? "a nullable column" : "a NOT NULL column";
        out.push_back(item);
      }
      drift_parts::compare_default(s, item, f, *it, out);
    }
    for (const auto &c : columns) {
      if (known.count(c.name)) continue;
      drift_item item = base;
      item.kind = "extra_column";
      item.column = c.name;
      item.schema_says = "absent";
      item.database_has = c.type + (c.nullable ? " null" : " not null");
      out.push_back(item);
    }
    // Keys, compared as column sets.
    const auto to_columns = [&](const std::vector<std::string> &fields) {
      std::vector<std::string> cols = drift_parts::columns_of(m, fields);
      std::sort(cols.begin(), cols.end());
      return cols;
    };
    std::vector<std::string> pk = conn.primary_key(m.table);
    std::sort(pk.begin(), pk.end());
    if (pk != to_columns(m.id_fields)) {
      drift_item item = base;
      item.kind = "primary_key";
      item.schema_says = "primary key " + join(to_columns(m.id_fields));
      item.database_has = pk.empty() ? "no primary key" : "primary key " + join(pk);
      out.push_back(item);
    }
    std::vector<std::vector<std::string>> wanted;
    for (const auto &f : m.fields)
      if (f.unique) wanted.push_back({f.column});
    for (const auto &u : m.uniques) wanted.push_back(to_columns(u));
    std::vector<std::vector<std::string>> present = conn.unique_keys(m.table);
    for (auto &p : present) std::sort(p.begin(), p.end());
    for (auto &w : wanted) std::sort(w.begin(), w.end());
    // A key one side has and the other lacks, said from both sides: the schema's first.
    const auto report_unmatched = [&](const std::vector<std::vector<std::string>> &keys,
                                      const std::vector<std::vector<std::string>> &other, bool schema_has) {
      for (const auto &k : keys) {
        if (std::find(other.begin(), other.end(), k) != other.end()) continue;
        drift_item item = base;
        item.kind = "unique";
        const std::string has = "unique " + join(k), lacks = "no unique constraint on " + join(k);
        item.schema_says = schema_has ? has : lacks;
        item.database_has = schema_has ? lacks : has;
        out.push_back(item);
      }
    };
    report_unmatched(wanted, present, true);
    report_unmatched(present, wanted, false);
    drift_parts::compare_foreign_keys(m, *expected.table(m.table), s.provider(), conn, out);
    drift_parts::compare_indexes(m, conn, out);
  }
  // Implicit many-to-many join tables are the schema's too (Prisma's _AToB); each is named on
  // both relation fields, so report a missing one once.
  for (const auto &m : s.models())
    for (const auto &f : m.fields) {
      if (!f.relation || !f.relation->join || !modelled.insert(f.relation->join->table).second) continue;
      if (std::find(tables.begin(), tables.end(), f.relation->join->table) != tables.end()) {
        drift_parts::compare_join_table(m, *expected.table(f.relation->join->table), conn, out);
        continue;
      }
      drift_item item;
      item.kind = "missing_table";
      item.model = m.name;
      item.field = f.name;
      item.table = f.relation->join->table;
      item.schema_says = "join table " + item.table + " of the many-to-many relation " + m.name + "." + f.name;
      item.database_has = "absent";
      out.push_back(item);
    }
  drift_parts::compare_enums(s, conn, tables, out);
  for (const auto &t : tables) {
    if (modelled.count(t) || std::find(ignore_tables.begin(), ignore_tables.end(), t) != ignore_tables.end()) continue;
    drift_item item;
    item.kind = "extra_table";
    item.table = t;
    item.schema_says = "absent";
    item.database_has = "table " + t;
    out.push_back(item);
  }
  return out;
}

}  // namespace carrierdb
