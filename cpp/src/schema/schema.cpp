// Lookups on a parsed schema, and the column types fields map to on each backend.
#include "carrierdb/schema/schema.hpp"

#include <algorithm>
#include <cctype>

namespace carrierdb {

const char *to_string(scalar_type type) {
  switch (type) {
    case scalar_type::int_: return "Int";
    case scalar_type::bigint: return "BigInt";
    case scalar_type::float_: return "Float";
    case scalar_type::decimal: return "Decimal";
    case scalar_type::boolean: return "Boolean";
    case scalar_type::string: return "String";
    case scalar_type::datetime: return "DateTime";
    case scalar_type::json: return "Json";
    case scalar_type::enum_: return "enum";
  }
  return "?";
}

int field_def::max_length() const {
  if ((native_type == "VarChar" || native_type == "Char") && !native_args.empty()) {
    try {
      return std::stoi(native_args[0]);
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

const field_def *model_def::field(const std::string &name) const {
  for (const auto &f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

const field_def *model_def::field_by_column(const std::string &column) const {
  for (const auto &f : fields)
    if (f.column == column) return &f;
  return nullptr;
}

bool enum_def::contains(const std::string &value) const {
  return std::find(values.begin(), values.end(), value) != values.end();
}

const model_def *schema::model(const std::string &name) const {
  for (const auto &m : m_models)
    if (m.name == name) return &m;
  return nullptr;
}

const model_def *schema::model_by_accessor(const std::string &name) const {
  if (const model_def *m = model(name)) return m;
  for (const auto &m : m_models) {
    std::string accessor = m.name;
    if (!accessor.empty()) accessor[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(accessor[0])));
    if (accessor == name) return &m;
  }
  return nullptr;
}

const enum_def *schema::enumeration(const std::string &name) const {
  for (const auto &e : m_enums)
    if (e.name == name) return &e;
  return nullptr;
}

// Prisma's default native types, as information_schema (PostgreSQL) and PRAGMA table_info
// (SQLite) spell them, lowercased.
std::string expected_column_type(const field_def &f, const schema &s, backend_kind backend) {
  const auto arg = [&](std::size_t k, const char *fallback) { return f.native_args.size() > k ? f.native_args[k] : std::string(fallback); };
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
    }
  }
  const std::string &nt = f.native_type;
  switch (f.type) {
    case scalar_type::int_: return nt == "SmallInt" ? "smallint" : "integer";
    case scalar_type::bigint: return "bigint";
    case scalar_type::float_: return nt == "Real" ? "real" : "double precision";
    case scalar_type::decimal: return "numeric(" + arg(0, "65") + "," + arg(1, "30") + ")";
    case scalar_type::boolean: return "boolean";
    case scalar_type::string:
      if (nt == "VarChar") return f.native_args.empty() ? "character varying" : "character varying(" + arg(0, "") + ")";
      if (nt == "Char") return "character(" + arg(0, "1") + ")";
      if (nt == "Uuid") return "uuid";
      return "text";
    case scalar_type::datetime:
      if (nt == "Timestamptz") return "timestamp(" + arg(0, "3") + ") with time zone";
      if (nt == "Date") return "date";
      return "timestamp(" + arg(0, "3") + ") without time zone";
    case scalar_type::json: return nt == "Json" ? "json" : "jsonb";
    case scalar_type::enum_: {
      const enum_def *e = s.enumeration(f.type_name);
      return e ? e->db_name : f.type_name;
    }
  }
  return "text";
}

}  // namespace carrierdb
