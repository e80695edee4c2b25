// postgres_arrays: PostgreSQL's text forms of arrays and bytea, which parameters, COPY text and
// result cells share. No libpqxx here: the forms are plain text.
#pragma once

#include <string>

#include "carrierdb/base/value.hpp"

namespace carrierdb::internal {

/// bytea's hex text form ("\x0a1b") and back; text that is not hex form comes back unchanged.
std::string bytea_hex(const byte_string &b);
value bytea_from_hex(const std::string &text);
/// A list as an array literal ({1,2,NULL}, {"a","b \"c\""}): text and bytea elements quoted and
/// escaped, nulls as NULL. Throws data_error for a NUL inside text.
void append_array_literal(std::string &out, const value_list &list);
/// An array's text form -> a list whose elements are typed like cells of `element_kind`; text
/// that is not a one-dimensional array literal comes back unchanged.
value parse_array_literal(const std::string &text, column_kind element_kind);
/// A boolean or number as its text (t/f, digits), which needs no quoting or escaping anywhere;
/// false for every other value.
bool append_plain_text(std::string &out, const value &v);

}  // namespace carrierdb::internal
