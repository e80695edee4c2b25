// drift_keys: foreign keys (columns, referenced table and columns, ON DELETE / ON UPDATE, mapped
// names), @@index (columns, sort order, PostgreSQL index method) and the names the schema maps for
// keys, compared with the catalog in both directions; also the keys of implicit many-to-many tables.
#include <algorithm>
#include <cctype>

#include "carrierdb/schema/constraint_names.hpp"
#include "drift_parts.hpp"

namespace carrierdb::drift_parts {

namespace {

struct wanted_fk {
  std::string field;  // the relation field, or "" for a join table's column
  foreign_key_info key;
  bool name_mapped = false;  // @relation(map: ...): the name is the schema's to compare
};

std::string describe(const foreign_key_info &k) {
  return "foreign key " + join(k.columns) + " references " + k.referenced_table + " " + join(k.referenced_columns) +
         " on delete " + k.on_delete + " on update " + k.on_update;
}

drift_item item_for(const drift_item &base, const std::string &kind, const std::string &field, const std::vector<std::string> &columns) {
  drift_item item = base;
  item.kind = kind;
  item.field = field;
  if (!field.empty()) item.column = join(columns).substr(1, join(columns).size() - 2);
  return item;
}

void report(std::vector<drift_item> &out, drift_item item, std::string schema_says, std::string database_has) {
  item.schema_says = std::move(schema_says);
  item.database_has = std::move(database_has);
  out.push_back(std::move(item));
}

void match_foreign_keys(const drift_item &base, const std::vector<wanted_fk> &wanted, const std::vector<foreign_key_info> &present,
                        std::vector<drift_item> &out) {
  std::vector<bool> matched(present.size(), false);
  for (const auto &w : wanted) {
    const foreign_key_info &k = w.key;
    const auto it = std::find_if(present.begin(), present.end(), [&](const foreign_key_info &p) { return p.columns == k.columns; });
    const drift_item item = item_for(base, "foreign_key", w.field, k.columns);
    if (it == present.end()) {
      report(out, item, describe(k), "no foreign key on " + join(k.columns));
      continue;
    }
    matched[static_cast<std::size_t>(it - present.begin())] = true;
    if (it->referenced_table != k.referenced_table || it->referenced_columns != k.referenced_columns)
      report(out, item, "foreign key " + join(k.columns) + " references " + k.referenced_table + " " + join(k.referenced_columns),
             "one referencing " + it->referenced_table + " " + join(it->referenced_columns));
    drift_item action = item;
    action.kind = "referential_action";
    if (it->on_delete != k.on_delete)
      report(out, action, "foreign key " + join(k.columns) + " on delete " + k.on_delete, "on delete " + it->on_delete);
    if (it->on_update != k.on_update)
      report(out, action, "foreign key " + join(k.columns) + " on update " + k.on_update, "on update " + it->on_update);
    if (w.name_mapped && !it->name.empty() && it->name != k.name) {
      drift_item name = item;
      name.kind = "name";
      report(out, name, "foreign key " + join(k.columns) + " is named " + k.name, "it named " + it->name);
    }
  }
  for (std::size_t i = 0; i < present.size(); ++i)
    if (!matched[i]) report(out, item_for(base, "foreign_key", "", {}), "no foreign key on " + join(present[i].columns), describe(present[i]));
}

std::string describe_index(const std::vector<std::string> &columns, const std::vector<bool> &descending) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < columns.size(); ++i)
    parts.push_back((columns[i].empty() ? std::string("(expression)") : columns[i]) + (i < descending.size() && descending[i] ? " DESC" : ""));
  return join(parts);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct wanted_index {
  std::vector<std::string> columns;
  std::vector<bool> descending;
  std::string method;  // lowercase, "" = the backend's default (btree)
  std::string map;
};

void match_indexes(const drift_item &base, const std::vector<wanted_index> &wanted, const std::vector<index_info> &present,
                   std::vector<drift_item> &out) {
  std::vector<bool> matched(present.size(), false);
  for (const auto &w : wanted) {
    // The same columns, not yet taken by another @@index (a table may index the same columns twice).
    std::size_t at = present.size();
    for (std::size_t i = 0; i < present.size() && at == present.size(); ++i)
      if (!matched[i] && !present[i].unique && present[i].columns == w.columns) at = i;
    const drift_item item = item_for(base, "index", "", {});
    const std::string says = "index " + describe_index(w.columns, w.descending);
    if (at == present.size()) {
      report(out, item, says + (w.method.empty() ? "" : " using " + w.method), "no index on " + join(w.columns));
      continue;
    }
    matched[at] = true;
    const index_info &p = present[at];
    if (p.descending != w.descending) report(out, item, says, "index " + p.name + " " + describe_index(p.columns, p.descending));
    const std::string method = w.method.empty() ? "btree" : w.method;
    if (!p.method.empty() && p.method != method)
      report(out, item, says + " using " + method, "index " + p.name + " using " + p.method);
    if (!w.map.empty() && p.name != w.map) {
      drift_item name = item;
      name.kind = "name";
      report(out, name, says + " is named " + w.map, "it named " + p.name);
    }
  }
  for (std::size_t i = 0; i < present.size(); ++i)
    if (!matched[i] && !present[i].unique)
      report(out, item_for(base, "index", "", {}), "no index on " + join(present[i].columns),
             "index " + present[i].name + " " + describe_index(present[i].columns, present[i].descending));
}

drift_item base_for(const model_def &m) {
  drift_item base;
  base.model = m.name;
  base.table = m.table;
  return base;
}

}  // namespace

