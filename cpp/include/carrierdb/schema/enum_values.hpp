// enum_values: an enum value's Prisma name and its database name (`ACTIVE @map("active")`).
#pragma once

#include "carrierdb/base/value.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// The enum of field `f`, when some of its values are stored under another name; else null
/// (nothing to translate, the common case, so callers can skip the work per value).
const enum_def *mapped_enum(const schema &s, const field_def &f);

/// A Prisma value name as the database stores it; anything else (null, an unknown name) unchanged.
value enum_to_database(const enum_def &e, value v);
/// A stored value as its Prisma name; anything else unchanged.
value enum_from_database(const enum_def &e, value v);

}  // namespace carrierdb
