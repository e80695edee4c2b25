// The PostgreSQL adapter's entry points for the rest of the core: opening a connection and libpq's
// URL parsing. Free of libpqxx; the adapter class itself is in postgres_adapter.hpp.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "carrierdb/backend/connection.hpp"

namespace carrierdb::internal {

/// `v` quoted for a libpq conninfo string ('...' with quotes and backslashes escaped).
std::string quote_conninfo_value(const std::string &v);

/// libpq's own parser for postgresql:// URIs and keyword strings. Throws configuration_error.
std::map<std::string, std::string> parse_postgres_url(const std::string &url);

/// One connection attempt; throws connection_error with `retryable()` semantics in its hint.
std::unique_ptr<connection> open_postgres(const database_url &url, const connection_options &options);

/// True when a failed attempt is worth repeating (server not up yet), false for a wrong
/// password, a missing database or role.
bool postgres_connect_error_is_transient(const std::string &libpq_message);

}  // namespace carrierdb::internal