std::string join(const std::vector<std::string> &items) {
  std::string out;
  for (const auto &i : items) out += (out.empty() ? "" : ", ") + i;
  return "(" + out + ")";
}

std::vector<std::string> columns_of(const model_def &m, const std::vector<std::string> &fields) {
  std::vector<std::string> out;
  for (const auto &name : fields)
    if (const field_def *f = m.field(name)) out.push_back(f->column);
  return out;
}

void compare_foreign_keys(const model_def &m, const target_table &expected, const std::string &provider, connection &conn,
                          std::vector<drift_item> &out) {
  std::vector<wanted_fk> wanted;
  for (const auto &k : expected.foreign_keys) {
    wanted_fk w;
    for (const auto &f : m.fields)
      if (f.relation && f.relation->constraint_name == k.name) w.field = f.name;
    w.key = foreign_key_info{k.name, k.columns, k.referenced_table, k.referenced_columns, k.on_delete, k.on_update};
    w.name_mapped = k.name != prisma_constraint_name(m.table, k.columns, "_fkey", provider);
    wanted.push_back(std::move(w));
  }
  match_foreign_keys(base_for(m), wanted, conn.foreign_keys(m.table), out);
}

void compare_indexes(const model_def &m, connection &conn, std::vector<drift_item> &out) {
  const std::vector<index_info> present = conn.indexes(m.table);
  std::vector<wanted_index> wanted;
  const drift_item base = base_for(m);
  for (const auto &k : m.keys) {
    std::vector<std::string> columns = columns_of(m, k.field_names());
    if (k.what == index_def::kind::index) {
      wanted_index w{columns, {}, lower(k.type), k.map};
      for (const auto &f : k.fields) w.descending.push_back(f.descending);
      wanted.push_back(std::move(w));
      continue;
    }
    if (k.what != index_def::kind::unique || k.map.empty()) continue;  // a missing key is the unique check's to report
    std::sort(columns.begin(), columns.end());
    for (const auto &p : present) {
      std::vector<std::string> cols = p.columns;
      std::sort(cols.begin(), cols.end());
      if (!p.unique || cols != columns || p.name == k.map) continue;
      drift_item name = base;
      name.kind = "name";
      report(out, name, "unique " + join(columns) + " is named " + k.map, "it named " + p.name);
    }
  }
  match_indexes(base, wanted, present, out);
}

void compare_join_table(const model_def &m, const target_table &expected, connection &conn, std::vector<drift_item> &out) {
  drift_item base;
  base.model = m.name;
  base.table = expected.name;
  std::vector<wanted_fk> wanted;
  for (const auto &k : expected.foreign_keys)
    wanted.push_back(wanted_fk{"", foreign_key_info{k.name, k.columns, k.referenced_table, k.referenced_columns, k.on_delete, k.on_update}, false});
  match_foreign_keys(base, wanted, conn.foreign_keys(expected.name), out);
  std::vector<wanted_index> indexes;
  for (const auto &i : expected.indexes)
    if (!i.unique) indexes.push_back(wanted_index{i.columns, i.descending, "", ""});
  match_indexes(base, indexes, conn.indexes(expected.name), out);
  const std::vector<std::string> ab{"A", "B"};
  std::vector<std::string> pk = conn.primary_key(expected.name);
  bool has_key = pk == ab;
  for (auto &u : conn.unique_keys(expected.name)) has_key = has_key || u == ab;
  if (!has_key)
    report(out, item_for(base, "unique", "", {}), std::string(!expected.primary_key.empty() ? "primary key " : "unique ") + join(ab),
           "no key on " + join(ab));
}

}  // namespace carrierdb::drift_parts
