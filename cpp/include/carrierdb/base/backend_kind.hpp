// backend_kind: which database a URL, a connection or a migration file is for.
#pragma once

namespace carrierdb {

enum class backend_kind { postgresql, sqlite };

/// "postgresql" or "sqlite", as migration_lock.toml and file variants spell it.
const char *to_string(backend_kind kind);

}  // namespace carrierdb
