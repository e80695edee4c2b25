// postgres_ddl: a plan as PostgreSQL statements, in the forms and spacing Prisma writes
// ("-- CreateTable" headers, SERIAL for autoincrement, ADD COLUMN with its five blanks, enum value
// removal through a new type renamed into place); and, for an online diff, the lock-safe forms.
#include <algorithm>

#include "ddl_steps.hpp"

namespace carrierdb::ddl {

namespace {

// 'value', quotes doubled.
std::string literal(const std::string &value) {
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string quoted_values(const std::vector<std::string> &values) {
  std::string out;
  for (const auto &v : values) out += (out.empty() ? "" : ", ") + literal(v);
  return "(" + out + ")";
}

std::string type_sql(const target_column &c) {
  if (!c.autoincrement) return c.type.ddl;
  if (c.type.ddl == "BIGINT") return "BIGSERIAL";
  if (c.type.ddl == "SMALLINT") return "SMALLSERIAL";
  return "SERIAL";
}

std::string column_sql(const target_column &c) {
  return quote(c.name) + " " + type_sql(c) + (c.nullable ? "" : " NOT NULL") + (c.default_sql ? " DEFAULT " + *c.default_sql : "");
}

std::string compact_list(const std::vector<std::string> &columns) {  // ("a","b"), as Prisma writes key columns
  std::string out;
  for (const auto &c : columns) out += (out.empty() ? "" : ",") + quote(c);
  return "(" + out + ")";
}

std::string create_table(const target_table &t) {
  std::string out = "CREATE TABLE " + quote(t.name) + " (\n";
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    out += "    " + column_sql(t.columns[i]) + (i + 1 < t.columns.size() || !t.primary_key.empty() ? ",\n" : "\n");
  if (!t.primary_key.empty()) out += "\n    CONSTRAINT " + quote(t.primary_key_name) + " PRIMARY KEY " + compact_list(t.primary_key) + "\n";
  return out + ");";
}

std::string foreign_key_sql(const target_table &t, const target_foreign_key &k) {
  return "ALTER TABLE " + quote(t.name) + " ADD CONSTRAINT " + quote(k.name) + " FOREIGN KEY " + column_list(k.columns) + " REFERENCES " +
         quote(k.referenced_table) + column_list(k.referenced_columns) + " ON DELETE " + k.on_delete + " ON UPDATE " + k.on_update + ";";
}

std::vector<std::string> alter_column(const target_table &t, const column_change &c) {
  const std::string col = "ALTER COLUMN " + quote(c.to->name);
  std::vector<std::string> out;
  if (c.from->autoincrement && !c.to->autoincrement) out.push_back(col + " DROP DEFAULT");
  if (c.default_ && !c.to->default_sql && c.from->default_sql) out.push_back(col + " DROP DEFAULT");
  if (c.type && c.from->type.ddl != c.to->type.ddl) out.push_back(col + " SET DATA TYPE " + c.to->type.ddl);
  if (c.nullability) out.push_back(col + (c.to->nullable ? " DROP NOT NULL" : " SET NOT NULL"));
  if (c.default_ && c.to->default_sql) out.push_back(col + " SET DEFAULT " + *c.to->default_sql);
  if (!c.from->autoincrement && c.to->autoincrement)  // the sequence is created before the ALTER TABLE (see alter_table)
    out.push_back(col + " SET DEFAULT nextval('" + t.name + "_" + c.to->name + "_seq')");
  return out;
}

std::string alter_table(const step &s) {
  const target_table &a = *s.from_table, &b = *s.to_table;
  std::string prefix;
  std::vector<std::string> clauses;
  if (s.primary_key_changed && !a.primary_key.empty()) clauses.push_back("DROP CONSTRAINT " + quote(a.primary_key_name));
  for (const auto &c : s.columns)
    if (c.what == column_change::kind::drop) clauses.push_back("DROP COLUMN " + quote(c.from->name));
  std::vector<const target_column *> added;  // Prisma adds columns in name order
  for (const auto &c : s.columns)
    if (c.what == column_change::kind::add) added.push_back(c.to);
  std::sort(added.begin(), added.end(), [](const target_column *x, const target_column *y) { return x->name < y->name; });
  for (const auto *c : added) clauses.push_back("ADD COLUMN     " + column_sql(*c));
  for (const auto &c : s.columns) {
    if (c.what != column_change::kind::alter) continue;
    if (!c.from->autoincrement && c.to->autoincrement) prefix += "CREATE SEQUENCE " + quote(b.name + "_" + c.to->name + "_seq") + ";\n";
    for (auto &clause : alter_column(b, c)) clauses.push_back(std::move(clause));
  }
  if (s.primary_key_changed && !b.primary_key.empty())
    clauses.push_back("ADD CONSTRAINT " + quote(b.primary_key_name) + " PRIMARY KEY " + compact_list(b.primary_key));
  std::string out = prefix + "ALTER TABLE " + quote(b.name) + " ";
  for (std::size_t i = 0; i < clauses.size(); ++i) out += (i ? ",\n" : "") + clauses[i];
  out += ";";
  for (const auto &c : s.columns)
    if (c.what == column_change::kind::alter && !c.from->autoincrement && c.to->autoincrement)
      out += "\nALTER SEQUENCE " + quote(b.name + "_" + c.to->name + "_seq") + " OWNED BY " + quote(b.name) + "." + quote(c.to->name) + ";";
  return out;
}

// Values only added: ALTER TYPE ... ADD VALUE. Any removed: Prisma's form, a new type the columns
// move to, renamed into place. No BEGIN/COMMIT around it as Prisma writes: carrierdb runs the whole
// migration in one transaction already, and a COMMIT inside would end that one.
std::string alter_enum(const plan &p, const target_enum &before, const target_enum &b) {
  // Renamed values first: the rows keep them, and what is left to add or remove is worked out from
  // the type as renamed.
  std::string renames;
  target_enum a = before;
  for (auto &v : a.values) {
    const std::string now = p.renamed(a.name, v);
    if (now == v) continue;
    renames += "ALTER TYPE " + quote(a.name) + " RENAME VALUE " + literal(v) + " TO " + literal(now) + ";\n";
    v = now;
  }
  if (a.values == b.values) return renames.substr(0, renames.size() - 1);
  bool removed = false;
  for (const auto &v : a.values) removed = removed || std::find(b.values.begin(), b.values.end(), v) == b.values.end();
  if (!removed) {
    std::string out = renames, adds;
    int added = 0;
    const auto existing = [&](const std::string &v) { return std::find(a.values.begin(), a.values.end(), v) != a.values.end(); };
    for (auto v = b.values.begin(); v != b.values.end(); ++v) {
      if (existing(*v)) continue;
      adds += "ALTER TYPE " + quote(b.name) + " ADD VALUE " + literal(*v);
      // Placed where the schema lists it (an enum's order is its sort order), which `down.sql`
      // restoring a removed value needs too; Prisma writes no position and so appends.
      const auto next = std::find_if(v + 1, b.values.end(), existing);
      if (next != b.values.end()) adds += " BEFORE " + literal(*next);
      adds += ";\n", ++added;
    }
    if (added > 1)
      out = "-- This migration adds more than one value to an enum.\n-- With PostgreSQL versions 11 and earlier, this is not possible\n"
            "-- in a single migration. This can be worked around by creating\n-- multiple migrations, each migration adding only one value to\n-- the enum.\n\n\n";
    return out + adds.substr(0, adds.size() - 1);
  }
  const std::string fresh = quote(b.name + "_new");
  std::string out = renames + "CREATE TYPE " + fresh + " AS ENUM " + quoted_values(b.values) + ";\n";
  std::string defaults;
  for (const auto &t : p.from.tables) {
    const target_table *kept = p.to.table(t.name);
    if (!kept) continue;
    for (const auto &c : t.columns) {
      const target_column *now = kept->column(c.name);
      if (c.enum_type != a.name || !now || now->enum_type != b.name) continue;
      const bool list = c.type.ddl.size() > 2 && c.type.ddl.compare(c.type.ddl.size() - 2, 2, "[]") == 0;
      const std::string type = fresh + (list ? "[]" : "");
      if (c.default_sql) out += "ALTER TABLE " + quote(t.name) + " ALTER COLUMN " + quote(c.name) + " DROP DEFAULT;\n";
      out += "ALTER TABLE " + quote(t.name) + " ALTER COLUMN " + quote(c.name) + " TYPE " + type + " USING (" + quote(c.name) + "::text::" + type + ");\n";
      if (now->default_sql) defaults += "ALTER TABLE " + quote(t.name) + " ALTER COLUMN " + quote(c.name) + " SET DEFAULT " + *now->default_sql + ";\n";
    }
  }
  out += "ALTER TYPE " + quote(a.name) + " RENAME TO " + quote(a.name + "_old") + ";\n";
  out += "ALTER TYPE " + fresh + " RENAME TO " + quote(b.name) + ";\n";
  out += "DROP TYPE " + quote(a.name + "_old") + ";\n" + defaults;
  return out.substr(0, out.size() - 1);
}

// diff_options::online: which steps leave the transactional script. An index on a table that already
// exists goes to the concurrent script; so does a foreign key whose referenced table gets such an
// index (it may be the unique index the key needs).
struct online_split {
  explicit online_split(const plan &p) : m_plan(p) {
    for (const auto &s : p.steps)
      if (moved_index(s)) m_indexed.push_back(s.to_table->name);
  }
  bool moved_index(const step &s) const { return s.kind == step_kind::create_index && m_plan.from.table(s.to_table->name); }
  bool moved_key(const step &s) const {
    return s.kind == step_kind::add_foreign_key &&
           std::find(m_indexed.begin(), m_indexed.end(), s.foreign_key->referenced_table) != m_indexed.end();
  }
  bool validated_key(const step &s) const { return s.kind == step_kind::add_foreign_key && m_plan.from.table(s.to_table->name); }

private:
  const plan &m_plan;
  std::vector<std::string> m_indexed;
};

std::string not_valid(std::string add_constraint) { return add_constraint.substr(0, add_constraint.size() - 1) + " NOT VALID;"; }

// The concurrent script of an online diff: indexes built without blocking writes, then the keys
// that needed them, then every NOT VALID key validated (ShareUpdateExclusiveLock: reads and writes go on).
std::string concurrent_part(const plan &p, const online_split &split) {
  std::string indexes, keys, validations;
  for (const auto &s : p.steps) {
    if (split.moved_index(s)) {
      std::string sql = create_index_sql(*s.to_table, *s.index);
      sql.insert(sql.find("INDEX ") + 6, "CONCURRENTLY ");
      indexes += (indexes.empty() ? "" : "\n") + std::string("-- CreateIndex\n") + sql + "\n";
    } else if (split.moved_key(s)) {
      const std::string sql = foreign_key_sql(*s.to_table, *s.foreign_key);
      keys += "\n-- AddForeignKey\n" + (split.validated_key(s) ? not_valid(sql) : sql) + "\n";
    }
    if (split.validated_key(s))
      validations += "\n-- ValidateForeignKey\nALTER TABLE " + quote(s.to_table->name) + " VALIDATE CONSTRAINT " + quote(s.foreign_key->name) + ";\n";
  }
  std::string out = indexes + keys + validations;
  return out.empty() || out[0] != '\n' ? out : out.substr(1);
}

}  // namespace

std::string render_postgres(const plan &p, std::string *concurrent) {
  const online_split split(p);
  if (concurrent) *concurrent = concurrent_part(p, split);
  std::string out;
  for (const auto &s : p.steps) {
    if (concurrent && (split.moved_index(s) || split.moved_key(s))) continue;
    std::string sql;
    switch (s.kind) {
      case step_kind::create_enum: sql = "CREATE TYPE " + quote(s.to_enum->name) + " AS ENUM " + quoted_values(s.to_enum->values) + ";"; break;
      case step_kind::alter_enum: sql = alter_enum(p, *s.from_enum, *s.to_enum); break;
      case step_kind::drop_foreign_key: sql = "ALTER TABLE " + quote(s.from_table->name) + " DROP CONSTRAINT " + quote(s.foreign_key->name) + ";"; break;
      case step_kind::drop_index: sql = "DROP INDEX " + quote(s.index->name) + ";"; break;
      case step_kind::alter_table: sql = alter_table(s); break;
      case step_kind::drop_enum: sql = "DROP TYPE " + quote(s.from_enum->name) + ";"; break;
      case step_kind::create_table: sql = create_table(*s.to_table); break;
      case step_kind::redefine_table: continue;  // SQLite only
      case step_kind::drop_table: sql = "DROP TABLE " + quote(s.from_table->name) + ";"; break;
      case step_kind::create_index: sql = create_index_sql(*s.to_table, *s.index); break;
      case step_kind::add_foreign_key:
        sql = foreign_key_sql(*s.to_table, *s.foreign_key);
        if (concurrent && split.validated_key(s)) sql = not_valid(sql);
        break;
      case step_kind::rename_index: sql = "ALTER INDEX " + quote(s.renamed_from->name) + " RENAME TO " + quote(s.index->name) + ";"; break;
    }
    out += (out.empty() ? "" : "\n") + std::string("-- ") + step_header(s.kind) + "\n" + sql + "\n";
  }
  return out;
}

}  // namespace carrierdb::ddl
