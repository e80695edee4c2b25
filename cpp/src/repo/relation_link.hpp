// relation_link: how the rows of a relation field's target join the rows of its model, read from the
// schema once, for relation filters (EXISTS subqueries) and include loading (batched lookups).
#pragma once

#include <string>
#include <vector>

#include "carrierdb/schema/schema.hpp"

namespace carrierdb::internal {

/// target.target_columns[k] = owner.owner_columns[k] for a direct relation (the foreign key in
/// either table); through an implicit many-to-many's join table: join.join_owner_column =
/// owner.owner_columns[0] and join.join_target_column = target.target_columns[0] (the ids).
struct relation_link {
  const model_def *target = nullptr;
  std::vector<std::string> owner_columns, owner_fields;
  std::vector<std::string> target_columns, target_fields;
  const join_table *join = nullptr;
  std::string join_owner_column, join_target_column;  // "A" or "B"
};

/// The link of relation field `f` of `owner`. Throws configuration_error when the schema does not
/// say how the two sides join (a relation the parser could not resolve).
relation_link link_of(const schema &s, const model_def &owner, const field_def &f);

}  // namespace carrierdb::internal
