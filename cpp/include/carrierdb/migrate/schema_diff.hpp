// schema_diff: `migrate diff` between two schemas (or the empty database and a schema), as the
// SQL script Prisma would write for the dialect. Pure: reads no database.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/base/backend_kind.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/target_model.hpp"

namespace carrierdb {

/// An enum value renamed rather than removed and added: `ALTER TYPE ... RENAME VALUE` on PostgreSQL,
/// the rows' values carried over in SQLite's rebuild. Names as the database has them (the enum's
/// @@map and the values' @map; the schema's own names where nothing is mapped).
struct enum_value_rename {
  std::string enum_name, from, to;
};

struct schema_diff {
  std::vector<std::string> summary;   // one line per change, Prisma's wording ("Added table carriers")
  std::vector<std::string> warnings;  // data that may be lost or a step that may fail on existing rows
  std::string script;                 // the SQL, as `prisma migrate diff --script` prints it (no warnings)
  bool empty() const { return summary.empty(); }
  /// The warnings as the comment Prisma puts at the top of a migration file ("" when none).
  std::string warnings_comment() const;
};

/// The difference from `from` to `to` on `dialect`; a null schema is the empty database.
/// `renames` must each name an enum of both sides, a value only `from` has and one only `to` has
/// (configuration_error otherwise).
schema_diff diff_schemas(const schema *from, const schema *to, backend_kind dialect, const std::vector<enum_value_rename> &renames = {});
/// The same between two target models of one backend.
schema_diff diff_models(const target_model &from, const target_model &to, const std::vector<enum_value_rename> &renames = {});

}  // namespace carrierdb
