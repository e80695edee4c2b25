// lock_tracer: reads pg_locks of the dry run's own session between the statements of a migration.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/migrate/lock_trace.hpp"

namespace carrierdb::migrate_internal {

/// Call begin() before a migration's script, before_statement() from execute_script's callback,
/// and end() after its last statement, before the savepoint is released (locks are compared with
/// those held before each statement, so everything stays inside the one dry-run transaction).
class lock_tracer {
public:
  /// Records which relations exist before the dry run: a lock on any other one is on a relation
  /// the migrations created.
  explicit lock_tracer(connection &conn);
  void begin(const std::string &migration, const std::string &file);
  void before_statement(const script_statement &statement);
  /// The migration's trace; `failure` (non-empty) marks it not traced, keeping what ran before.
  migration_locks end(const std::string &failure = {});

private:
  using lock_set = std::set<std::pair<std::string, std::string>>;  // (relation oid, mode)
  lock_set snapshot();
  void close_statement();

  connection &m_conn;
  std::set<std::string> m_existing;  // relation oids before the dry run
  std::map<std::string, std::string> m_names;  // oid -> regclass text
  migration_locks m_current;
  lock_set m_before;
  bool m_open = false;  // a statement awaits its after-snapshot
  std::vector<std::chrono::steady_clock::time_point> m_started;
};

}  // namespace carrierdb::migrate_internal
