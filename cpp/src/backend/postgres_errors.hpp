// postgres_errors: what the server says about a failed statement, as carrierdb errors.
#pragma once

#include <string>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/error.hpp"

namespace carrierdb::internal {

/// Splits libpq's "ERROR:  text\nDETAIL:  text\nHINT:  text\nLINE 1: ..." into diagnostics
/// (constraint, table, key columns and values, the COPY line); the HINT goes to `server_hint`.
void parse_server_message(const std::string &message, diagnostics &diag, std::string &server_hint);

/// The one place SQLSTATE codes become carrierdb errors. `conn` says why a refused write was
/// refused (a hot standby, a read-only session).
[[noreturn]] void throw_sql_error(const std::string &message, const std::string &sqlstate, diagnostics diag, const connection &conn);

}  // namespace carrierdb::internal
