// sqlite_dialect: how SQL is spelled for SQLite: column types, timestamps as stored, text matching
// (LIKE folds ASCII case, so case-sensitive matching is GLOB).
#include "sqlite_adapter.hpp"

namespace carrierdb::internal {

std::string sqlite_connection::sql_type(logical_type type, int) const {
  switch (type) {
    case logical_type::varchar:
    case logical_type::text: return "TEXT";
    case logical_type::integer: return "INTEGER";
    case logical_type::unsigned_integer: return "INTEGER UNSIGNED";
    case logical_type::bigint: return "BIGINT";
    case logical_type::timestamptz: return "DATETIME";
  }
  return "TEXT";
}

value sqlite_connection::timestamp_value(std::chrono::system_clock::time_point at) const {
  return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
}

std::string sqlite_connection::text_match_sql(const std::string &column_sql, text_match how, const std::string &needle,
                                              bool insensitive, params &args) const {
  std::string pattern;
  if (insensitive) {
    // LIKE folds ASCII letters only (SQLite without ICU).
    args.emplace_back(like_pattern(needle, how));
    return column_sql + " LIKE " + placeholder(args.size()) + " ESCAPE '\\'";
  }
  // SQLite's LIKE ignores ASCII case, so case-sensitive matching uses GLOB; its wildcards
  // are escaped by enclosing them in brackets.
  for (char c : needle) {
    if (c == '*' || c == '?' || c == '[') pattern += std::string("[") + c + "]";
    else pattern += c;
  }
  if (how != text_match::starts_with) pattern = "*" + pattern;
  if (how != text_match::ends_with) pattern += "*";
  args.emplace_back(std::move(pattern));
  return column_sql + " GLOB " + placeholder(args.size());
}

}  // namespace carrierdb::internal
