// read_target_model(): the catalog, read through the adapter interface, as the target_model whose DDL
// would have made it. Where a catalog spells a thing otherwise than carrierdb's DDL writes it (types,
// defaults, counters, enum columns, key names), the spelling is turned back here, in one place.
#include "carrierdb/introspect/catalog_model.hpp"

#include <algorithm>
#include <cctype>

#include "sql_literal.hpp"

namespace carrierdb {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The text of `sql` split at its top-level occurrences of `separator` (outside quotes, parentheses
// and brackets), each part trimmed.
std::vector<std::string> split_top_level(const std::string &sql, const std::string &separator) {
  std::vector<std::string> parts(1);
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      quote = c == quote ? 0 : quote;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      --depth;
    } else if (depth == 0 && sql.compare(i, separator.size(), separator) == 0) {
      parts.emplace_back();
      i += separator.size() - 1;
      continue;
    }
    parts.back() += c;
  }
  for (auto &p : parts) {
    const auto b = p.find_first_not_of(' ');
    p = b == std::string::npos ? std::string() : p.substr(b, p.find_last_not_of(' ') - b + 1);
  }
  return parts;
}

// Whether `text` is only a type name ("text", "\"Status\"", "character varying(10)[]"), as after a cast.
bool is_type_name(const std::string &text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == ' ' || c == '"' || c == '(' || c == ')' || c == ',' || c == '[' || c == ']';
  });
}

// `expr` without the casts PostgreSQL's deparser adds ('x'::text, 'A'::"Status", '-1'::integer);
// a "::" followed by more than a type name is part of an expression and stays.
std::string without_casts(const std::string &expr) {
  const std::vector<std::string> parts = split_top_level(expr, "::");
  std::string out = parts.front();
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (!is_type_name(parts[i])) out += "::" + parts[i];
  return out;
}

bool numeric_ddl(const std::string &ddl) {
  for (const char *t : {"INTEGER", "SMALLINT", "BIGINT", "OID", "REAL", "DOUBLE PRECISION", "DECIMAL", "MONEY"})
    if (ddl == t || ddl.rfind(std::string(t) + "(", 0) == 0) return true;
  return false;
}

// PostgreSQL's format_type() spellings (lowercased, arguments removed) and the DDL carrierdb writes
// for them (native_types.cpp): the arguments go back after the DDL name ("numeric(10,2)" -> DECIMAL(10,2)).
constexpr std::pair<const char *, const char *> postgres_spellings[] = {
    {"integer", "INTEGER"}, {"smallint", "SMALLINT"}, {"bigint", "BIGINT"}, {"oid", "OID"}, {"real", "REAL"},
    {"double precision", "DOUBLE PRECISION"}, {"numeric", "DECIMAL"}, {"money", "MONEY"}, {"boolean", "BOOLEAN"},
    {"text", "TEXT"}, {"character varying", "VARCHAR"}, {"character", "CHAR"}, {"bpchar", "CHAR"}, {"bit", "BIT"},
    {"bit varying", "VARBIT"}, {"uuid", "UUID"}, {"xml", "XML"}, {"inet", "INET"}, {"citext", "CITEXT"},
    {"timestamp without time zone", "TIMESTAMP"}, {"timestamp with time zone", "TIMESTAMPTZ"}, {"date", "DATE"},
    {"time without time zone", "TIME"}, {"time with time zone", "TIMETZ"}, {"json", "JSON"}, {"jsonb", "JSONB"}, {"bytea", "BYTEA"},
};

// A PostgreSQL column's DDL type from its catalog spelling. The adapter lowercases and unquotes
// format_type(), so an enum type is found again by name, case-insensitively.
std::string postgres_ddl_type(std::string catalog, const std::vector<enum_type_info> &enums, std::string &enum_name) {
  std::string list;
  while (catalog.size() > 2 && catalog.compare(catalog.size() - 2, 2, "[]") == 0) list += "[]", catalog.resize(catalog.size() - 2);
  for (const auto &e : enums)
    if (e.name == catalog || lower(e.name) == catalog) {
      enum_name = e.name;
      return "\"" + e.name + "\"" + list;
    }
  std::string name = catalog, args;
  const auto open = catalog.find('(');
  if (open != std::string::npos) {
    const auto close = catalog.find(')', open);
    args = catalog.substr(open, close - open + 1);
    name = catalog.substr(0, open) + catalog.substr(close + 1);
  }
  for (const auto &[spelled, ddl] : postgres_spellings)
    if (name == spelled) return ddl + args + list;
  return upper(catalog) + list;  // a type carrierdb never writes: kept as the catalog names it
}

