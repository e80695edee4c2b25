// Native types: which @db.* type Prisma allows for which scalar on each provider, and the column
// type each field maps to, as Prisma's DDL writes it and as the catalog spells it.
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

// A field's column type in both spellings from one place: Prisma's DDL (what `migrate diff` writes)
// and the catalog's (format_type() on PostgreSQL, PRAGMA table_info on SQLite, lowercased), which
// drift compares. Keeping them together keeps what we create and what we check the same type.
column_type column_type_of(const field_def &f, const schema &s, backend_kind backend) {
  const auto arg = [&](std::size_t k, const char *fallback) { return f.native_args.size() > k ? f.native_args[k] : std::string(fallback); };
  const auto precision = [&](const std::string &base, const std::string &zone) {
    return base + (f.native_args.empty() ? "" : "(" + f.native_args[0] + ")") + zone;
  };
  const auto both = [](std::string ddl, std::string catalog) { return column_type{std::move(ddl), std::move(catalog)}; };
  const auto same = [](const std::string &upper) {
    std::string lower = upper;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return column_type{upper, lower};
  };
  if (backend == backend_kind::sqlite) {
    switch (f.type) {
      case scalar_type::int_: return same("INTEGER");
      case scalar_type::bigint:
        // SQLite counts only an INTEGER PRIMARY KEY (the rowid, 64-bit anyway): BIGINT ... AUTOINCREMENT is refused.
        if (f.id && f.default_ && f.default_->what == default_value::kind::autoincrement) return same("INTEGER");
        return same("BIGINT");
      case scalar_type::float_: return same("REAL");
      case scalar_type::decimal: return same("DECIMAL");
      case scalar_type::boolean: return same("BOOLEAN");
      case scalar_type::string:
      case scalar_type::enum_: return same("TEXT");
      case scalar_type::datetime: return same("DATETIME");
      case scalar_type::json: return same("JSONB");
      case scalar_type::bytes: return same("BLOB");
    }
  }
  const std::string &nt = f.native_type;
  column_type t;
  switch (f.type) {
    case scalar_type::int_: t = nt == "SmallInt" ? same("SMALLINT") : nt == "Oid" ? same("OID") : same("INTEGER"); break;
    case scalar_type::bigint: t = same("BIGINT"); break;
    case scalar_type::float_: t = nt == "Real" ? same("REAL") : same("DOUBLE PRECISION"); break;
    case scalar_type::decimal:  // a bare @db.Decimal is DECIMAL (any precision); no @db at all is DECIMAL(65,30)
      if (nt == "Money") t = same("MONEY");
      else if (nt == "Decimal" && f.native_args.empty()) t = both("DECIMAL", "numeric");
      else t = both("DECIMAL(" + arg(0, "65") + "," + arg(1, "30") + ")", "numeric(" + arg(0, "65") + "," + arg(1, "30") + ")");
      break;
    case scalar_type::boolean: t = same("BOOLEAN"); break;
    case scalar_type::string:
      if (nt == "VarChar") t = both(precision("VARCHAR", ""), precision("character varying", ""));
      else if (nt == "Char") t = both("CHAR(" + arg(0, "1") + ")", "character(" + arg(0, "1") + ")");
      else if (nt == "Bit") t = same("BIT(" + arg(0, "1") + ")");
      else if (nt == "VarBit") t = both(precision("VARBIT", ""), precision("bit varying", ""));
      else if (nt == "Uuid" || nt == "Xml" || nt == "Inet" || nt == "Citext") t = same([&] {
          std::string upper = nt;
          std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
          return upper;
        }());
      else t = same("TEXT");
      break;
    case scalar_type::datetime:
      // DateTime without @db is TIMESTAMP(3); a bare @db.Timestamp/Timestamptz takes the server's precision.
      if (nt == "Timestamptz") t = both(precision("TIMESTAMPTZ", ""), precision("timestamp", " with time zone"));
      else if (nt == "Timestamp") t = both(precision("TIMESTAMP", ""), precision("timestamp", " without time zone"));
      else if (nt == "Date") t = same("DATE");
      else if (nt == "Time") t = both(precision("TIME", ""), precision("time", " without time zone"));
      else if (nt == "Timetz") t = both(precision("TIMETZ", ""), precision("time", " with time zone"));
      else t = both("TIMESTAMP(3)", "timestamp(3) without time zone");
      break;
    case scalar_type::json: t = nt == "Json" ? same("JSON") : same("JSONB"); break;
    case scalar_type::bytes: t = same("BYTEA"); break;
    case scalar_type::enum_: {
      const enum_def *e = s.enumeration(f.type_name);
      const std::string name = e ? e->db_name : f.type_name;
      t = both("\"" + name + "\"", name);
      break;
    }
  }
  if (f.list) t.ddl += "[]", t.catalog += "[]";
  return t;
}

std::string expected_column_type(const field_def &f, const schema &s, backend_kind backend) { return column_type_of(f, s, backend).catalog; }

}  // namespace carrierdb
