// one_transaction: deploy's `single_transaction` option. Internal to migrate/.
#pragma once

#include <vector>

#include "carrierdb/migrate/history.hpp"
#include "carrierdb/migrate/migrator.hpp"

namespace carrierdb::migrate_internal {

/// Whether `pending` can run as one transaction: each of them can run in one (no no-transaction
/// directive, no BEGIN/COMMIT of its own) and none has a data step (migration.py runs in the
/// transaction of its own migration).
bool fits_one_transaction(const std::vector<const migration_file *> &pending);

/// Every migration of `pending`, with its history row, in ONE transaction committed at the end: all
/// of them applied, or (a failure, a stop) none of them and nothing recorded. One commit instead of
/// one per migration, which is what replaying a history into a shadow database needs; Alembic's
/// default. Requires fits_one_transaction(pending).
deploy_report apply_in_one_transaction(connection &conn, history_table &history, const std::vector<const migration_file *> &pending,
                                       const deploy_options &options);

}  // namespace carrierdb::migrate_internal
