// SQLite adapter entry point (private to the core: only this adapter sees sqlite3.h; the adapter
// class itself is declared in sqlite_adapter.hpp).
#pragma once

#include <memory>

#include "carrierdb/backend/connection.hpp"

namespace carrierdb::internal {

std::unique_ptr<connection> open_sqlite(const database_url &url, const connection_options &options);

}  // namespace carrierdb::internal
