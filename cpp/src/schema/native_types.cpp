// Native types: which @db.* type Prisma allows for which scalar on each provider, and the column
// type each field maps to (what drift compares with the catalog).
#include <algorithm>
#include <cctype>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "schema_rules.hpp"

namespace carrierdb {

namespace {

struct native_type {
  const char *name;
  scalar_type scalar;
  int min_args, max_args;
};

// PostgreSQL's native types as Prisma's PostgreSQL connector lists them. SQLite has none.
constexpr native_type postgres_types[] = {
    {"Text", scalar_type::string, 0, 0}, {"Char", scalar_type::string, 0, 1}, {"VarChar", scalar_type::string, 0, 1},
    {"Bit", scalar_type::string, 0, 1}, {"VarBit", scalar_type::string, 0, 1}, {"Uuid", scalar_type::string, 0, 0}, {"Xml", scalar_type::string, 0, 0}, {"Inet", scalar_type::string, 0, 0}, {"Citext", scalar_type::string, 0, 0},
    {"Boolean", scalar_type::boolean, 0, 0},
    {"Integer", scalar_type::int_, 0, 0}, {"SmallInt", scalar_type::int_, 0, 0}, {"Oid", scalar_type::int_, 0, 0}, {"BigInt", scalar_type::bigint, 0, 0},
    {"DoublePrecision", scalar_type::float_, 0, 0}, {"Real", scalar_type::float_, 0, 0}, {"Decimal", scalar_type::decimal, 0, 2}, {"Money", scalar_type::decimal, 0, 0},
    {"Timestamp", scalar_type::datetime, 0, 1}, {"Timestamptz", scalar_type::datetime, 0, 1}, {"Date", scalar_type::datetime, 0, 0}, {"Time", scalar_type::datetime, 0, 1}, {"Timetz", scalar_type::datetime, 0, 1},
    {"Json", scalar_type::json, 0, 0}, {"JsonB", scalar_type::json, 0, 0}, {"ByteA", scalar_type::bytes, 0, 0},
};

const native_type *find_postgres_type(const std::string &name) {
  for (const auto &t : postgres_types)
    if (name == t.name) return &t;
  return nullptr;
}

}  // namespace

void schema_rules::check_native_type(const field_def &f, const std::string &provider, const std::string &file) {
  if (f.native_type.empty() || !f.is_column()) return;
  const source_location &w = f.where;
  if (provider == "sqlite")
    throw schema_error("native type @db." + f.native_type + " on field " + f.name + ": the sqlite provider has no native types", file,
                       w.line, w.column, "remove @db." + f.native_type + " (SQLite stores every " + f.type_name + " the same way)");
  const native_type *t = find_postgres_type(f.native_type);
  if (!t) {
    std::vector<std::string> names;
    for (const auto &known : postgres_types) names.emplace_back(known.name);
    throw schema_error("native type @db." + f.native_type + " is not supported by the postgresql provider" +
                           did_you_mean(f.native_type, names),
                       file, w.line, w.column);
  }
  if (t->scalar != f.type) {
    std::string fits;
    for (const auto &known : postgres_types)
      if (known.scalar == f.type) fits += std::string(fits.empty() ? "" : ", ") + "@db." + known.name;
    throw schema_error("native type " + f.native_type + " is not compatible with declared field type " + f.type_name +
                           " (field " + f.name + "): expected field type " + to_string(t->scalar) + ", found " + f.type_name,
                       file, w.line, w.column, fits.empty() ? "remove the @db attribute" : "for " + f.type_name + " use " + fits);
  }
  const int given = static_cast<int>(f.native_args.size());
  if (given < t->min_args || given > t->max_args || (f.native_type == "Decimal" && given == 1))
    throw schema_error("native type " + f.native_type + " takes " +
                           (f.native_type == "Decimal" ? std::string("0 or 2") : std::to_string(t->max_args)) +
                           " argument(s), found " + std::to_string(given),
                       file, w.line, w.column);
  for (const auto &arg : f.native_args)
    if (arg.empty() || !std::all_of(arg.begin(), arg.end(), [](unsigned char c) { return std::isdigit(c); }))
      throw schema_error("native type " + f.native_type + " expects whole-number arguments, found '" + arg + "'", file, w.line, w.column);
}

// Prisma's column types, as format_type() (PostgreSQL) and PRAGMA table_info (SQLite) spell
// them, lowercased.
std::string expected_column_type(const field_def &f, const schema &s, backend_kind backend) {
  const auto arg = [&](std::size_t k, const char *fallback) { return f.native_args.size() > k ? f.native_args[k] : std::string(fallback); };
  const auto precision = [&](const std::string &base, const std::string &zone) {
    return base + (f.native_args.empty() ? "" : "(" + f.native_args[0] + ")") + zone;
  };
  if (backend == backend_kind::sqlite) {
    switch (f.type) {
      case scalar_type::int_: return "integer";
      case scalar_type::bigint: return "bigint";
      case scalar_type::float_: return "real";
      case scalar_type::decimal: return "decimal";
      case scalar_type::boolean: return "boolean";
      case scalar_type::string:
      case scalar_type::enum_: return "text";
      case scalar_type::datetime: return "datetime";
      case scalar_type::json: return "jsonb";
      case scalar_type::bytes: return "blob";
    }
  }
  const std::string &nt = f.native_type;
  std::string base;
  switch (f.type) {
    case scalar_type::int_: base = nt == "SmallInt" ? "smallint" : nt == "Oid" ? "oid" : "integer"; break;
    case scalar_type::bigint: base = "bigint"; break;
    case scalar_type::float_: base = nt == "Real" ? "real" : "double precision"; break;
    case scalar_type::decimal:  // a bare @db.Decimal is DECIMAL (any precision); no @db at all is DECIMAL(65,30)
      base = nt == "Money" ? "money" : nt == "Decimal" && f.native_args.empty() ? "numeric" : "numeric(" + arg(0, "65") + "," + arg(1, "30") + ")";
      break;
    case scalar_type::boolean: base = "boolean"; break;
    case scalar_type::string:
      if (nt == "VarChar") base = precision("character varying", "");
      else if (nt == "Char") base = "character(" + arg(0, "1") + ")";
      else if (nt == "Bit") base = "bit(" + arg(0, "1") + ")";
      else if (nt == "VarBit") base = precision("bit varying", "");
      else if (nt == "Uuid" || nt == "Xml" || nt == "Inet" || nt == "Citext") base = [&] {
          std::string lower = nt;
          std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          return lower;
        }();
      else base = "text";
      break;
    case scalar_type::datetime:
      // DateTime without @db is TIMESTAMP(3); a bare @db.Timestamp/Timestamptz takes the server's precision.
      if (nt == "Timestamptz") base = precision("timestamp", " with time zone");
      else if (nt == "Timestamp") base = precision("timestamp", " without time zone");
      else if (nt == "Date") base = "date";
      else if (nt == "Time") base = precision("time", " without time zone");
      else if (nt == "Timetz") base = precision("time", " with time zone");
      else base = "timestamp(3) without time zone";
      break;
    case scalar_type::json: base = nt == "Json" ? "json" : "jsonb"; break;
    case scalar_type::bytes: base = "bytea"; break;
    case scalar_type::enum_: {
      const enum_def *e = s.enumeration(f.type_name);
      base = e ? e->db_name : f.type_name;
      break;
    }
  }
  return f.list ? base + "[]" : base;
}

}  // namespace carrierdb
