// The PostgreSQL adapter's catalog queries: the tables, unique keys and enum types of the current schema (columns, primary
// and foreign keys, indexes: postgres_catalog_tables.cpp), its canonical snapshot (for comparing two states), secondary indexes dropped around a bulk load,
// and dropping every object for a reset.
#include "postgres_adapter.hpp"

namespace carrierdb::internal {

std::vector<std::string> postgres_connection::table_names() {
  std::vector<std::string> out;
  // Tables an extension owns (PostGIS's spatial_ref_sys, ...) are not the project's.
  for (const auto &row : query("SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
                               "AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                               "'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1", {}).rows)
    out.push_back(std::get<std::string>(row[0]));
  return out;
}

std::vector<std::vector<std::string>> postgres_connection::unique_keys(const std::string &table) {
  return index_keys(table, "i.indisunique AND NOT i.indisprimary");
}

// The keys of `table`'s indexes that meet `condition` (SQL on pg_index i), each as its columns in key order.
std::vector<std::vector<std::string>> postgres_connection::index_keys(const std::string &table, const std::string &condition) {
  const result r = query(
      "SELECT i.indexrelid::bigint, a.attname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
      "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true "
      "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
      "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = $1 AND " + condition +
          " ORDER BY i.indexrelid, k.ord",
      {table});
  std::vector<std::vector<std::string>> out;
  std::int64_t current = -1;
  for (const auto &row : r.rows) {
    const auto id = std::get<std::int64_t>(row[0]);
    if (id != current) out.emplace_back();
    current = id;
    out.back().push_back(std::get<std::string>(row[1]));
  }
  return out;
}

std::vector<std::string> postgres_connection::schema_snapshot() {
  static const char *const catalog = R"SQL(
    SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
           || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
     WHERE c.relnamespace = current_schema()::regnamespace
    UNION ALL
    SELECT 'index ' || tablename || ' ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()
    UNION ALL
    SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname
    UNION ALL
    SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = current_schema()
    UNION ALL
    SELECT 'sequence ' || sequencename FROM pg_sequences WHERE schemaname = current_schema()
    ORDER BY 1)SQL";
  std::vector<std::string> out;
  for (const auto &row : query(catalog, {}).rows) out.push_back(std::get<std::string>(row[0]));
  return out;
}

// Secondary indexes: not the primary key, and none that backs a constraint (unique, exclusion).
std::vector<std::string> postgres_connection::drop_secondary_indexes(const std::string &table) {
  return drop_listed_indexes(query(
      "SELECT x.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
      "JOIN pg_class x ON x.oid = i.indexrelid WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = $1 "
      "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
      {table}));
}

void postgres_connection::drop_all_objects() {
  // Object by object rather than DROP SCHEMA: the schema keeps its owner and grants.
  static const char *const listing = R"SQL(
    SELECT stmt FROM (
      SELECT 1 AS ord, c.oid, format('DROP VIEW IF EXISTS %I CASCADE', c.relname) AS stmt FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'v'
      UNION ALL
      SELECT 2, c.oid, format('DROP MATERIALIZED VIEW IF EXISTS %I CASCADE', c.relname) FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'm'
      UNION ALL
      SELECT 3, c.oid, format('DROP TABLE IF EXISTS %I CASCADE', c.relname) FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
      UNION ALL
      SELECT 4, c.oid, format('DROP SEQUENCE IF EXISTS %I CASCADE', c.relname) FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'
      UNION ALL
      SELECT 5, t.oid, format('DROP TYPE IF EXISTS %I CASCADE', t.typname) FROM pg_type t
        WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
      UNION ALL
      SELECT 6, p.oid, format('DROP ROUTINE IF EXISTS %I(%s) CASCADE', p.proname, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace
    ) s WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = s.oid AND d.deptype = 'e')
    ORDER BY ord)SQL";
  scoped_transaction tx(*this);
  for (const auto &row : query(listing, {}).rows) execute(std::get<std::string>(row[0]), {});
  tx.commit();
}

std::vector<enum_type_info> postgres_connection::enum_types() {
  std::vector<enum_type_info> out;
  for (const auto &row : query("SELECT t.typname::text, e.enumlabel::text FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid "
                               "WHERE t.typnamespace = current_schema()::regnamespace ORDER BY t.typname, e.enumsortorder", {}).rows) {
    const auto &name = std::get<std::string>(row[0]);
    if (out.empty() || out.back().name != name) out.push_back(enum_type_info{name, {}});
    out.back().values.push_back(std::get<std::string>(row[1]));
  }
  return out;
}

std::vector<enum_type_info> postgres_connection::value_list_checks(const std::string &) { return {}; }

}  // namespace carrierdb::internal
