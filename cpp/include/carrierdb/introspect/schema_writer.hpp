// schema_writer: `db pull`, a database read back (read_target_model) written as schema.prisma text:
// models, fields, native types, keys, indexes, enums and relations, with Prisma's names and @map /
// @@map where the database's names are not those.
#pragma once

#include <string>

#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/target_model.hpp"

namespace carrierdb {

/// What an earlier schema.prisma says that a database cannot: its datasource and generator blocks,
/// its model, field and enum names, its `///` doc comments and the order of its blocks and fields.
struct pull_basis {
  const schema *existing = nullptr;  // parsed; null when there is no file yet
  std::string text;                  // the file's text (its blocks and comments are kept from here)
};

/// schema.prisma text describing `db`, such that target_model::of(parse(text), db.backend) equals `db`.
/// Throws configuration_error when `db` has no table.
std::string write_schema(const target_model &db, const pull_basis &basis);

}  // namespace carrierdb
