// Values that cross the adapter boundary: statement parameters and result cells.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace carrierdb {

struct value;

/// Raw octets (Prisma's Bytes). Kept apart from std::string, which is text and must be UTF-8:
/// PostgreSQL takes them as bytea, SQLite as a BLOB, Python as `bytes`.
struct byte_string {
  std::string octets;
  bool operator==(const byte_string &o) const { return octets == o.octets; }
  bool operator!=(const byte_string &o) const { return octets != o.octets; }
  bool operator<(const byte_string &o) const { return octets < o.octets; }
};

/// A scalar list (PostgreSQL arrays: `String[]`, `Int[]`, ...): its elements in order, each a
/// scalar value or null. Lists do not nest (Prisma has no lists of lists).
struct value_list {
  std::vector<value> items;
};

/// One SQL value. Temporal, numeric and JSON values travel as text in the backend's own format;
/// `column_kind` in a result says how to read them back (for a list: how to read its elements).
/// A struct over the variant, not an alias, so that `value_list` can hold values.
struct value : std::variant<std::monostate, bool, std::int64_t, double, std::string, byte_string, value_list> {
  using variant::variant;
  using variant::operator=;
};
using params = std::vector<value>;

inline bool operator==(const value_list &a, const value_list &b) { return a.items == b.items; }
inline bool operator!=(const value_list &a, const value_list &b) { return !(a == b); }
inline bool operator<(const value_list &a, const value_list &b) { return a.items < b.items; }

inline bool is_null(const value &v) { return std::holds_alternative<std::monostate>(v); }

/// What a result column holds, so callers (the Python layer) can build the right objects.
enum class column_kind {
  text,
  integer,
  real,
  boolean,
  numeric,      // exact decimal, carried as text
  timestamp,    // without time zone, ISO-8601 text
  timestamptz,  // with time zone, ISO-8601 text with offset
  date,
  json,         // JSON document as text
  bytes,        // PostgreSQL bytea hex text
  other,
};

struct column {
  std::string name;
  column_kind kind = column_kind::text;
  std::uint32_t type_oid = 0;  // PostgreSQL's type oid (enums have their own; callers look them up); 0 on SQLite
  bool is_list = false;        // PostgreSQL arrays: each value is a list of `kind`
};

/// A materialised result: rows of values in column order, plus the affected-row count.
struct result {
  std::vector<column> columns;
  std::vector<std::vector<value>> rows;
  std::int64_t affected_rows = 0;
};

}  // namespace carrierdb
