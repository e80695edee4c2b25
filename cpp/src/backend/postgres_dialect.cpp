// How SQL is spelled for PostgreSQL: column types, "now" and instants, NULL-safe equality and
// LIKE/ILIKE matching. Pure text: none of it talks to the server.
#include "carrierdb/time.hpp"
#include "postgres_adapter.hpp"

namespace carrierdb::internal {

std::string postgres_connection::sql_type(logical_type type, int length) const {
  switch (type) {
    case logical_type::varchar: return "VARCHAR(" + std::to_string(length) + ")";
    case logical_type::text: return "TEXT";
    case logical_type::integer:
    case logical_type::unsigned_integer: return "INTEGER";
    case logical_type::bigint: return "BIGINT";
    case logical_type::timestamptz: return "TIMESTAMPTZ";
  }
  return "TEXT";
}

std::string postgres_connection::current_timestamp_sql() const { return "now()"; }

value postgres_connection::timestamp_value(std::chrono::system_clock::time_point at) const {
  return format_utc(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count(), "+00");
}

std::string postgres_connection::null_safe_equal_sql(const std::string &a, const std::string &b) const {
  return a + " IS NOT DISTINCT FROM " + b;
}

std::optional<std::string> postgres_connection::any_of_sql(const std::string &expr, const std::vector<const value *> &keys,
                                                         params &args) const {
  // One array literal, sent as text: the server types the untyped parameter as an array of
  // `expr`'s own type, so `= ANY` keeps using the column's index.
  std::string literal = "{";
  for (const value *key : keys) {
    if (literal.size() > 1) literal += ',';
    if (const auto *n = std::get_if<std::int64_t>(key)) {
      literal += std::to_string(*n);
      continue;
    }
    const auto *text = std::get_if<std::string>(key);
    if (!text) return std::nullopt;
    literal += '"';
    for (char c : *text) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  args.emplace_back(literal + "}");
  return expr + " = ANY(" + placeholder(args.size()) + ")";
}

std::string postgres_connection::text_match_sql(const std::string &column_sql, text_match how, const std::string &needle,
                                                bool insensitive, params &args) const {
  // LIKE with backslash as the escape character (PostgreSQL's default).
  args.emplace_back(like_pattern(needle, how));
  return column_sql + (insensitive ? " ILIKE " : " LIKE ") + placeholder(args.size());
}

}  // namespace carrierdb::internal
