// join_columns: Prisma's rule for the sides of an implicit many-to-many join table.
#include "carrierdb/schema/join_columns.hpp"

namespace carrierdb {

std::string join_owner_column(const model_def &owner, const field_def &field) {
  const relation_info &r = *field.relation;
  const bool owns_a = r.join->model_a != r.join->model_b ? owner.name == r.join->model_a : field.name < r.back_field;
  return owns_a ? "A" : "B";
}

}  // namespace carrierdb
