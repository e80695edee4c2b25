// doc_rules: the rules a field's /// comments carry (zod rules, carrierdb normalisers).
#pragma once

#include <string>

#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// Reads one `///` comment line of field `f` (its text after the slashes; `where` is the comment's
/// position): `@carrierdb.normalize(name)` adds a normaliser, `@zod.<type>.<rule>(...)...` adds
/// checked rules (regexes compiled), any other text is kept as documentation. Throws schema_error
/// at the offending column.
void read_doc_comment(field_def &f, const std::string &raw, const source_location &where);

}  // namespace carrierdb
