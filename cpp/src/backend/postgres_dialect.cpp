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

namespace {

// The keys at `at` as one array literal ({1,2} or {"a","b\\"c"}); nullopt for another type.
std::optional<std::string> array_literal(const std::vector<const std::vector<value> *> &rows, std::size_t at) {
  std::string literal = "{";
  for (const auto *row : rows) {
    const value &key = (*row)[at];
    if (literal.size() > 1) literal += ',';
    if (const auto *n = std::get_if<std::int64_t>(&key)) {
      literal += std::to_string(*n);
      continue;
    }
    const auto *text = std::get_if<std::string>(&key);
    if (!text) return std::nullopt;
    literal += '"';
    for (char c : *text) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

}  // namespace

std::optional<std::string> postgres_connection::any_of_sql(const std::vector<std::string> &exprs, const std::vector<std::string> &types,
                                                         const std::vector<const std::vector<value> *> &rows,
                                                         const std::vector<std::size_t> &at, params &args) const {
  if (exprs.empty() || exprs.size() != at.size() || (exprs.size() > 1 && types.size() != exprs.size())) return std::nullopt;
  std::vector<std::string> literals;
  for (std::size_t k = 0; k < at.size(); ++k) {
    auto literal = array_literal(rows, at[k]);
    if (!literal) return std::nullopt;
    literals.push_back(std::move(*literal));
  }
  // One key column: the server types the untyped parameter as an array of the column's own type,
  // so `= ANY` keeps using its index. Several: one typed array per column, unnested side by side.
  if (exprs.size() == 1) {
    args.emplace_back(std::move(literals[0]));
    return exprs[0] + " = ANY(" + placeholder(args.size()) + ")";
  }
  std::string lhs, arrays;
  for (std::size_t k = 0; k < exprs.size(); ++k) {
    args.emplace_back(std::move(literals[k]));
    lhs += (k ? ", " : "") + exprs[k];
    arrays += (k ? ", " : "") + placeholder(args.size()) + "::" + types[k] + "[]";
  }
  return "(" + lhs + ") IN (SELECT * FROM unnest(" + arrays + "))";
}

std::string postgres_connection::text_match_sql(const std::string &column_sql, text_match how, const std::string &needle,
                                                bool insensitive, params &args) const {
  // LIKE with backslash as the escape character (PostgreSQL's default).
  args.emplace_back(like_pattern(needle, how));
  return column_sql + (insensitive ? " ILIKE " : " LIKE ") + placeholder(args.size());
}

}  // namespace carrierdb::internal
