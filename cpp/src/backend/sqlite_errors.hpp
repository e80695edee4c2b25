// sqlite_errors: SQLite result codes as carrierdb errors.
#pragma once

#include <sqlite3.h>

#include <string>

#include "carrierdb/backend/connection.hpp"

namespace carrierdb::internal {

/// "SQLITE_BUSY" and the like, for diagnostics' sqlstate.
const char *code_name(int primary);

/// The one place SQLite result codes become carrierdb errors. `conn` names the database and says
/// why a refused write was refused.
[[noreturn]] void throw_sqlite_error(sqlite3 *db, int rc, const std::string &sql, const connection &conn);

}  // namespace carrierdb::internal
