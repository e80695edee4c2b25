// postgres_values: carrierdb values to and from PostgreSQL's text forms (results, parameters, COPY).
#pragma once

#include <pqxx/field>

#include <string>
#include <vector>

#include "carrierdb/base/value.hpp"
#include "carrierdb/error.hpp"
#include "numbers.hpp"
#include "postgres_arrays.hpp"

namespace carrierdb::internal {

inline column_kind kind_of_oid(unsigned oid) {
  switch (oid) {
    case 16: return column_kind::boolean;
    case 20: case 21: case 23: case 26: return column_kind::integer;
    case 700: case 701: return column_kind::real;
    case 1700: return column_kind::numeric;
    case 1114: case 1083: return column_kind::timestamp;    // timestamp, time
    case 1184: case 1266: return column_kind::timestamptz;  // timestamptz, timetz
    case 1082: return column_kind::date;
    case 114: case 3802: return column_kind::json;
    case 17: return column_kind::bytes;
    default: return column_kind::text;
  }
}

/// For an array type's oid, the kind of its elements (Prisma's scalar lists); false for others.
/// Arrays of enums have oids of their own: the repository reads those as text[].
inline bool array_element_kind(unsigned oid, column_kind &kind) {
  switch (oid) {
    case 1000: kind = column_kind::boolean; return true;
    case 1005: case 1007: case 1016: kind = column_kind::integer; return true;
    case 1021: case 1022: kind = column_kind::real; return true;
    case 1231: kind = column_kind::numeric; return true;
    case 1115: kind = column_kind::timestamp; return true;
    case 1185: kind = column_kind::timestamptz; return true;
    case 1182: kind = column_kind::date; return true;
    case 199: case 3807: kind = column_kind::json; return true;
    case 1001: kind = column_kind::bytes; return true;
    case 1009: case 1014: case 1015: case 2951: kind = column_kind::text; return true;
    default: return false;
  }
}

inline value cell(const pqxx::field &f, column_kind kind, bool array = false) {
  if (f.is_null()) return std::monostate{};
  const char *s = f.c_str();
  if (array) return parse_array_literal(std::string(s, f.size()), kind);
  switch (kind) {
    case column_kind::boolean: return s[0] == 't';
    case column_kind::integer: return static_cast<std::int64_t>(std::strtoll(s, nullptr, 10));
    case column_kind::real: return parse_double(s);
    case column_kind::bytes: return bytea_from_hex(std::string(s, f.size()));
    case column_kind::timestamp:
    case column_kind::timestamptz:
      // time and timetz ('12:30:00', '12:30:00+02'; a timestamp starts with its year): read as
      // Prisma reads DateTime @db.Time/@db.Timetz, that time on 1970-01-01.
      if (f.size() > 2 && s[2] == ':') return "1970-01-01 " + std::string(s, f.size());
      return std::string(s, f.size());
    default: return std::string(s, f.size());
  }
}

// Parameters travel as text; libpq takes NUL-terminated strings, so a NUL inside one would
// silently cut it short. PostgreSQL text cannot hold NUL anyway: refuse it clearly.
struct text_params {
  std::vector<std::string> storage;
  std::vector<const char *> pointers;

  explicit text_params(const params &args) {
    storage.reserve(args.size());
    pointers.reserve(args.size());
    for (std::size_t k = 0; k < args.size(); ++k) {
      const value &v = args[k];
      if (is_null(v)) {
        storage.emplace_back();
        continue;
      }
      if (auto b = std::get_if<bool>(&v)) storage.emplace_back(*b ? "true" : "false");
      else if (auto i = std::get_if<std::int64_t>(&v)) storage.emplace_back(std::to_string(*i));
      else if (auto d = std::get_if<double>(&v)) storage.emplace_back(format_double(*d));
      else if (auto b = std::get_if<byte_string>(&v)) storage.push_back(bytea_hex(*b));  // hex: no NUL reaches libpq
      else if (auto l = std::get_if<value_list>(&v)) {
        storage.emplace_back();
        append_array_literal(storage.back(), *l);
      } else {
        const auto &s = std::get<std::string>(v);
        if (s.find('\0') != std::string::npos) {
          diagnostics diag;
          diag.sqlstate = "22021";
          throw data_error("parameter $" + std::to_string(k + 1) + " contains a NUL byte, which PostgreSQL text cannot store",
                           diag, "remove NUL characters from the value");
        }
        storage.push_back(s);
      }
    }
    for (std::size_t k = 0; k < args.size(); ++k)
      pointers.push_back(is_null(args[k]) ? nullptr : storage[k].c_str());
  }
};

// Appends one field in COPY's text format: \N for NULL, and backslash, tab, newline and
// carriage return escaped.
inline void append_copy_field(std::string &line, const value &v) {
  if (is_null(v)) {
    line += "\\N";
    return;
  }
  if (append_plain_text(line, v)) return;
  std::string composed;  // bytea and arrays: their text form, then COPY's escapes like any text
  if (auto b = std::get_if<byte_string>(&v)) composed = bytea_hex(*b);
  else if (auto l = std::get_if<value_list>(&v)) append_array_literal(composed, *l);
  const auto &s = std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : composed;
  for (char c : s) {
    switch (c) {
      case '\\': line += "\\\\"; break;
      case '\t': line += "\\t"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      case '\0': {
        diagnostics diag;
        diag.sqlstate = "22021";
        throw data_error("a value contains a NUL byte, which PostgreSQL text cannot store", diag, "remove NUL characters from the value");
      }
      default: line += c;
    }
  }
}

}  // namespace carrierdb::internal
