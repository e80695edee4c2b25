// SQLite database files: the name to open for a URL, and why a file cannot be written.
#pragma once

#include <string>

#include "carrierdb/backend/connection.hpp"

namespace carrierdb::internal {

/// What sqlite3_open_v2 gets for `url`: the path, or a file: URI when a parameter exists only
/// in URI form (immutable=1). `uri` says whether SQLITE_OPEN_URI is needed.
std::string sqlite_open_name(const database_url &url, bool &uri);

/// Why the file of `url` cannot be written, as far as the URL and the file system tell before a
/// write is tried; `opened_read_only` is what SQLite found when it opened the file (its
/// sqlite3_db_readonly). Root passes every permission check, so for root only a read-only mount shows.
read_only_state sqlite_read_only_reason(const database_url &url, bool opened_read_only);

}  // namespace carrierdb::internal
