// schema_push: `db push`, a schema's SQL applied to a database without writing a migration.
#pragma once

#include <cstdint>
#include <string>

#include "carrierdb/database.hpp"

namespace carrierdb {

/// Runs `script` on `db` in one transaction, as deploy runs a migration: SQLite's table rebuild
/// gets foreign keys off before BEGIN and a foreign_key_check before COMMIT. All or nothing: a
/// failing statement rolls everything back and raises migration_failed_error naming its line.
/// Refused on a read-only target. Returns the number of statements run.
std::int64_t push_script(database &db, const std::string &script);

}  // namespace carrierdb
