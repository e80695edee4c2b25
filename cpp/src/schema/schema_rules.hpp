// Checks the schema parser runs after reading every block: native types, relations, suggestions.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/suggest.hpp"

namespace carrierdb::schema_rules {

/// Gives every field its kind and scalar type (models, enums, unsupported blocks by name) and
/// checks defaults, rules, keys and native types. Throws schema_error at the first problem, with a
/// "did you mean" for a misspelt type.
void resolve_fields(std::vector<model_def> &models, const std::vector<enum_def> &enums, const std::vector<unsupported_block> &unsupported,
                    const std::string &provider, const std::string &file);

/// Throws schema_error unless `field`'s @db.* type exists on `provider` and fits its scalar type
/// (Prisma's rule: @db.VarChar on a String, @db.SmallInt on an Int, ...).
void check_native_type(const field_def &field, const std::string &provider, const std::string &file);

/// Pairs every relation field with its opposite field, classifies the relation, checks
/// fields/references and applies Prisma's default referential actions. Throws schema_error at the
/// first problem Prisma's validator would report.
void resolve_relations(std::vector<model_def> &models, const std::string &provider, const std::string &file);

// Defined in suggest.cpp for the whole engine; the schema checks call it by this name too.
using ::carrierdb::did_you_mean;

}  // namespace carrierdb::schema_rules
