// column_plan: which columns a seed load writes and what the run does with each of them: the key
// that matches stored rows, the columns compared to recognise an unchanged row, the columns a
// merge overwrites, and the columns the run's clock fills.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "carrierdb/schema/field_roles.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb::seeding {

struct column_plan {
  std::vector<std::string> key;           // the seed key's fields
  std::vector<std::string> key_columns;   // their columns, in key order
  std::vector<const field_def *> fields;  // the load's columns: every field but autoincrement ids
  std::vector<std::string> columns;       // their column names, in the same order
  // Positions in `fields`, in field order:
  std::vector<std::size_t> key_positions;          // the key
  std::vector<std::size_t> compared_positions;     // neither key nor filled by the run's clock
  std::vector<std::size_t> overwritten_positions;  // what a merge sets on a stored row: neither key nor stamped at creation

  bool is_key(const std::string &field) const;
};

/// The plan of a load of `model` by `key` (empty: the model's first @unique field, else its first
/// @@unique set, else its id). Throws configuration_error naming `label` when a key field does not
/// exist or the key does not identify a record in the schema.
/// Whether `fields` are the @id, a @unique field or a @@unique set of `model`.
bool identifies_a_record(const model_def &model, const std::vector<std::string> &fields);

/// `left_out`: fields the load neither writes nor compares (foreign keys a second pass sets).
column_plan plan_columns(const model_def &model, std::vector<std::string> key, const std::string &label,
                         const std::vector<std::string> &left_out = {});

}  // namespace carrierdb::seeding
