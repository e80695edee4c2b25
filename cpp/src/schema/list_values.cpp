// list_values: coercion of scalar lists element by element, and lists as JSON text.
#include "carrierdb/schema/list_values.hpp"

#include <nlohmann/json.hpp>

#include "carrierdb/base/base64.hpp"

namespace carrierdb {

namespace {

nlohmann::json to_json(const value &v) {
  if (is_null(v)) return nullptr;
  if (auto b = std::get_if<bool>(&v)) return *b;
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto bytes = std::get_if<byte_string>(&v)) return base64_encode(bytes->octets);
  if (auto l = std::get_if<value_list>(&v)) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto &item : l->items) out.push_back(to_json(item));
    return out;
  }
  return std::get<std::string>(v);
}

// A JSON array's elements as values; objects and arrays stay JSON text, and so does every
// element of a Json[] list (a Json value given as a string is JSON text).
value_list from_json(const nlohmann::json &array, bool json_elements) {
  value_list out;
  out.items.reserve(array.size());
  for (const auto &e : array) {
    if (e.is_null()) out.items.emplace_back(std::monostate{});
    else if (json_elements) out.items.emplace_back(e.dump());
    else if (e.is_boolean()) out.items.emplace_back(e.get<bool>());
    else if (e.is_number_integer()) out.items.emplace_back(e.get<std::int64_t>());
    else if (e.is_number()) out.items.emplace_back(e.get<double>());
    else if (e.is_string()) out.items.emplace_back(e.get<std::string>());
    else out.items.emplace_back(e.dump());
  }
  return out;
}

std::size_t code_points(const std::string &s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

validation_issue issue_at(const std::vector<std::string> &path, const char *code, const std::string &message) {
  validation_issue i;
  i.path = path;
  i.code = code;
  i.message = message;
  return i;
}

}  // namespace

std::string list_json_text(const value_list &list) { return to_json(list).dump(); }

value coerce_list_value(const schema &s, const field_def &f, const value &v, const std::vector<std::string> &path,
                        std::vector<validation_issue> &issues) {
  value_list given;
  if (auto l = std::get_if<value_list>(&v)) {
    given = *l;
    // A Json[] element given as a value is that JSON value (a str is a JSON string), as when the
    // list arrives as JSON text; only a single Json field takes a str as JSON text.
    if (f.type == scalar_type::json)
      for (auto &item : given.items)
        if (!is_null(item)) item = to_json(item).dump();
  } else if (auto text = std::get_if<std::string>(&v); text && nlohmann::json::accept(*text)) {
    const auto parsed = nlohmann::json::parse(*text);
    if (parsed.is_array()) {
      // Only a Json[] element may be a document; any other list's element is a plain value.
      bool documents = false;
      for (std::size_t k = 0; k < parsed.size() && f.type != scalar_type::json; ++k)
        if (parsed[k].is_object() || parsed[k].is_array()) {
          std::vector<std::string> at = path;
          at.push_back(std::to_string(k));
          auto i = issue_at(at, "invalid_type", std::string("Expected ") + to_string(f.type) + ", received " + (parsed[k].is_object() ? "object" : "array"));
          i.expected = to_string(f.type);
          i.received = parsed[k].is_object() ? "object" : "array";
          issues.push_back(i);
          documents = true;
        }
      if (documents) return value{};
      given = from_json(parsed, f.type == scalar_type::json);
    } else {
      auto i = issue_at(path, "invalid_type", "Expected array, received JSON that is not an array");
      i.expected = "array";
      i.received = parsed.is_object() ? "object" : "string";
      issues.push_back(i);
      return value{};
    }
  } else {
    const bool is_text = std::holds_alternative<std::string>(v);
    auto i = issue_at(path, "invalid_type",
                      is_text ? "Expected array (a list, or text holding a JSON array such as [\"a\", \"b\"])" : "Expected array");
    i.expected = "array";
    i.received = is_text ? "string" : std::holds_alternative<byte_string>(v) ? "bytes" : std::holds_alternative<bool>(v) ? "boolean" : "number";
    issues.push_back(i);
    return value{};
  }
  const std::size_t before = issues.size();
  value_list out;
  out.items.reserve(given.items.size());
  for (std::size_t k = 0; k < given.items.size(); ++k) {
    std::vector<std::string> at = path;
    at.push_back(std::to_string(k));
    const value &item = given.items[k];
    if (is_null(item)) {
      // Prisma's lists hold no nulls (the client refuses them); an absent list is the field's null.
      auto i = issue_at(at, "invalid_type", std::string("Expected ") + to_string(f.type) + ", received null (list elements cannot be null)");
      i.expected = to_string(f.type);
      i.received = "null";
      issues.push_back(i);
      continue;
    }
    value typed = coerce_scalar_value(s, f, item, at, issues);
    if (auto text = std::get_if<std::string>(&typed); text && f.type == scalar_type::string) {
      if (text->find('\0') != std::string::npos) {
        auto i = issue_at(at, "invalid_string", "String must not contain NUL characters");
        i.validation = "nul";
        issues.push_back(i);
      }
      if (const int limit = f.max_length(); limit > 0 && code_points(*text) > static_cast<std::size_t>(limit)) {
        auto i = issue_at(at, "too_big", "String must contain at most " + std::to_string(limit) + " character(s)");
        i.limit = std::to_string(limit);
        issues.push_back(i);
      }
    }
    out.items.push_back(std::move(typed));
  }
  if (issues.size() != before) return value{};
  return out;
}

}  // namespace carrierdb
