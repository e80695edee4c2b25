// drift_keys: foreign keys (columns, referenced table and columns, ON DELETE / ON UPDATE, mapped
// names), @@index (columns, sort order, PostgreSQL index method) and the names the schema maps for
// keys, compared with the catalog in both directions; also the keys of implicit many-to-many tables.
#include <algorithm>
#include <cctype>

#include "drift_parts.hpp"

namespace carrierdb::drift_parts {

namespace {

const char *sql_action(referential_action a) {
  switch (a) {
    case referential_action::cascade: return "CASCADE";
    case referential_action::restrict: return "RESTRICT";
    case referential_action::no_action: return "NO ACTION";
    case referential_action::set_null: return "SET NULL";
    case referential_action::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}

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

void compare_foreign_keys(const schema &s, const model_def &m, connection &conn, std::vector<drift_item> &out) {
  std::vector<wanted_fk> wanted;
  for (const auto &f : m.fields) {
    if (!f.relation || !f.relation->holds_foreign_key || f.relation->join) continue;
    const relation_info &r = *f.relation;
    const model_def *target = s.model(r.target);
    if (!target) continue;
    wanted_fk w;
    w.field = f.name;
    w.key.columns = columns_of(m, r.fields);
    w.key.referenced_table = target->table;
    w.key.referenced_columns = columns_of(*target, r.references);
    w.key.on_delete = sql_action(r.on_delete.value_or(referential_action::no_action));
    w.key.on_update = sql_action(r.on_update.value_or(referential_action::cascade));
    w.key.name = r.constraint_name;
    std::string default_name = m.table;
    for (const auto &c : w.key.columns) default_name += "_" + c;
    w.name_mapped = r.constraint_name != default_name + "_fkey";
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

void compare_join_table(const schema &s, const model_def &m, const field_def &f, connection &conn, std::vector<drift_item> &out) {
  const join_table &j = *f.relation->join;
  drift_item base;
  base.model = m.name;
  base.table = j.table;
  std::vector<wanted_fk> wanted;
  for (const auto &[column, model] : {std::pair<std::string, std::string>{"A", j.model_a}, {"B", j.model_b}}) {
    const model_def *target = s.model(model);
    if (!target) return;
    wanted_fk w;
    w.key = foreign_key_info{j.table + "_" + column + "_fkey", {column}, target->table, columns_of(*target, target->id_fields), "CASCADE", "CASCADE"};
    wanted.push_back(std::move(w));
  }
  match_foreign_keys(base, wanted, conn.foreign_keys(j.table), out);
  match_indexes(base, {wanted_index{{"B"}, {false}, "", ""}}, conn.indexes(j.table), out);
  const std::vector<std::string> ab{"A", "B"};
  std::vector<std::string> pk = conn.primary_key(j.table);
  bool has_key = pk == ab;
  for (auto &u : conn.unique_keys(j.table)) has_key = has_key || u == ab;
  if (!has_key)
    report(out, item_for(base, "unique", "", {}), std::string(j.key_is_primary ? "primary key " : "unique ") + join(ab),
           "no key on " + join(ab));
}

}  // namespace carrierdb::drift_parts
