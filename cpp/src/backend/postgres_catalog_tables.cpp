// The PostgreSQL catalog read table by table and for the whole schema at once (read_tables): the
// same queries (postgres_catalog_sql.hpp) and the same row parsing for both.
#include <map>

#include "postgres_adapter.hpp"
#include "postgres_catalog_sql.hpp"

namespace carrierdb::internal {

namespace postgres_catalog_sql {

std::string columns(const std::string &tables) {
  return "SELECT c.relname::text, a.attname::text, lower(replace(format_type(a.atttypid, a.atttypmod), '\"', '')), NOT a.attnotnull, "
         "coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity <> '' FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
         "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
         "WHERE c.relnamespace = current_schema()::regnamespace AND " + tables + " AND a.attnum > 0 AND NOT a.attisdropped "
         "ORDER BY c.relname, a.attnum";
}

std::string primary_keys(const std::string &tables) {
  return "SELECT c.relname::text, k.conname::text, a.attname::text FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
         "JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord) ON true "
         "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum "
         "WHERE k.contype = 'p' AND c.relnamespace = current_schema()::regnamespace AND " + tables + " ORDER BY c.relname, u.ord";
}

std::string foreign_keys(const std::string &tables) {
  // pg_constraint's action codes, spelled as SQL writes them.
  const auto spelled = [](const std::string &code) {
    return "CASE " + code + " WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' "
           "ELSE 'NO ACTION' END";
  };
  return "SELECT c.relname::text, k.oid::bigint, k.conname::text, a.attname::text, rt.relname::text, ra.attname::text, " +
         spelled("k.confdeltype") + ", " + spelled("k.confupdtype") +
         " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class rt ON rt.oid = k.confrelid "
         "JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(attnum, refnum, ord) ON true "
         "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum "
         "JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.refnum "
         "WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace AND " + tables +
         " ORDER BY c.relname, k.conname, k.oid, u.ord";
}

std::string indexes(const std::string &tables) {
  // Key columns only (not INCLUDE ones); indoption bit 1 is DESC.
  return "SELECT c.relname::text, x.relname::text, coalesce(a.attname::text, ''), (i.indoption[(k.ord - 1)::int]::int & 1) = 1, "
         "i.indisunique, am.amname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid "
         "JOIN pg_am am ON am.oid = x.relam JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true "
         "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0 "
         "WHERE c.relnamespace = current_schema()::regnamespace AND " + tables + " AND NOT i.indisprimary "
         "AND k.ord <= i.indnkeyatts ORDER BY c.relname, x.relname, k.ord";
}

}  // namespace postgres_catalog_sql

namespace {

namespace sql = postgres_catalog_sql;

// `r`'s rows by table (their first column, then dropped): the per-table parsers below read the rest.
std::map<std::string, result> by_table(result r) {
  std::map<std::string, result> out;
  for (auto &row : r.rows) {
    auto &rows = out[std::get<std::string>(row[0])].rows;
    row.erase(row.begin());
    rows.push_back(std::move(row));
  }
  return out;
}

std::vector<column_info> columns_from_rows(const result &r) {
  std::vector<column_info> out;
  for (const auto &row : r.rows) {
    const auto &default_sql = std::get<std::string>(row[3]);
    out.push_back(column_info{std::get<std::string>(row[0]), std::get<std::string>(row[1]), std::get<bool>(row[2]), default_sql,
                              std::get<bool>(row[4]) || default_sql.rfind("nextval(", 0) == 0});
  }
  return out;
}

std::vector<index_info> indexes_from_rows(const result &r) {
  std::vector<index_info> out;
  for (const auto &row : r.rows) {
    const auto &name = std::get<std::string>(row[0]);
    if (out.empty() || out.back().name != name) {
      out.emplace_back();
      out.back().name = name;
      out.back().unique = std::get<bool>(row[3]);
      out.back().method = std::get<std::string>(row[4]);
    }
    out.back().columns.push_back(std::get<std::string>(row[1]));
    out.back().descending.push_back(std::get<bool>(row[2]));
  }
  return out;
}

// (constraint name, columns in key order); ("", {}) without a primary key.
std::pair<std::string, std::vector<std::string>> primary_key_from_rows(const result &r) {
  std::pair<std::string, std::vector<std::string>> out;
  for (const auto &row : r.rows) {
    out.first = std::get<std::string>(row[0]);
    out.second.push_back(std::get<std::string>(row[1]));
  }
  return out;
}

const result &rows_of(const std::map<std::string, result> &tables, const std::string &table) {
  static const result none;
  const auto found = tables.find(table);
  return found == tables.end() ? none : found->second;
}

}  // namespace

std::vector<column_info> postgres_connection::table_columns(const std::string &table) {
  return columns_from_rows(rows_of(by_table(query(sql::columns(sql::one_table), {table})), table));
}

std::vector<std::string> postgres_connection::primary_key(const std::string &table) {
  return primary_key_from_rows(rows_of(by_table(query(sql::primary_keys(sql::one_table), {table})), table)).second;
}

std::string postgres_connection::primary_key_name(const std::string &table) {
  return primary_key_from_rows(rows_of(by_table(query(sql::primary_keys(sql::one_table), {table})), table)).first;
}

std::vector<foreign_key_info> postgres_connection::foreign_keys(const std::string &table) {
  return foreign_keys_from_rows(rows_of(by_table(query(sql::foreign_keys(sql::one_table), {table})), table));
}

std::vector<index_info> postgres_connection::indexes(const std::string &table) {
  return indexes_from_rows(rows_of(by_table(query(sql::indexes(sql::one_table), {table})), table));
}

std::vector<table_catalog> postgres_connection::read_tables(const std::vector<std::string> &tables) {
  const auto columns = by_table(query(sql::columns(sql::every_table), {}));
  const auto keys = by_table(query(sql::primary_keys(sql::every_table), {}));
  const auto indexes = by_table(query(sql::indexes(sql::every_table), {}));
  const auto foreign_keys = by_table(query(sql::foreign_keys(sql::every_table), {}));
  std::vector<table_catalog> out;
  for (const auto &name : tables) {
    table_catalog t;
    t.name = name;
    t.columns = columns_from_rows(rows_of(columns, name));
    std::tie(t.primary_key_name, t.primary_key) = primary_key_from_rows(rows_of(keys, name));
    t.indexes = indexes_from_rows(rows_of(indexes, name));
    t.foreign_keys = foreign_keys_from_rows(rows_of(foreign_keys, name));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace carrierdb::internal
