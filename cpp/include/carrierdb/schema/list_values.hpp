// list_values: scalar lists (String[], Int[], Status[], ...) checked element by element, and their
// JSON text, the form seed files and Json fields carry them in.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/base/value.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// A value for list field `f` typed element by element: a list, or text holding a JSON array
/// (how CSV and JSON seed files carry lists). Each problem is an issue at `path` + the
/// element's index (`tags.2`); null elements are refused, as Prisma does. Null when an issue was added.
value coerce_list_value(const schema &s, const field_def &f, const value &v, const std::vector<std::string> &path,
                        std::vector<validation_issue> &issues);

/// A list as JSON array text: text elements as JSON strings, bytes as base64 strings.
std::string list_json_text(const value_list &list);

/// One element of a non-list field `f` typed (coerce_field_value without the list dispatch).
value coerce_scalar_value(const schema &s, const field_def &f, const value &v, const std::vector<std::string> &path,
                          std::vector<validation_issue> &issues);

}  // namespace carrierdb
