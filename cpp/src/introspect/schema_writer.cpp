// write_schema(): `db pull`. The tables of a database read back become models (join tables of
// implicit many-to-many relations become list fields on both sides instead), foreign keys become
// relations with their back-relation fields, and every name, key, index and action Prisma would
// otherwise derive differently is written out (@map, @@map, map:, onDelete). An existing file's
// names, `///` comments and order are kept; what it lacks is appended.
#include "carrierdb/introspect/schema_writer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <deque>
#include <map>
#include <set>

#include "carrierdb/error.hpp"
#include "pull_parts.hpp"

namespace carrierdb {

namespace {

using namespace pull_parts;

struct field_out {
  std::string name, type;
  std::vector<std::string> attributes;
};

struct model_out {
  std::string name;
  const target_table *table = nullptr;
  const model_def *existing = nullptr;
  std::vector<field_out> fields;
  std::vector<std::string> block_attributes;
  std::map<std::string, std::string> field_of_column;
  std::set<std::string> names;
  std::string free_name(const std::string &base) const {
    std::string name = base;
    for (int n = 2; names.count(name); ++n) name = base + std::to_string(n);
    return name;
  }
};

struct enum_out {
  std::string name, db_name;
  std::vector<std::pair<std::string, std::string>> values;  // (Prisma name, database value)
  std::string value_name(const std::string &db_value) const {
    for (const auto &[name, stored] : values)
      if (stored == db_value) return name;
    return db_value;
  }
};

std::string joined(const std::vector<std::string> &items, const std::string &separator = ", ") {
  std::string out;
  for (const auto &i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}

std::string default_name(const std::string &table, const std::vector<std::string> &columns, const char *suffix) {
  return table + "_" + joined(columns, "_") + suffix;
}

std::string action(const std::string &sql) {
  if (sql == "CASCADE") return "Cascade";
  if (sql == "SET NULL") return "SetNull";
  if (sql == "SET DEFAULT") return "SetDefault";
  if (sql == "RESTRICT") return "Restrict";
  return "NoAction";
}

// An index method (uppercase, as the DDL writes it) as Prisma's @@index type names it.
std::string index_type(const std::string &method) {
  for (const char *name : {"Hash", "Gin", "Gist", "SpGist", "Brin"}) {
    std::string upper = name;
    for (auto &c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == method) return name;
  }
  return method;
}

std::string plural(const std::string &name) {
  if (name.empty() || name.back() == 's') return name;
  if (name.size() > 1 && name.back() == 'y' && std::string("aeiou").find(name[name.size() - 2]) == std::string::npos)
    return name.substr(0, name.size() - 1) + "ies";
  return name + "s";
}

// A value as a Prisma enum value: itself where it is an identifier.
std::string value_identifier(const std::string &value) {
  std::string out;
  for (char c : value) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "V" + out;
  return out;
}

// A table Prisma creates for an implicit many-to-many relation: _<name> with columns A and B, each
// referencing one table's single-column key with cascading actions.
bool is_join_table(const target_table &t) {
  if (t.name.size() < 2 || t.name[0] != '_' || t.columns.size() != 2 || t.columns[0].name != "A" || t.columns[1].name != "B") return false;
  if (t.foreign_keys.size() != 2) return false;
  for (const auto &k : t.foreign_keys)
    if (k.columns.size() != 1 || k.referenced_columns.size() != 1 || k.on_delete != "CASCADE" || k.on_update != "CASCADE") return false;
  return true;
}

// The foreign key of join table `j` on its column `column` (A or B).
const target_foreign_key &join_key(const target_table &j, const char *column) {
  return j.foreign_keys[0].columns[0] == column ? j.foreign_keys[0] : j.foreign_keys[1];
}

class writer {
public:
  writer(const target_model &db, const pull_basis &basis) : m_db(db), m_basis(basis), m_layout(read_layout(basis.text)) {}

  std::string text() {
    name_enums();
    name_models();
    for (auto &m : m_models) add_columns(m);
    for (auto &m : m_models) add_keys(m);
    count_relations();
    for (auto &m : m_models)
      for (const auto &k : m.table->foreign_keys) add_relation(m, k);
    for (const auto *j : m_joins) add_many_to_many(*j);
    return render();
  }

private:
  const model_def *existing_model(const std::string &table) const {
    if (m_basis.existing)
      for (const auto &m : m_basis.existing->models())
        if (m.table == table) return &m;
    return nullptr;
  }

  model_out *model_of(const std::string &table) {
    for (auto &m : m_models)
      if (m.table->name == table) return &m;
    return nullptr;
  }

  std::string free_block_name(const std::string &base) {
    std::string name = base;
    for (int n = 2; m_block_names.count(name); ++n) name = base + std::to_string(n);
    m_block_names.insert(name);
    return name;
  }

  void name_enums() {
    for (const auto &e : m_db.enums) {
      const enum_def *old = nullptr;
      if (m_basis.existing)
        for (const auto &x : m_basis.existing->enums())
          if (x.db_name == e.name) old = &x;
      m_enums.push_back(enum_from(old, e.name, e.values, pascal_case(e.name)));
    }
  }

  enum_out enum_from(const enum_def *old, const std::string &db_name, const std::vector<std::string> &values, const std::string &base) {
    enum_out out;
    out.name = old ? old->name : free_block_name(base);
    if (old) m_block_names.insert(old->name);
    // SQLite stores no enum name: the file's @@map is kept, and a new enum needs none.
    out.db_name = m_db.backend != backend_kind::sqlite ? db_name : old ? old->db_name : out.name;
    for (const auto &v : values) {
      std::string name = value_identifier(v);
      if (old)
        for (std::size_t i = 0; i < old->db_values.size() && i < old->values.size(); ++i)
          if (old->db_values[i] == v) name = old->values[i];
      out.values.emplace_back(name, v);
    }
    return out;
  }

  // SQLite keeps an enum as a CHECK value list on its column: the enum the existing file gives
  // the field when it has these values, else one named after the column (shared by columns with the same values).
  const enum_out &sqlite_enum(const model_out &m, const target_column &c) {
    const field_def *old = m.existing ? m.existing->field_by_column(c.name) : nullptr;
    const enum_def *known = old && old->kind == field_kind::enum_ && m_basis.existing ? m_basis.existing->enumeration(old->type_name) : nullptr;
    if (known && known->db_values != c.check_values) known = nullptr;
    for (const auto &e : m_enums) {
      std::vector<std::string> stored;
      for (const auto &v : e.values) stored.push_back(v.second);
      if (stored == c.check_values && (!known || e.name == known->name)) return e;
    }
    m_enums.push_back(enum_from(known, known ? known->db_name : "", c.check_values, pascal_case(c.name)));
    return m_enums.back();
  }

  void name_models() {
    std::vector<const target_table *> tables;
    if (m_basis.existing)
      for (const auto &m : m_basis.existing->models())
        if (const target_table *t = m_db.table(m.table)) tables.push_back(t);
    for (const auto &t : m_db.tables)
      if (std::find(tables.begin(), tables.end(), &t) == tables.end()) tables.push_back(&t);
    for (const auto *t : tables) {
      if (is_join_table(*t)) {
        m_joins.push_back(t);
        continue;
      }
      model_out m;
      m.table = t;
      m.existing = existing_model(t->name);
      m.name = m.existing ? m.existing->name : free_block_name(pascal_case(t->name));
      if (m.existing) m_block_names.insert(m.name);
      m_models.push_back(std::move(m));
    }
    // A join table whose A column does not reference the alphabetically first model would be read
    // the other way round: it stays a model of its own.
    for (auto it = m_joins.begin(); it != m_joins.end();) {
      const model_out *a = model_of(join_key(**it, "A").referenced_table);
      const model_out *b = model_of(join_key(**it, "B").referenced_table);
      if (a && b && a->name <= b->name) {
        ++it;
        continue;
      }
      model_out m;
      m.table = *it;
      m.name = free_block_name(pascal_case((*it)->name));
      m_models.push_back(std::move(m));
      it = m_joins.erase(it);
    }
  }

  void add_field(model_out &m, field_out f, const std::string &column = "") {
    m.names.insert(f.name);
    if (!column.empty()) m.field_of_column[column] = f.name;
    m.fields.push_back(std::move(f));
  }

  void add_columns(model_out &m) {
    const target_table &t = *m.table;
    for (const auto &c : t.columns) {
      const field_def *old = m.existing ? m.existing->field_by_column(c.name) : nullptr;
      prisma_type type = prisma_type_of(c, m_db.backend);
      const enum_out *e = nullptr;
      if (type.is_enum) {
        if (m_db.backend == backend_kind::sqlite) e = &sqlite_enum(m, c);
        else
          for (const auto &x : m_enums)
            if (x.db_name == type.scalar) e = &x;
        type.scalar = e ? e->name : type.scalar;
      }
      // The file's @db.* stays where it gives this column's type (also a PostgreSQL file pulled from SQLite).
      if (old && old->is_column() && !old->native_type.empty() && column_type_of(*old, *m_basis.existing, m_db.backend).ddl == c.type.ddl)
        type.native = "@db." + old->native_type + (old->native_args.empty() ? "" : "(" + joined(old->native_args) + ")");
      field_out f;
      f.name = old ? old->name : m.free_name(camel_case(c.name));
      f.type = type.scalar + (type.list ? "[]" : c.nullable ? "?" : "");
      if (t.primary_key.size() == 1 && t.primary_key[0] == c.name)
        f.attributes.push_back(t.primary_key_name == t.name + "_pkey" ? "@id" : "@id(map: " + quoted(t.primary_key_name) + ")");
      for (const auto &i : t.indexes)
        if (i.unique && i.columns == std::vector<std::string>{c.name} && !i.descending[0] && i.method.empty() && !m_unique_field.count(&i)) {
          m_unique_field.insert(&i);
          f.attributes.push_back(i.name == default_name(t.name, {c.name}, "_key") ? "@unique" : "@unique(map: " + quoted(i.name) + ")");
          break;
        }
      std::string value = default_argument(c, type, [&](const std::string &v) { return e ? e->value_name(v) : v; });
      // uuid() and cuid() are the client's: the database has no default to read them back from.
      if (value.empty() && old && old->default_ && (old->default_->what == default_value::kind::uuid || old->default_->what == default_value::kind::cuid))
        value = old->default_->what == default_value::kind::uuid ? "uuid()" : "cuid()";
      if (!value.empty()) f.attributes.push_back("@default(" + value + ")");
      if (old && old->updated_at && type.scalar == "DateTime") f.attributes.push_back("@updatedAt");
      if (f.name != c.name) f.attributes.push_back("@map(" + quoted(c.name) + ")");
      if (!type.native.empty()) f.attributes.push_back(type.native);
      add_field(m, std::move(f), c.name);
    }
  }

  std::string field_list(const model_out &m, const std::vector<std::string> &columns, const std::vector<bool> &descending = {}) const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto it = m.field_of_column.find(columns[i]);
      names.push_back((it == m.field_of_column.end() ? columns[i] : it->second) + (i < descending.size() && descending[i] ? "(sort: Desc)" : ""));
    }
    return "[" + joined(names) + "]";
  }