// A PostgreSQL default as carrierdb's DDL writes it. The deparser casts literals to the column's
// type ('ACTIVE'::"CarrierStatus", 'x'::text), quotes negative numbers ('-1'::integer) and types each
// array element (ARRAY['a'::text]); the DDL writes 'ACTIVE', 'x', -1 and ARRAY['a']::TEXT[].
std::optional<std::string> postgres_default(const std::string &sql, const std::string &ddl_type) {
  if (sql.empty()) return std::nullopt;
  std::string expr = without_casts(sql);
  if (expr == "now()") return std::string("CURRENT_TIMESTAMP");  // the same function; the DDL writes the SQL standard's name
  if (expr.rfind("ARRAY[", 0) == 0 && expr.back() == ']') {
    std::string elements;
    for (const auto &e : split_top_level(expr.substr(6, expr.size() - 7), ","))
      if (!e.empty()) elements += (elements.empty() ? "" : ", ") + without_casts(e);
    return "ARRAY[" + elements + "]::" + ddl_type;
  }
  // An empty ARRAY[]::TEXT[] is stored as the array text '{}'.
  if (expr == "'{}'" && ddl_type.size() > 2 && ddl_type.compare(ddl_type.size() - 2, 2, "[]") == 0) return "ARRAY[]::" + ddl_type;
  if (expr.size() >= 2 && expr.front() == '\'' && expr.back() == '\'' && numeric_ddl(ddl_type) && sql_literal::is_numeral(expr.substr(1, expr.size() - 2)))
    return expr.substr(1, expr.size() - 2);
  return expr;
}

const std::vector<std::string> *values_of(const std::vector<enum_type_info> &checks, const std::string &column) {
  for (const auto &c : checks)
    if (c.name == column) return &c.values;
  return nullptr;
}

target_table read_table(connection &conn, const table_catalog &catalog, const std::vector<enum_type_info> &enums) {
  const bool sqlite = !conn.caps().enum_types;
  const std::string &name = catalog.name;
  target_table t;
  t.name = name;
  const std::vector<enum_type_info> checks = sqlite ? conn.value_list_checks(name) : std::vector<enum_type_info>{};
  for (const auto &info : catalog.columns) {
    target_column c;
    c.name = info.name;
    c.nullable = info.nullable;
    c.autoincrement = info.auto_increment;
    c.type.catalog = info.type;
    if (sqlite) {
      // SQLite keeps the declared type as written; carrierdb writes it uppercase. An enum column is
      // TEXT with the enum's values in a CHECK; the enum's name is nowhere in the database.
      c.type.ddl = upper(info.type);
      if (!info.default_sql.empty()) c.default_sql = info.default_sql;
      if (const auto *values = values_of(checks, info.name)) c.check_values = *values;
    } else {
      c.type.ddl = postgres_ddl_type(info.type, enums, c.enum_type);
      // SERIAL is a sequence default: the counter is the column's autoincrement, not a default.
      if (!info.auto_increment) c.default_sql = postgres_default(info.default_sql, c.type.ddl);
    }
    t.columns.push_back(std::move(c));
  }
  t.primary_key = catalog.primary_key;
  // SQLite keeps no name for a primary key; carrierdb's target names it <table>_pkey there too.
  if (!t.primary_key.empty()) t.primary_key_name = catalog.primary_key_name;
  if (!t.primary_key.empty() && t.primary_key_name.empty()) t.primary_key_name = name + "_pkey";
  for (const auto &i : catalog.indexes) {
    // The DDL writes no USING for PostgreSQL's default method (and SQLite has only one).
    const std::string method = i.method.empty() || i.method == "btree" ? std::string() : upper(i.method);
    t.indexes.push_back(target_index{i.name, i.columns, i.descending, i.unique, method});
  }
  for (const auto &k : catalog.foreign_keys) {
    // SQLite keeps a foreign key's name only where CONSTRAINT "name" was written; one without is
    // read as the name a schema would give it (<table>_<columns>_fkey), as is a nameless primary key.
    std::string key_name = k.name;
    if (key_name.empty()) {
      key_name = name;
      for (const auto &c : k.columns) key_name += "_" + c;
      key_name += "_fkey";
    }
    t.foreign_keys.push_back(target_foreign_key{key_name, k.columns, k.referenced_table, k.referenced_columns, k.on_delete, k.on_update});
  }
  return t;
}

}  // namespace

target_model read_target_model(connection &conn, const std::vector<std::string> &ignore_tables) {
  target_model out;
  out.backend = conn.kind();
  const std::vector<enum_type_info> enums = conn.caps().enum_types ? conn.enum_types() : std::vector<enum_type_info>{};
  for (const auto &e : enums) out.enums.push_back(target_enum{e.name, e.values});
  std::vector<std::string> names;
  for (const auto &name : conn.table_names())
    if (std::find(ignore_tables.begin(), ignore_tables.end(), name) == ignore_tables.end()) names.push_back(name);
  for (const auto &catalog : conn.read_tables(names)) out.tables.push_back(read_table(conn, catalog, enums));
  return out;
}

}  // namespace carrierdb
