// Lookups on a parsed schema and the names of its enumerations.
#include "carrierdb/schema/schema.hpp"

#include "carrierdb/error.hpp"

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
    case scalar_type::bytes: return "Bytes";
    case scalar_type::enum_: return "enum";
  }
  return "?";
}

// Indexed by the enumerators, which are declared in this order.
const char *to_string(field_kind kind) {
  static const char *const names[] = {"scalar", "enum", "relation", "unsupported"};
  return names[static_cast<int>(kind)];
}

const char *to_string(referential_action action) {
  static const char *const names[] = {"Cascade", "Restrict", "NoAction", "SetNull", "SetDefault"};
  return names[static_cast<int>(action)];
}

const char *to_string(relation_kind kind) {
  static const char *const names[] = {"one_to_one", "one_to_many", "many_to_many"};
  return names[static_cast<int>(kind)];
}

std::vector<std::string> index_def::field_names() const {
  std::vector<std::string> out;
  for (const auto &f : fields) out.push_back(f.name);
  return out;
}

void unsupported_block::raise() const { throw schema_error(message, where.file, where.line, where.column, hint); }

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
  for (const auto &u : m_unsupported)
    if (u.name == name) u.raise();
  return nullptr;
}

const enum_def *schema::enumeration(const std::string &name) const {
  for (const auto &e : m_enums)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace carrierdb
