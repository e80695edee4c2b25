// data_steps: how the migrator runs a folder's migration.py and tells its failures.
#pragma once

#include <chrono>

#include "carrierdb/migrate/data_steps.hpp"
#include "carrierdb/migrate/history.hpp"

namespace carrierdb::migrate_internal {

/// Runs `m`'s data step in `direction`, if it has one (down: only when migration.py defines
/// down(db), which the runner decides). Refuses when no runner was given (the C++ engine alone
/// cannot run Python).
void run_data_step(const data_step_runner &runner, const migration_file &m, data_step_direction direction, connection &conn);

/// Deploy: the data step of `m` failed and its transaction is rolled back. Records the failed
/// attempt (when the connection still allows it) and returns the error to raise.
migration_failed_error data_step_failed(connection &conn, history_table &history, const migration_file &m, const data_step_error &e,
                                        std::chrono::system_clock::time_point started);

/// Rollback: down(db) of `m` failed; its rollback was undone.
migration_failed_error down_step_failed(const migration_file &m, const data_step_error &e);

/// Dry run: "line N of <migration.py>: message".
std::string data_step_summary(const data_step_error &e);

}  // namespace carrierdb::migrate_internal
