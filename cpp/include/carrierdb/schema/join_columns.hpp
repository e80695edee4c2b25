// join_columns: which column of an implicit many-to-many join table (Prisma's `_AToB`, columns A
// and B) holds the record owning a relation field, and which its related records.
#pragma once

#include <string>

#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// "A" or "B": the join table column holding the ids of the `owner` records whose list field
/// `field` (an implicit many-to-many) is read; the other column holds the related ids. Prisma's
/// rule (prisma-engines, parser-database relations.rs): the field on the model first in
/// alphabetical order owns A; for a self-relation, the field whose name sorts first (byte order).
std::string join_owner_column(const model_def &owner, const field_def &field);

}  // namespace carrierdb
