// enum_values: translation between an enum value's Prisma name and its @map database name.
#include "carrierdb/schema/enum_values.hpp"

namespace carrierdb {

namespace {

// The same value under the name at the same position of `to`.
value translated(const std::vector<std::string> &from, const std::vector<std::string> &to, value v) {
  if (auto list = std::get_if<value_list>(&v)) {  // an enum list (Status[]): each element
    for (auto &item : list->items) item = translated(from, to, std::move(item));
    return v;
  }
  const std::string *s = std::get_if<std::string>(&v);
  if (!s) return v;
  for (std::size_t k = 0; k < from.size() && k < to.size(); ++k)
    if (from[k] == *s) return to[k];
  return v;
}

}  // namespace

const enum_def *mapped_enum(const schema &s, const field_def &f) {
  if (f.kind != field_kind::enum_) return nullptr;
  const enum_def *e = s.enumeration(f.type_name);
  if (!e || e->db_values.size() != e->values.size() || e->db_values == e->values) return nullptr;
  return e;
}

value enum_to_database(const enum_def &e, value v) { return translated(e.values, e.db_values, std::move(v)); }

value enum_from_database(const enum_def &e, value v) { return translated(e.db_values, e.values, std::move(v)); }

}  // namespace carrierdb
