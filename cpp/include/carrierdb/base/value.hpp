// Values that cross the adapter boundary: statement parameters and result cells.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace carrierdb {

/// One SQL value. Temporal, numeric and JSON values travel as text in the backend's own format;
/// `column_kind` in a result says how to read them back.
using value = std::variant<std::monostate, bool, std::int64_t, double, std::string>;
using params = std::vector<value>;

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
};

/// A materialised result: rows of values in column order, plus the affected-row count.
struct result {
  std::vector<column> columns;
  std::vector<std::vector<value>> rows;
  std::int64_t affected_rows = 0;
};

}  // namespace carrierdb
