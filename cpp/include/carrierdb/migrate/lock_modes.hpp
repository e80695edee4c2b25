// PostgreSQL's table-level lock modes and what each one blocks, shared by `migrate lint` (the lock a
// statement will take) and `migrate deploy --dry-run --trace-locks` (the locks it took).
#pragma once

#include <string>
#include <string_view>

namespace carrierdb {

/// What other sessions cannot do while `mode` (as pg_locks names it, e.g. "ShareLock") is held on a
/// table, from the conflict table in PostgreSQL's documentation ("Explicit Locking"). An unknown
/// mode gives a sentence saying so, never an empty string.
std::string lock_mode_blocks(std::string_view mode);

}  // namespace carrierdb
