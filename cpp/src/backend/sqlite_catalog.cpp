// sqlite_catalog: what the database holds, read from sqlite_master and the table pragmas (table
// names, columns, keys, foreign keys, indexes, enum CHECKs, a comparable schema snapshot), and the
// drops that reset or rebuild it.
#include "sqlite_adapter.hpp"
#include "sqlite_table_sql.hpp"

#include <algorithm>
#include <cctype>

namespace carrierdb::internal {

namespace {

// Collapses runs of blanks so that equal definitions compare equal whatever their layout.
std::string normalise_sql(const std::string &sql) {
  std::string out;
  bool blank = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = true;
      continue;
    }
    if (blank && !out.empty() && c != ')' && c != ',' && out.back() != '(') out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

}  // namespace

std::vector<std::string> sqlite_connection::table_names() {
  std::vector<std::string> out;
  for (const auto &row :
       query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1", {}).rows)
    out.push_back(std::get<std::string>(row[0]));
  return out;
}

std::vector<column_info> sqlite_connection::table_columns(const std::string &table) {
  std::vector<column_info> out;
  const result r = query("SELECT name, lower(type), \"notnull\", coalesce(dflt_value, ''), pk FROM pragma_table_info($1)", {table});
  std::size_t key_columns = 0;
  for (const auto &row : r.rows) key_columns += std::get<std::int64_t>(row[4]) > 0;
  // A plain INTEGER PRIMARY KEY numbers rows too, but may reuse a deleted row's id: Prisma writes
  // AUTOINCREMENT for autoincrement() and leaves it out for an Int @id without a default.
  const bool autoincrement = key_columns == 1 && read_table_sql(create_sql(table)).autoincrement;
  for (const auto &row : r.rows) {
    // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever the declaration says.
    const bool rowid = std::get<std::int64_t>(row[4]) > 0 && std::get<std::string>(row[1]) == "integer";
    out.push_back(column_info{std::get<std::string>(row[0]), std::get<std::string>(row[1]),
                              !std::get<std::int64_t>(row[2]) && !rowid, std::get<std::string>(row[3]),
                              rowid && autoincrement});
  }
  return out;
}

std::vector<std::vector<std::string>> sqlite_connection::unique_keys(const std::string &table) {
  std::vector<std::vector<std::string>> out;
  const result indexes = query("SELECT name FROM pragma_index_list($1) WHERE \"unique\" AND origin <> 'pk' ORDER BY name", {table});
  for (const auto &row : indexes.rows) {
    std::vector<std::string> columns;
    for (const auto &c : query("SELECT name FROM pragma_index_info($1) ORDER BY seqno", {std::get<std::string>(row[0])}).rows)
      columns.push_back(std::get<std::string>(c[0]));
    out.push_back(columns);
  }
  return out;
}

std::vector<std::string> sqlite_connection::primary_key(const std::string &table) {
  std::vector<std::string> out;
  for (const auto &row : query("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk", {table}).rows)
    out.push_back(std::get<std::string>(row[0]));
  return out;
}

std::vector<foreign_key_info> sqlite_connection::foreign_keys(const std::string &table) {
  std::vector<foreign_key_info> out = foreign_keys_from_rows(query(
      "SELECT id, '', \"from\", \"table\", \"to\", on_delete, on_update FROM pragma_foreign_key_list($1) ORDER BY id, seq", {table}));
  const table_sql_facts facts = read_table_sql(create_sql(table));
  for (auto &fk : out) {
    // REFERENCES t without columns means t's primary key.
    if (std::find(fk.referenced_columns.begin(), fk.referenced_columns.end(), "") != fk.referenced_columns.end())
      fk.referenced_columns = primary_key(fk.referenced_table);
    for (const auto &named : facts.foreign_key_names)
      if (named.first == fk.columns) fk.name = named.second;
  }
  return out;
}

std::vector<index_info> sqlite_connection::indexes(const std::string &table) {
  std::vector<index_info> out;
  for (const auto &row : query("SELECT name, \"unique\" FROM pragma_index_list($1) WHERE origin <> 'pk' ORDER BY name", {table}).rows) {
    index_info index;
    index.name = std::get<std::string>(row[0]);
    index.unique = std::get<std::int64_t>(row[1]) != 0;
    for (const auto &c : query("SELECT name, \"desc\" FROM pragma_index_xinfo($1) WHERE key ORDER BY seqno", {index.name}).rows) {
      index.columns.push_back(is_null(c[0]) ? std::string() : std::get<std::string>(c[0]));
      index.descending.push_back(std::get<std::int64_t>(c[1]) != 0);
    }
    out.push_back(std::move(index));
  }
  return out;
}

std::vector<enum_type_info> sqlite_connection::enum_types() { return {}; }

std::vector<enum_type_info> sqlite_connection::value_list_checks(const std::string &table) {
  std::vector<enum_type_info> out;
  for (auto &[column, values] : read_table_sql(create_sql(table)).value_lists) out.push_back(enum_type_info{column, values});
  return out;
}

std::string sqlite_connection::create_sql(const std::string &table) {
  const result r = query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1", {table});
  return r.rows.empty() || is_null(r.rows[0][0]) ? std::string() : std::get<std::string>(r.rows[0][0]);
}

std::vector<std::string> sqlite_connection::schema_snapshot() {
  std::vector<std::string> out;
  const result objects = query(
      "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'", {});
  for (const auto &row : objects.rows) {
    const auto &type = std::get<std::string>(row[0]);
    const auto &name = std::get<std::string>(row[1]);
    out.push_back(type + " " + name + " " + normalise_sql(std::get<std::string>(row[3])));
    if (type != "table") continue;
    for (const auto &c : query("SELECT name, type, \"notnull\", coalesce(dflt_value, ''), pk FROM pragma_table_info($1)", {name}).rows)
      out.push_back("column " + name + "." + std::get<std::string>(c[0]) + " " + std::get<std::string>(c[1]) +
                    (std::get<std::int64_t>(c[2]) ? " not null" : " null") + " default " + std::get<std::string>(c[3]) +
                    " pk " + std::to_string(std::get<std::int64_t>(c[4])));
    for (const auto &i : query("SELECT name, \"unique\", origin, (SELECT group_concat(name, ',') FROM pragma_index_info(il.name)) "
                               "FROM pragma_index_list($1) il", {name}).rows)
      out.push_back("index " + name + " " + std::get<std::string>(i[0]) + (std::get<std::int64_t>(i[1]) ? " unique " : " ") +
                    std::get<std::string>(i[2]) + " (" + (is_null(i[3]) ? "" : std::get<std::string>(i[3])) + ")");
    for (const auto &f : query("SELECT \"table\", \"from\", coalesce(\"to\", ''), on_update, on_delete FROM pragma_foreign_key_list($1)", {name}).rows)
      out.push_back("foreign_key " + name + "." + std::get<std::string>(f[1]) + " -> " + std::get<std::string>(f[0]) + "." +
                    std::get<std::string>(f[2]) + " on update " + std::get<std::string>(f[3]) + " on delete " + std::get<std::string>(f[4]));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sqlite_connection::drop_secondary_indexes(const std::string &table) {
  // Indexes SQLite made for UNIQUE/PRIMARY KEY clauses have no SQL and stay. So does a unique
  // index a foreign key references (a composite key, or a key other than the primary one): without
  // it, every write to the table fails with "foreign key mismatch".
  return drop_listed_indexes(query(
      "SELECT m.name, m.sql FROM sqlite_master m WHERE m.type = 'index' AND m.tbl_name = $1 AND m.sql IS NOT NULL AND NOT EXISTS ("
      "SELECT 1 FROM pragma_index_list($1) l, pragma_index_info(m.name) c, sqlite_master t, pragma_foreign_key_list(t.name) k "
      "WHERE l.name = m.name AND l.\"unique\" = 1 AND t.type = 'table' AND k.\"table\" = $1 AND k.\"to\" = c.name)",
      {table}));
}

void sqlite_connection::drop_all_objects() {
  // Foreign keys off for the drop (it cannot change inside a transaction), and back on after it
  // whatever happens, also while a stop unwinds the reset.
  execute("PRAGMA foreign_keys = OFF", {});
  struct foreign_keys_back_on {
    sqlite_connection &conn;
    ~foreign_keys_back_on() {
      interrupt_shield shield;
      try {
        conn.execute("PRAGMA foreign_keys = ON", {});
      } catch (...) {
        conn.discard();  // never pooled with foreign keys off
      }
    }
  } restore{*this};
  scoped_transaction tx(*this);
  const result objects = query(
      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql IS NOT NULL "
      "ORDER BY CASE type WHEN 'trigger' THEN 1 WHEN 'view' THEN 2 WHEN 'index' THEN 3 ELSE 4 END",
      {});
  for (const auto &row : objects.rows) {
    std::string type = std::get<std::string>(row[0]);
    for (auto &ch : type) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    execute("DROP " + type + " IF EXISTS " + quote_identifier(std::get<std::string>(row[1])), {});
  }
  tx.commit();
}

}  // namespace carrierdb::internal
