// foreign_keys_off: a migration script that turns foreign keys off (SQLite's table rebuild, as
// Prisma and `migrate diff` write it) runs with them off from before its transaction begins.
// Internal to migrate/.
#pragma once

#include <string>

#include "carrierdb/backend/connection.hpp"

namespace carrierdb::internal {

/// SQLite ignores `PRAGMA foreign_keys=OFF` inside a transaction, so in carrierdb's migration
/// transaction a rebuild's DROP TABLE would fire the children's ON DELETE actions (CASCADE deletes
/// their rows, SET NULL empties them, RESTRICT refuses). SQLite's documented procedure turns them
/// off first, then checks with foreign_key_check before COMMIT: this guard does both.
/// Construct it before BEGIN; call check() before COMMIT; it turns enforcement back on when destroyed.
class foreign_keys_off {
public:
  foreign_keys_off(connection &conn, const std::string &script);
  ~foreign_keys_off();
  foreign_keys_off(const foreign_keys_off &) = delete;
  foreign_keys_off &operator=(const foreign_keys_off &) = delete;
  /// Throws foreign_key_violation naming the first row that references nothing, so the
  /// migration's transaction rolls back as for any failed statement.
  void check();

private:
  connection &m_conn;
  bool m_active = false;
};

/// The script has a `PRAGMA foreign_keys = OFF` statement (any case and spacing).
bool turns_foreign_keys_off(const std::string &script);

}  // namespace carrierdb::internal
