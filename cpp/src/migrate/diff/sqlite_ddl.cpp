// sqlite_ddl: a plan as SQLite statements, as Prisma writes them (foreign keys inline in CREATE
// TABLE, INTEGER PRIMARY KEY AUTOINCREMENT), enum columns with the project's CHECK value list, and
// every change ALTER TABLE cannot make as SQLite's documented rebuild ("RedefineTables").
#include <algorithm>

#include "ddl_steps.hpp"

namespace carrierdb::ddl {

namespace {

std::string quoted(const std::string &value) {
  std::string out = "'";
  for (char ch : value) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

std::string column_sql(const target_table &t, const target_column &c) {
  std::string out = quote(c.name) + " " + c.type.ddl + (c.nullable ? "" : " NOT NULL");
  if (t.primary_key.size() == 1 && t.primary_key.front() == c.name) out += c.autoincrement ? " PRIMARY KEY AUTOINCREMENT" : " PRIMARY KEY";
  if (c.default_sql) out += " DEFAULT " + *c.default_sql;
  if (!c.check_values.empty()) {
    std::string values;
    for (const auto &v : c.check_values) values += (values.empty() ? "" : ", ") + quoted(v);
    out += " CHECK (" + quote(c.name) + " IN (" + values + "))";
  }
  return out;
}

std::string create_table(const target_table &t, const std::string &name) {
  std::vector<std::string> lines;
  for (const auto &c : t.columns) lines.push_back(column_sql(t, c));
  std::string out = "CREATE TABLE " + quote(name) + " (\n";
  for (std::size_t i = 0; i < lines.size(); ++i) out += "    " + lines[i] + (i + 1 < lines.size() || t.primary_key.size() > 1 || !t.foreign_keys.empty() ? ",\n" : "\n");
  std::vector<std::string> constraints;
  if (t.primary_key.size() > 1) {
    out += "\n";
    constraints.push_back("PRIMARY KEY " + column_list(t.primary_key));
  }
  for (const auto &k : t.foreign_keys)
    constraints.push_back("CONSTRAINT " + quote(k.name) + " FOREIGN KEY " + column_list(k.columns) + " REFERENCES " + quote(k.referenced_table) +
                          " " + column_list(k.referenced_columns) + " ON DELETE " + k.on_delete + " ON UPDATE " + k.on_update);
  for (std::size_t i = 0; i < constraints.size(); ++i) out += "    " + constraints[i] + (i + 1 < constraints.size() ? ",\n" : "\n");
  return out + ");";
}

// The rebuild of one table: a new table under a temporary name, the columns both versions have
// copied across (alphabetically, as Prisma lists them), the old table dropped, the new renamed into
// its place, and its indexes created again (DROP TABLE took them).
// An enum column's renamed values (plan::renames) are carried over by the copy's SELECT.
std::string redefine(const plan &p, const target_table &a, const target_table &b) {
  std::vector<std::string> copied;
  for (const auto &c : b.columns)
    if (a.column(c.name)) copied.push_back(c.name);
  std::sort(copied.begin(), copied.end());
  std::string list, select;
  for (const auto &name : copied) {
    list += (list.empty() ? "" : ", ") + quote(name);
    std::string cases;
    // The enum as either table names it: a SQLite database read back does not know the name.
    const target_column &old = *a.column(name);
    const auto renamed = [&](const std::string &v) {
      const std::string by_new = p.renamed(b.column(name)->enum_type, v);
      return by_new != v ? by_new : p.renamed(old.enum_type, v);
    };
    for (const auto &v : old.check_values)
      if (renamed(v) != v) cases += " WHEN " + quoted(v) + " THEN " + quoted(renamed(v));
    select += (select.empty() ? "" : ", ") + (cases.empty() ? quote(name) : "CASE " + quote(name) + cases + " ELSE " + quote(name) + " END");
  }
  const std::string fresh = "new_" + b.name;
  std::string out = create_table(b, fresh) + "\n";
  if (!copied.empty()) out += "INSERT INTO " + quote(fresh) + " (" + list + ") SELECT " + select + " FROM " + quote(a.name) + ";\n";
  out += "DROP TABLE " + quote(a.name) + ";\n";
  out += "ALTER TABLE " + quote(fresh) + " RENAME TO " + quote(b.name) + ";\n";
  for (const auto &i : b.indexes) out += create_index_sql(b, i) + "\n";
  return out;
}

}  // namespace

std::string render_sqlite(const plan &p) {
  std::string out;
  const auto block = [&](step_kind kind, const std::string &sql) { out += (out.empty() ? "" : "\n") + std::string("-- ") + step_header(kind) + "\n" + sql + "\n"; };
  for (std::size_t n = 0; n < p.steps.size(); ++n) {
    const step &s = p.steps[n];
    switch (s.kind) {
      case step_kind::create_enum:
      case step_kind::alter_enum:
      case step_kind::drop_enum:
      case step_kind::drop_foreign_key:  // SQLite has no enum types; keys change through a rebuild or go with their table
      case step_kind::add_foreign_key:
      case step_kind::rename_index: break;  // not planned for SQLite: a renamed index is dropped and created
      case step_kind::drop_index: block(s.kind, "DROP INDEX " + quote(s.index->name) + ";"); break;
      case step_kind::alter_table: {
        std::string sql;
        for (const auto &c : s.columns) sql += (sql.empty() ? "" : "\n") + std::string("ALTER TABLE ") + quote(s.to_table->name) + " ADD COLUMN " + column_sql(*s.to_table, *c.to) + ";";
        block(s.kind, sql);
        break;
      }
      case step_kind::create_table: block(s.kind, create_table(*s.to_table, s.to_table->name)); break;
      case step_kind::redefine_table: {
        // Prisma's pragmas, plus a foreign_key_check: inside carrierdb's migration transaction
        // foreign_keys=OFF has no effect, and defer_foreign_keys leaves the check to COMMIT.
        std::string sql = "PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n";
        for (; n < p.steps.size() && p.steps[n].kind == step_kind::redefine_table; ++n) sql += redefine(p, *p.steps[n].from_table, *p.steps[n].to_table);
        --n;
        block(s.kind, sql + "PRAGMA foreign_key_check;\nPRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF;");
        break;
      }
      case step_kind::drop_table: block(s.kind, "PRAGMA foreign_keys=off;\nDROP TABLE " + quote(s.from_table->name) + ";\nPRAGMA foreign_keys=on;"); break;
      case step_kind::create_index: block(s.kind, create_index_sql(*s.to_table, *s.index)); break;
    }
  }
  return out;
}

}  // namespace carrierdb::ddl
