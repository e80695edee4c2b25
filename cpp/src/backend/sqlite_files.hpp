// SQLite database files: whether the file can be opened or created, the name to open for a URL, and
// why a file cannot be written.
#pragma once

#include <string>

#include "carrierdb/backend/connection.hpp"

namespace carrierdb::internal {

/// Refuses, with a connection_error that says what to do, a database file that does not exist
/// (unless `create`), a directory that is missing or not accessible, or a file that would have to
/// be created in a directory that is not writable. SQLite's own message for these is "unable to open".
void check_sqlite_location(const std::string &path, const std::string &display, bool create);

/// What sqlite3_open_v2 gets for `url`: the path, or a file: URI when a parameter exists only
/// in URI form (immutable=1). `uri` says whether SQLITE_OPEN_URI is needed.
std::string sqlite_open_name(const database_url &url, bool &uri);

/// Why the file of `url` cannot be written, as far as the URL and the file system tell before a
/// write is tried; `opened_read_only` is what SQLite found when it opened the file (its
/// sqlite3_db_readonly). Root passes every permission check, so for root only a read-only mount shows.
read_only_state sqlite_read_only_reason(const database_url &url, bool opened_read_only);

}  // namespace carrierdb::internal
