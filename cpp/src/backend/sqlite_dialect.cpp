// sqlite_dialect: how SQL is spelled for SQLite: column types, timestamps as stored, text matching
// (LIKE folds ASCII case, so case-sensitive matching is GLOB).
#include "sqlite_adapter.hpp"

#include <nlohmann/json.hpp>

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

std::optional<std::string> sqlite_connection::any_of_sql(const std::vector<std::string> &exprs, const std::vector<std::string> &,
                                                       const std::vector<const std::vector<value> *> &rows,
                                                       const std::vector<std::size_t> &at, params &args) const {
  // One JSON array (of arrays, for a key of several columns), unpacked by json_each: each key
  // column's affinity applies to the unpacked values, as it would to an IN list.
  if (exprs.empty() || exprs.size() != at.size()) return std::nullopt;
  nlohmann::json array = nlohmann::json::array();
  for (const auto *row : rows) {
    nlohmann::json key = nlohmann::json::array();
    for (std::size_t k : at) {
      const value &v = (*row)[k];
      if (const auto *n = std::get_if<std::int64_t>(&v)) key.push_back(*n);
      else if (const auto *text = std::get_if<std::string>(&v)) key.push_back(*text);
      else return std::nullopt;
    }
    array.push_back(at.size() == 1 ? key[0] : key);
  }
  try {
    args.emplace_back(array.dump());
  } catch (const nlohmann::json::exception &) {
    return std::nullopt;  // a key that is not UTF-8: listed by the caller instead
  }
  const std::string param = placeholder(args.size());
  if (exprs.size() == 1) return exprs[0] + " IN (SELECT value FROM json_each(" + param + "))";
  std::string lhs, parts;
  for (std::size_t k = 0; k < exprs.size(); ++k) {
    lhs += (k ? ", " : "") + exprs[k];
    parts += (k ? ", " : "") + std::string("json_extract(value, '$[") + std::to_string(k) + "]')";
  }
  return "(" + lhs + ") IN (SELECT " + parts + " FROM json_each(" + param + "))";
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
