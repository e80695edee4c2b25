// one_transaction: deploy's `single_transaction` option. Internal to migrate/.
#pragma once

#include <vector>

#include "carrierdb/migrate/history.hpp"
#include "carrierdb/migrate/migrator.hpp"

namespace carrierdb::migrate_internal {

using migration_run = std::vector<const migration_file *>;

/// `pending` cut where a commit must come between two migrations: after one that adds a value to a
/// PostgreSQL enum (PostgreSQL refuses to use the value before it is committed), and around a SQLite
/// rebuild that turns foreign keys off (that must happen before BEGIN, and would take the ON DELETE
/// actions from the other migrations of its transaction). Each run can be one transaction.
std::vector<migration_run> one_transaction_runs(const migration_run &pending, bool foreign_keys_pragma);

/// Whether every migration of `pending` can run in a transaction (no no-transaction directive, no
/// BEGIN/COMMIT of its own) and none has a data step (migration.py runs in its own migration's),
/// unless data steps are not run (`without_data_steps`: a shadow database's replay).
bool each_fits_a_transaction(const migration_run &pending, bool without_data_steps = false);

/// Every migration of `run` (its SQL: data steps are for each_fits_a_transaction to rule out), with
/// its history row, in ONE transaction committed at the end: all of
/// them applied, or (a failure, a stop) none of them and nothing recorded. `before` says what earlier
/// runs of the same deploy committed ("" when none). Requires each_fits_a_transaction(run).
deploy_report apply_in_one_transaction(connection &conn, history_table &history, const migration_run &run, const deploy_options &options,
                                       const std::string &before = "");

}  // namespace carrierdb::migrate_internal
