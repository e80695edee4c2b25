// The migration history table, in Prisma's exact `_prisma_migrations` layout on each backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/base/ids.hpp"

namespace carrierdb {

/// One attempt to apply a migration. finished_at and rolled_back_at both empty means failed
/// (or, for a non-transactional migration, interrupted); rolled_back_at set means it no longer
/// counts as applied. Timestamps are ISO-8601 UTC text ("" when NULL).
struct history_row {
  std::string id;
  std::string checksum;
  std::string finished_at;
  std::string migration_name;
  std::string logs;
  std::string rolled_back_at;
  std::string started_at;
  std::int64_t applied_steps_count = 0;

  bool finished() const { return !finished_at.empty(); }
  bool rolled_back() const { return !rolled_back_at.empty(); }
  bool failed() const { return !finished() && !rolled_back(); }
  bool applied() const { return finished() && !rolled_back(); }
};

/// Reads and writes the history table on one connection. Every write is one statement, so it
/// joins whatever transaction the connection has open.
class history_table {
public:
  history_table(connection &conn, std::string table_name);

  const std::string &name() const noexcept { return m_name; }
  bool exists();
  /// Creates the table in Prisma's layout for this backend, if missing.
  void create();
  /// All rows, ordered by started_at then id.
  std::vector<history_row> rows();

  /// A finished attempt (transactional migrations: written inside their transaction).
  void insert_finished(const std::string &name, const std::string &checksum, std::chrono::system_clock::time_point started,
                       std::int64_t steps);
  struct finished {
    std::string name, checksum;
    std::chrono::system_clock::time_point started;
    std::int64_t steps = 0;
  };
  /// insert_finished for each of `rows`, in few statements (a batch of migrations in one transaction).
  void insert_finished(const std::vector<finished> &rows);
  /// An attempt that has started but not finished (non-transactional migrations); returns its id.
  std::string insert_started(const std::string &name, const std::string &checksum, std::chrono::system_clock::time_point started);
  void mark_finished(const std::string &id, std::int64_t steps);
  /// A failed attempt with its error in logs.
  void insert_failed(const std::string &name, const std::string &checksum, std::chrono::system_clock::time_point started,
                     const std::string &logs);
  void mark_failed(const std::string &id, std::int64_t steps, const std::string &logs);
  /// Sets rolled_back_at on the applied rows of `name` (rollback) or its failed rows (resolve).
  std::int64_t mark_rolled_back(const std::string &name, bool failed_rows);

private:
  connection &m_conn;
  std::string m_name;
  std::string m_quoted;
};


}  // namespace carrierdb
