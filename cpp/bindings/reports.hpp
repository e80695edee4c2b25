// The reports Python receives: each engine result with what only the binding knows about it.
#pragma once

#include <string>

#include "carrierdb/migrate/migrator.hpp"
#include "carrierdb/seed/seeder.hpp"

namespace carrierdb::bindings {

/// deploy_report and the operation that produced it ("deploy", "rollback" or "reset").
struct operation_report : deploy_report {
  std::string operation;
};

/// migration_status and what it describes: the migrations folder and the database (URL masked).
struct status_report : migration_status {
  std::string directory;
  std::string url;
};

/// seed_result and the file a lenient run wrote its rejected rows to (empty: none).
struct seed_report : seed_result {
  std::string rejects_path;
};

}  // namespace carrierdb::bindings
