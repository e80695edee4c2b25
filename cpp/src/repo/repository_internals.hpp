// repository internals: helpers the repository's source files share, and its run() template.
#pragma once

#include <cstdint>
#include <string>

#include "carrierdb/base/ids.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/repo/repository.hpp"

namespace carrierdb::internal {

/// How a field's values come back to the caller.
column_kind kind_for(const field_def &f);
/// A validation issue about a query argument (`where.x`, `orderBy.y`), path split at dots.
validation_issue argument_issue(const std::string &path, const std::string &code, const std::string &message);
/// An operator `op` the filter at `at` does not know; `known` lists those it does.
validation_issue unknown_operator_issue(const std::string &at, const std::string &op, const std::string &kind, const std::string &known);
/// Conditions joined with AND, in parentheses when there are several; "1 = 1" for none.
std::string all_of(const std::vector<std::string> &conditions);
/// A value as error messages show it ('text', 42, true, null).
std::string display(const value &v);
/// The value of field `name` in `data`, or null.
const value *find_value(const record &data, const std::string &name);
/// Enum values of `r` back to their Prisma names; `fields[k]` is column k's field (or null).
void enums_from_database(const schema &s, const std::vector<const field_def *> &fields, result &r);

}  // namespace carrierdb::internal

namespace carrierdb {

// Runs `work` on a connection; constraint errors come back named by the schema's fields.
template <class Work>
auto repository::run(const record &data, Work &&work) -> decltype(work(std::declval<connection &>())) {
  try {
    return m_db->with_connection(std::forward<Work>(work));
  } catch (const integrity_error &e) {
    rethrow_with_fields(e, data);
  }
}

}  // namespace carrierdb