  void add_keys(model_out &m) {
    const target_table &t = *m.table;
    if (t.primary_key.size() > 1)
      m.block_attributes.push_back("@@id(" + field_list(m, t.primary_key) + (t.primary_key_name == t.name + "_pkey" ? "" : ", map: " + quoted(t.primary_key_name)) + ")");
    // Keys in the file's order (a re-pull keeps it); keys the file lacks follow, unique ones first.
    std::vector<std::pair<std::size_t, std::string>> keys;
    for (const bool unique : {true, false})
      for (const auto &i : t.indexes) {
        if (i.unique != unique || m_unique_field.count(&i)) continue;
        std::string out = std::string(unique ? "@@unique(" : "@@index(") + field_list(m, i.columns, i.descending);
        std::size_t rank = SIZE_MAX;
        if (m.existing)  // the client's name for a compound key: only the file knows it
          for (std::size_t k = 0; k < m.existing->keys.size(); ++k) {
            const auto &key = m.existing->keys[k];
            std::vector<std::string> columns;
            for (const auto &name : key.field_names())
              if (const field_def *f = m.existing->field(name)) columns.push_back(f->column);
            if (key.what != (unique ? index_def::kind::unique : index_def::kind::index) || columns != i.columns) continue;
            rank = std::min(rank, k);
            if (!key.name.empty()) out += ", name: " + quoted(key.name);
          }
        if (i.name != default_name(t.name, i.columns, unique ? "_key" : "_idx")) out += ", map: " + quoted(i.name);
        if (!i.method.empty()) out += ", type: " + index_type(i.method);
        keys.emplace_back(rank, out + ")");
      }
    std::stable_sort(keys.begin(), keys.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (auto &key : keys) m.block_attributes.push_back(std::move(key.second));
    if (t.primary_key.empty() && std::none_of(t.indexes.begin(), t.indexes.end(), [](const target_index &i) { return i.unique; }))
      m.block_attributes.push_back("@@ignore");  // Prisma's client needs a unique way to name a row
    if (m.name != t.name) m.block_attributes.push_back("@@map(" + quoted(t.name) + ")");
  }

  static std::pair<std::string, std::string> pair_of(const std::string &a, const std::string &b) { return {std::min(a, b), std::max(a, b)}; }

  // Relations between the same two models need names to tell them apart.
  void count_relations() {
    for (const auto &m : m_models)
      for (const auto &k : m.table->foreign_keys)
        if (const model_out *n = model_of(k.referenced_table)) ++m_relations[pair_of(m.name, n->name)];
    for (const auto *j : m_joins) ++m_relations[pair_of(model_of(j->foreign_keys[0].referenced_table)->name, model_of(j->foreign_keys[1].referenced_table)->name)];
  }

  // The existing file's holding field for foreign key `k` of `m`, if it has one.
  const field_def *existing_holder(const model_out &m, const target_foreign_key &k) const {
    if (!m.existing) return nullptr;
    for (const auto &f : m.existing->fields) {
      if (!f.relation || !f.relation->holds_foreign_key || f.relation->join) continue;
      std::vector<std::string> columns;
      for (const auto &name : f.relation->fields)
        if (const field_def *s = m.existing->field(name)) columns.push_back(s->column);
      const model_def *target = m_basis.existing->model(f.relation->target);
      if (columns == k.columns && target && target->table == k.referenced_table) return &f;
    }
    return nullptr;
  }

  void add_relation(model_out &m, const target_foreign_key &k) {
    model_out *n = model_of(k.referenced_table);
    if (!n) return;  // a table left out (the history) or none: the columns stay plain fields
    const target_table &t = *m.table;
    const field_def *old = existing_holder(m, k);
    bool optional = false;
    for (const auto &c : k.columns) optional = optional || t.column(c)->nullable;
    std::vector<std::string> sorted_fk = k.columns;
    std::sort(sorted_fk.begin(), sorted_fk.end());
    bool one_to_one = false;
    for (const auto &i : t.indexes) {
      std::vector<std::string> key = i.columns;
      std::sort(key.begin(), key.end());
      one_to_one = one_to_one || (i.unique && key == sorted_fk);
    }
    std::vector<std::string> pk = t.primary_key;
    std::sort(pk.begin(), pk.end());
    one_to_one = one_to_one || pk == sorted_fk;
    std::string base = camel_case(n->name);
    if (k.columns.size() == 1) {
      const std::string scalar = m.field_of_column[k.columns[0]];
      for (const char *suffix : {"Id", "_id", "ID"})
        if (scalar.size() > std::string(suffix).size() && scalar.compare(scalar.size() - std::string(suffix).size(), std::string::npos, suffix) == 0)
          base = scalar.substr(0, scalar.size() - std::string(suffix).size());
    }
    const std::string name = old ? old->name : m.free_name(base);
    const bool named = m_relations[pair_of(m.name, n->name)] > 1;
    const std::string relation = old && !old->relation->name.empty() ? old->relation->name : named ? m.name + pascal_case(name) : "";
    std::vector<std::string> args;
    if (!relation.empty()) args.push_back(quoted(relation));
    args.push_back("fields: " + field_list(m, k.columns));
    args.push_back("references: " + field_list(*n, k.referenced_columns));
    if (k.on_delete != (optional ? "SET NULL" : "RESTRICT")) args.push_back("onDelete: " + action(k.on_delete));
    if (k.on_update != "CASCADE") args.push_back("onUpdate: " + action(k.on_update));
    if (k.name != default_name(t.name, k.columns, "_fkey") && !k.name.empty()) args.push_back("map: " + quoted(k.name));
    add_field(m, field_out{name, n->name + (optional ? "?" : ""), {"@relation(" + joined(args) + ")"}});
    // The other side: a list of `m`, or one optional `m` where the key is unique (one-to-one).
    std::string back = old ? old->relation->back_field : "";
    if (back.empty() || n->names.count(back)) {
      const std::string stem = one_to_one ? camel_case(m.name) : plural(camel_case(m.name));
      back = n->free_name(named || &m == n ? stem + pascal_case(name) : stem);
    }
    add_field(*n, field_out{back, m.name + (one_to_one ? "?" : "[]"), relation.empty() ? std::vector<std::string>{} : std::vector<std::string>{"@relation(" + quoted(relation) + ")"}});
  }

  void add_many_to_many(const target_table &j) {
    model_out &a = *model_of(join_key(j, "A").referenced_table);
    model_out &b = *model_of(join_key(j, "B").referenced_table);
    const bool named = j.name != "_" + a.name + "To" + b.name || m_relations[pair_of(a.name, b.name)] > 1;
    const std::string relation = named ? j.name.substr(1) : "";
    const std::vector<std::string> attributes = named ? std::vector<std::string>{"@relation(" + quoted(relation) + ")"} : std::vector<std::string>{};
    std::vector<std::string> known;  // the existing file's field names for this join table, on a then b
    for (const model_out *side : {&a, &b})
      if (side->existing)
        for (const auto &f : side->existing->fields)
          if (f.relation && f.relation->join && f.relation->join->table == j.name && std::find(known.begin(), known.end(), f.name) == known.end())
            known.push_back(f.name);
    const bool self = &a == &b;
    const std::string on_a = !known.empty() ? known[0] : a.free_name(self && named ? camel_case(relation) : plural(camel_case(b.name)));
    add_field(a, field_out{on_a, b.name + "[]", attributes});
    const std::string on_b = known.size() > 1 ? known[1] : b.free_name(self ? on_a + "Of" : plural(camel_case(a.name)));
    add_field(b, field_out{on_b, a.name + "[]", attributes});
  }

  static std::string docs(const std::vector<std::string> &lines, const std::string &indent) {
    std::string out;
    for (const auto &l : lines) out += indent + l + "\n";
    return out;
  }

  const std::vector<std::string> &member_docs(const std::string &block, const std::string &member) const {
    static const std::vector<std::string> none;
    const auto it = m_layout.member_docs.find({block, member});
    return it == m_layout.member_docs.end() ? none : it->second;
  }

  const std::vector<std::string> &block_docs(const std::string &block) const {
    static const std::vector<std::string> none;
    const auto it = m_layout.block_docs.find(block);
    return it == m_layout.block_docs.end() ? none : it->second;
  }

  std::string render_model(model_out &m) const {
    // The file's field order first, then the fields it does not have.
    if (m.existing) {
      std::vector<field_out> ordered;
      for (const auto &old : m.existing->fields)
        for (auto &f : m.fields)
          if (f.name == old.name && !f.type.empty()) ordered.push_back(f), f.type.clear();
      for (auto &f : m.fields)
        if (!f.type.empty()) ordered.push_back(f);
      m.fields = std::move(ordered);
    }
    std::size_t name_width = 0, type_width = 0;
    for (const auto &f : m.fields) name_width = std::max(name_width, f.name.size()), type_width = std::max(type_width, f.type.size());
    std::string out = docs(block_docs(m.name), "") + "model " + m.name + " {\n";
    for (const auto &f : m.fields) {
      std::string line = "  " + f.name + std::string(name_width - f.name.size() + 1, ' ') + f.type;
      if (!f.attributes.empty()) line += std::string(type_width - f.type.size() + 1, ' ') + joined(f.attributes, " ");
      out += docs(member_docs(m.name, f.name), "  ") + line + "\n";
    }
    if (!m.block_attributes.empty()) out += "\n";
    for (const auto &a : m.block_attributes) out += "  " + a + "\n";
    return out + "}\n";
  }

  std::string render_enum(const enum_out &e) const {
    std::string out = docs(block_docs(e.name), "") + "enum " + e.name + " {\n";
    for (const auto &[name, stored] : e.values)
      out += docs(member_docs(e.name, name), "  ") + "  " + name + (name == stored ? "" : " @map(" + quoted(stored) + ")") + "\n";
    if (e.db_name != e.name && !e.db_name.empty()) out += "\n  @@map(" + quoted(e.db_name) + ")\n";
    return out + "}\n";
  }

  std::string render() {
    std::string out = m_layout.header;
    if (out.find_first_not_of(" \t\r\n") == std::string::npos) {
      const std::string provider = m_db.backend == backend_kind::sqlite ? "sqlite" : "postgresql";
      out = "datasource db {\n  provider = \"" + provider + "\"\n  url      = env(\"DATABASE_URL\")\n}\n\n"
            "generator client {\n  provider = \"prisma-client-js\"\n}\n";
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    out += "\n";
    // The file's enums in its order, then new ones; the same for models.
    std::vector<const enum_out *> enums;
    if (m_basis.existing)
      for (const auto &old : m_basis.existing->enums())
        for (const auto &e : m_enums)
          if (e.name == old.name) enums.push_back(&e);
    for (const auto &e : m_enums)
      if (std::find(enums.begin(), enums.end(), &e) == enums.end()) enums.push_back(&e);
    for (const auto *e : enums) out += "\n" + render_enum(*e);
    for (auto &m : m_models) out += "\n" + render_model(m);
    return out;
  }

  const target_model &m_db;
  const pull_basis &m_basis;
  file_layout m_layout;
  std::deque<enum_out> m_enums;  // a deque: sqlite_enum() hands out references while adding
  std::vector<model_out> m_models;
  std::vector<const target_table *> m_joins;
  std::set<std::string> m_block_names;
  std::set<const target_index *> m_unique_field;  // unique indexes written as a field's @unique
  std::map<std::pair<std::string, std::string>, int> m_relations;
};

}  // namespace

std::string write_schema(const target_model &db, const pull_basis &basis) {
  if (db.tables.empty())
    throw configuration_error("db pull: the database has no tables (besides the migration history): there is nothing to describe",
                              "point the URL at the database that holds the tables, or create them first (carrierdb migrate deploy)");
  return writer(db, basis).text();
}

}  // namespace carrierdb
