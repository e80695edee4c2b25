// What `migrate deploy --dry-run --trace-locks` observed: per statement, the table locks it took
// (from pg_locks), what they block, and how long a deploy would hold them.
#pragma once

#include <string>
#include <vector>

namespace carrierdb {

/// One lock a statement took that the transaction did not hold before it.
struct traced_lock {
  std::string relation;  // as regclass prints it (schema-qualified when off the search_path)
  std::string mode;      // pg_locks' name, e.g. "AccessExclusiveLock"
  std::string blocks;    // lock_mode_blocks(mode)
  bool created = false;  // the relation was created in the dry run: no other session can see it yet
};

struct statement_locks {
  int line = 1;                     // in the migration's file
  std::string statement;            // its first line
  std::vector<traced_lock> locks;   // new after the statement, in pg_locks order
  double held_seconds = 0;          // from the statement's start to the end of its migration, when a
                                    // deploy commits and releases them
};

/// One pending migration of a traced dry run.
struct migration_locks {
  std::string migration;
  std::string file;
  bool traced = true;
  std::string not_traced;  // why not (runs outside a transaction, or an earlier migration fails)
  std::vector<statement_locks> statements;
};

}  // namespace carrierdb
