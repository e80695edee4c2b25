// repository internals: clocks, generated ids and small record helpers the repository shares.
#include "repository_internals.hpp"

#include <openssl/rand.h>

#include <chrono>

#include "carrierdb/base/base64.hpp"
#include "carrierdb/schema/enum_values.hpp"
#include "carrierdb/schema/list_values.hpp"

namespace carrierdb::internal {

column_kind kind_for(const field_def &f) {
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: return column_kind::integer;
    case scalar_type::float_: return column_kind::real;
    case scalar_type::decimal: return column_kind::numeric;
    case scalar_type::boolean: return column_kind::boolean;
    case scalar_type::datetime: return column_kind::timestamp;
    case scalar_type::json: return column_kind::json;
    default: return column_kind::text;
  }
}

validation_issue argument_issue(const std::string &path, const std::string &code, const std::string &message) {
  validation_issue i;
  std::size_t start = 0;
  for (std::size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1) i.path.push_back(path.substr(start, dot - start));
  i.path.push_back(path.substr(start));
  i.code = code;
  i.message = message;
  return i;
}

validation_issue unknown_operator_issue(const std::string &at, const std::string &op, const std::string &kind, const std::string &known) {
  validation_issue i = argument_issue(at, "unrecognized_keys", "Unknown " + kind + " operator '" + op + "' (known: " + known + ")");
  i.options = {op};
  return i;
}

std::string all_of(const std::vector<std::string> &conditions) {
  if (conditions.empty()) return "1 = 1";
  std::string out;
  for (const auto &c : conditions) out += (out.empty() ? "" : " AND ") + c;
  return conditions.size() == 1 ? out : "(" + out + ")";
}

std::string display(const value &v) {
  if (is_null(v)) return "null";
  if (auto s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (auto d = std::get_if<double>(&v)) return std::to_string(*d);
  if (auto bytes = std::get_if<byte_string>(&v)) return "base64:" + base64_encode(bytes->octets);
  return list_json_text(std::get<value_list>(v));
}

const value *find_value(const record &data, const std::string &name) {
  for (const auto &[k, v] : data)
    if (k == name) return &v;
  return nullptr;
}

void enums_from_database(const schema &s, const std::vector<const field_def *> &fields, result &r) {
  for (std::size_t k = 0; k < fields.size() && k < r.columns.size(); ++k) {
    const enum_def *e = fields[k] ? mapped_enum(s, *fields[k]) : nullptr;
    if (!e) continue;
    for (auto &row : r.rows) row[k] = enum_from_database(*e, std::move(row[k]));
  }
}

}  // namespace carrierdb::internal
