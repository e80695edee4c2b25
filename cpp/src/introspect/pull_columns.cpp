// pull_columns: a column read back, as the Prisma type, @db.* attribute and @default that make
// carrierdb's DDL (native_types.cpp, target_model.cpp) write that column again; and the Prisma
// spellings of names. The inverse of column_type_of() and of target_model's default_sql.
#include <cctype>

#include "pull_parts.hpp"
#include "sql_literal.hpp"

namespace carrierdb::pull_parts {

namespace {

struct native_spelling {
  const char *ddl;          // carrierdb's DDL name, arguments removed
  const char *scalar;
  const char *native;       // the @db.* name; "" where the DDL type is the scalar's default
  const char *default_args; // where the scalar's default type is this one with these arguments ("(3)" for TIMESTAMP(3)): no @db then
};

// PostgreSQL: each DDL type column_type_of() writes, and what writes it.
constexpr native_spelling postgres_types[] = {
    {"INTEGER", "Int", "", ""}, {"SMALLINT", "Int", "SmallInt", nullptr}, {"OID", "Int", "Oid", nullptr}, {"BIGINT", "BigInt", "", ""},
    {"DOUBLE PRECISION", "Float", "", ""}, {"REAL", "Float", "Real", nullptr}, {"DECIMAL", "Decimal", "Decimal", "(65,30)"},
    {"MONEY", "Decimal", "Money", nullptr}, {"BOOLEAN", "Boolean", "", ""}, {"TEXT", "String", "", ""}, {"VARCHAR", "String", "VarChar", nullptr},
    {"CHAR", "String", "Char", nullptr}, {"BIT", "String", "Bit", nullptr}, {"VARBIT", "String", "VarBit", nullptr}, {"UUID", "String", "Uuid", nullptr},
    {"XML", "String", "Xml", nullptr}, {"INET", "String", "Inet", nullptr}, {"CITEXT", "String", "Citext", nullptr},
    {"TIMESTAMP", "DateTime", "Timestamp", "(3)"}, {"TIMESTAMPTZ", "DateTime", "Timestamptz", nullptr}, {"DATE", "DateTime", "Date", nullptr},
    {"TIME", "DateTime", "Time", nullptr}, {"TIMETZ", "DateTime", "Timetz", nullptr}, {"JSONB", "Json", "", ""}, {"JSON", "Json", "Json", nullptr},
    {"BYTEA", "Bytes", "", ""},
};

// SQLite: the declared types carrierdb writes per scalar (no native types there).
constexpr std::pair<const char *, const char *> sqlite_types[] = {
    {"INTEGER", "Int"}, {"BIGINT", "BigInt"}, {"REAL", "Float"}, {"DECIMAL", "Decimal"}, {"BOOLEAN", "Boolean"},
    {"TEXT", "String"}, {"DATETIME", "DateTime"}, {"JSONB", "Json"}, {"BLOB", "Bytes"},
};

bool has(const std::string &text, const char *part) { return text.find(part) != std::string::npos; }

// "(10,2)" -> "(10, 2)", as Prisma formats arguments.
std::string spaced(const std::string &args) {
  std::string out;
  for (char c : args) out += c == ',' ? std::string(", ") : std::string(1, c);
  return out;
}

// 'it''s' -> it's; nullopt-like "" with ok=false when `sql` is not one quoted literal.
bool unquote(const std::string &sql, std::string &out) {
  if (sql.size() < 2 || sql.front() != '\'' || sql.back() != '\'') return false;
  out.clear();
  for (std::size_t i = 1; i + 1 < sql.size(); ++i) {
    if (sql[i] == '\'') {
      if (sql[i + 1] != '\'' || i + 2 >= sql.size()) return false;  // a quote inside ends the literal early: an expression
      ++i;
    }
    out += sql[i];
  }
  return true;
}

// One literal of a default as Prisma writes it for scalar `t` ("" when it has no such literal).
std::string literal(const std::string &sql, const prisma_type &t, const std::function<std::string(const std::string &)> &enum_value) {
  std::string text;
  const bool numeric = t.scalar == "Int" || t.scalar == "BigInt" || t.scalar == "Float" || t.scalar == "Decimal";
  if (t.is_enum) return unquote(sql, text) ? enum_value(text) : std::string();
  if (numeric) return sql_literal::is_numeral(sql) ? sql : std::string();
  if (t.scalar == "Boolean") return sql == "true" || sql == "false" ? sql : std::string();
  // A DateTime literal is kept as the database spells it (dbgenerated); Bytes literals are base64 in Prisma.
  if (t.scalar == "String" || t.scalar == "Json") return unquote(sql, text) ? quoted(text) : std::string();
  return "";
}

}  // namespace

prisma_type prisma_type_of(const target_column &c, backend_kind backend) {
  prisma_type t;
  std::string ddl = c.type.ddl;
  if (ddl.size() > 2 && ddl.compare(ddl.size() - 2, 2, "[]") == 0) t.list = true, ddl.resize(ddl.size() - 2);
  if (backend == backend_kind::sqlite) {
    if (!c.check_values.empty() && ddl == "TEXT") {
      t.is_enum = true;  // the caller names the enum after the column
      return t;
    }
    for (const auto &[declared, scalar] : sqlite_types)
      if (ddl == declared) return t.scalar = scalar, t;
    // A type carrierdb does not write: the scalar SQLite's type affinity rules give it.
    t.scalar = has(ddl, "INT") ? "Int" : has(ddl, "CHAR") || has(ddl, "CLOB") || has(ddl, "TEXT") ? "String" : has(ddl, "BLOB") ? "Bytes"
               : has(ddl, "DATE") || has(ddl, "TIME") ? "DateTime"
               : has(ddl, "REAL") || has(ddl, "FLOA") || has(ddl, "DOUB") ? "Float" : "Decimal";
    return t;
  }
  if (!ddl.empty() && ddl.front() == '"') {
    t.is_enum = true;
    t.scalar = ddl.substr(1, ddl.size() - 2);
    return t;
  }
  std::string name = ddl, args;
  if (const auto open = ddl.find('('); open != std::string::npos) name = ddl.substr(0, open), args = ddl.substr(open);
  for (const auto &known : postgres_types) {
    if (name != known.ddl) continue;
    t.scalar = known.scalar;
    if (*known.native && (!known.default_args || args != known.default_args)) t.native = std::string("@db.") + known.native + spaced(args);
    return t;
  }
  t.unsupported = true;
  t.scalar = "Unsupported(" + quoted(c.type.catalog.empty() ? ddl : c.type.catalog) + ")";
  return t;
}

std::string default_argument(const target_column &c, const prisma_type &t, const std::function<std::string(const std::string &)> &enum_value) {
  if (c.autoincrement) return "autoincrement()";
  if (!c.default_sql) return "";
  const std::string &sql = *c.default_sql;
  if (sql == "CURRENT_TIMESTAMP" && t.scalar == "DateTime") return "now()";
  if (t.list && sql.rfind("ARRAY[", 0) == 0) {
    // ARRAY['a', 'b']::TEXT[] -> ["a", "b"]; elements are literals of the element type.
    const auto close = sql.rfind("]::");
    std::string items, item;
    bool ok = close != std::string::npos;
    const std::string inner = ok ? sql.substr(6, close - 6) : "";
    char quote = 0;
    const auto flush = [&] {
      const auto b = item.find_first_not_of(' ');
      const std::string trimmed = b == std::string::npos ? "" : item.substr(b, item.find_last_not_of(' ') - b + 1);
      const std::string lit = trimmed.empty() ? "" : literal(trimmed, t, enum_value);
      if (!trimmed.empty() && lit.empty()) ok = false;
      if (!lit.empty()) items += (items.empty() ? "" : ", ") + lit;
      item.clear();
    };
    for (char ch : inner) {
      if (quote) quote = ch == quote ? 0 : quote;
      else if (ch == '\'') quote = ch;
      else if (ch == ',') {
        flush();
        continue;
      }
      item += ch;
    }
    flush();
    if (ok) return "[" + items + "]";
  }
  if (!t.list) {
    const std::string lit = literal(sql, t, enum_value);
    if (!lit.empty()) return lit;
  }
  return "dbgenerated(" + quoted(sql) + ")";
}

std::string pascal_case(const std::string &name) {
  std::string out;
  bool up = true;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c)) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(c)) : ch;
    up = false;
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "M" + out;
  return out;
}

std::string camel_case(const std::string &name) {
  std::string out = pascal_case(name);
  // A leading run of capitals is one word ("ID" -> "id", "URLPath" -> "urlPath").
  std::size_t caps = 0;
  while (caps < out.size() && std::isupper(static_cast<unsigned char>(out[caps]))) ++caps;
  const std::size_t lower_to = caps > 1 && caps < out.size() ? caps - 1 : caps;
  for (std::size_t i = 0; i < lower_to; ++i) out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  return out;
}

std::string quoted(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace carrierdb::pull_parts
