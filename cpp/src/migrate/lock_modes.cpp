// lock_mode_blocks(): PostgreSQL's table lock conflict table, told as what a user notices.
#include "carrierdb/migrate/lock_modes.hpp"

namespace carrierdb {

std::string lock_mode_blocks(std::string_view mode) {
  // Each line is the row of the conflict table in PostgreSQL's docs (13.3.1), read as statements.
  if (mode == "AccessShareLock") return "only ALTER TABLE, DROP TABLE, TRUNCATE, VACUUM FULL and other ACCESS EXCLUSIVE lockers";
  if (mode == "RowShareLock") return "only EXCLUSIVE and ACCESS EXCLUSIVE lockers (e.g. ALTER TABLE, REFRESH MATERIALIZED VIEW)";
  if (mode == "RowExclusiveLock") return "CREATE INDEX (non-concurrent), and SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE, ACCESS EXCLUSIVE lockers; not reads or writes";
  if (mode == "ShareUpdateExclusiveLock")
    return "VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT and stronger DDL; not reads or writes";
  if (mode == "ShareLock") return "all writes (INSERT, UPDATE, DELETE) and DDL; reads (SELECT) go on";
  if (mode == "ShareRowExclusiveLock") return "all writes (INSERT, UPDATE, DELETE) and DDL; reads (SELECT) go on";
  if (mode == "ExclusiveLock") return "all writes and SELECT ... FOR UPDATE/SHARE; only plain reads (SELECT) go on";
  if (mode == "AccessExclusiveLock") return "all reads and writes: every SELECT, INSERT, UPDATE, DELETE on the table waits";
  return "unknown lock mode " + std::string(mode) + ": see PostgreSQL's lock conflict table";
}

}  // namespace carrierdb
