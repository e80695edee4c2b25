// schema_diff: `migrate diff` between two schemas (or the empty database and a schema), as the
// SQL script Prisma would write for the dialect. Pure: reads no database.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/base/backend_kind.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/target_model.hpp"

namespace carrierdb {

struct schema_diff {
  std::vector<std::string> summary;   // one line per change, Prisma's wording ("Added table carriers")
  std::vector<std::string> warnings;  // data that may be lost or a step that may fail on existing rows
  std::string script;                 // the SQL, as `prisma migrate diff --script` prints it (no warnings)
  bool empty() const { return summary.empty(); }
  /// The warnings as the comment Prisma puts at the top of a migration file ("" when none).
  std::string warnings_comment() const;
};

/// The difference from `from` to `to` on `dialect`; a null schema is the empty database.
schema_diff diff_schemas(const schema *from, const schema *to, backend_kind dialect);
/// The same between two target models of one backend.
schema_diff diff_models(const target_model &from, const target_model &to);

}  // namespace carrierdb
