// seed_history: the _carrierdb_seeds table, one row per applied seed run (as migrate/history is
// _prisma_migrations for migrations).
#pragma once

#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/seed/seeder.hpp"

namespace carrierdb {

/// Creates the history table `table` when it does not exist.
void create_seed_history(connection &c, const std::string &table);
/// Records one applied run (inside the run's transaction, so it commits with the rows).
void record_seed_run(connection &c, const std::string &table, const seed_result &r, const seed_options &options, double seconds);
/// Every recorded run, oldest first; empty when the table does not exist.
std::vector<seed_history_row> read_seed_history(connection &c, const std::string &table);

}  // namespace carrierdb
