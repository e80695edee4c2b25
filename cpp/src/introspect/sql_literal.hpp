// sql_literal: recognising SQL literals in catalog text, shared by catalog_model.cpp (reading
// defaults back) and pull_columns.cpp (writing them as @default). Internal to introspect/.
#pragma once

#include <cctype>
#include <string>

namespace carrierdb::sql_literal {

/// A plain decimal numeral: an optional minus, digits, at most one point ("-1", "1.5"; not "1e3").
inline bool is_numeral(const std::string &s) {
  std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  bool digits = false, point = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) digits = true;
    else if (s[i] == '.' && !point) point = true;
    else return false;
  }
  return digits;
}

}  // namespace carrierdb::sql_literal
