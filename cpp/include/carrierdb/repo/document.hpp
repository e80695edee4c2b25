// document: a JSON-shaped tree (objects keep their key order) for filters and sort orders.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "carrierdb/base/value.hpp"

namespace carrierdb {

struct document {
  enum class kind { scalar, object, array } what = kind::scalar;
  value scalar;  // kind::scalar (monostate = null)
  std::vector<std::pair<std::string, document>> object;
  std::vector<document> array;

  static document of(value v) {
    document d;
    d.scalar = std::move(v);
    return d;
  }
  bool is_null() const { return what == kind::scalar && carrierdb::is_null(scalar); }
  const document *get(const std::string &key) const {
    for (const auto &[k, v] : object)
      if (k == key) return &v;
    return nullptr;
  }
};

}  // namespace carrierdb
