// operations: what every migration operation shares: the locked session, progress reported
// between migrations, and how a failure or a stop is told.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"
#include "carrierdb/migrate/migrator.hpp"

namespace carrierdb::migrate_internal {

using clock = std::chrono::steady_clock;

inline double seconds_since(clock::time_point start) { return std::chrono::duration<double>(clock::now() - start).count(); }

// What goes into `logs` of a failed attempt: enough to act on without the terminal output.
inline std::string failure_logs(const migration_file &m, const database_error &e, const std::string &file) {
  const diagnostics &d = e.diag();
  std::string logs = "Migration name: " + m.name + "\n\n";
  if (!d.sqlstate.empty()) logs += "Database error code: " + d.sqlstate + "\n\n";
  logs += "Database error:\n" + std::string(e.what()) + "\n";
  if (!d.statement.empty())
    logs += "\nFailing statement (line " + std::to_string(d.statement_line) + " of " + file + "):\n" + d.statement + "\n";
  return logs;
}

// Holds the migration lock for one operation; the work runs on a pooled connection.
// Where the lock lives in a transaction (PostgreSQL), that transaction stays open on a connection
// of its own, outside the pool, for the whole operation: through a transaction-mode pooler it
// keeps one server connection, and the lock ends with it, on every exit path and with a killed
// process. The history is read only once the lock is held. A read-only target is refused first,
// before the lock (whose file SQLite could not even create) and any change.
class locked_session {
public:
  locked_session(database &db, const migrator_options &options, const std::string &operation)
      : m_lease(refused_if_read_only(db.pool().acquire(), operation)) {
    if (m_lease->caps().transaction_locks) {
      m_lock_conn = open_connection(db.url(), db.options());
      m_lock = m_lock_conn->acquire_lock(k_prisma_lock_key, options.lock_timeout);
    } else {
      m_lock = m_lease->acquire_lock(k_prisma_lock_key, options.lock_timeout);
    }
    m_history.emplace(*m_lease, options.table);
  }
  connection &conn() { return *m_lease; }
  history_table &history() { return *m_history; }
  /// Ends the operation: releases the lock, throwing if that failed.
  void release() { m_lock->release(); }

private:
  static connection_pool::lease refused_if_read_only(connection_pool::lease lease, const std::string &operation) {
    lease->refuse_if_read_only(operation);
    return lease;
  }

  connection_pool::lease m_lease;           // declared first: destroyed last
  std::unique_ptr<connection> m_lock_conn;  // outlives m_lock, which may roll back on it
  std::unique_ptr<lock_handle> m_lock;
  std::optional<history_table> m_history;
};

inline void notify(const progress_callback &progress, std::size_t index, std::size_t total, const std::string &name, bool finished,
            double seconds) {
  if (progress) progress(migration_progress{index, total, name, finished, seconds});
}

// What a stop left behind besides the migration it interrupted: those completed before it.
inline std::string completed_before(const deploy_report &report, const std::string &done) {
  if (report.migrations.empty()) return "no migration had been " + done + " before the stop";
  return describe_migrations(report) + " had been " + done + " and recorded before the stop";
}

// Between migrations: reports progress, and honours a stop asked for (Ctrl-C, or the progress
// callback's) while no migration is under way, telling what was completed.
inline void notify_between(const progress_callback &progress, std::size_t index, std::size_t total, const std::string &name, bool finished,
                    double seconds, const deploy_report &report, const std::string &operation, const std::string &done) {
  try {
    check_interrupt();
    notify(progress, index, total, name, finished, seconds);
  } catch (const interrupted_error &e) {
    throw e.retold(operation + " was interrupted between migrations: " + completed_before(report, done), !report.migrations.empty(),
                   "run `carrierdb migrate " + operation + "` again to continue");
  }
}

// Runs a history write for a failed attempt; returns "" once it is written, else why it was not.
// The migration's own error is what the caller raises, so this one becomes part of its message.
inline std::string write_history(const std::function<void()> &write) {
  try {
    write();
    return {};
  } catch (const std::exception &e) {
    return e.what();
  }
}

inline migration_context context_for(const migration_file &m, const std::string &file) {
  migration_context ctx;
  ctx.migration = m.name;
  ctx.file = file;
  return ctx;
}

/// "at line 12 of <file>", or, for a failure no statement owns (the foreign-key check after the
/// last one, COMMIT), "after the last statement of <file>".
inline std::string where_failed(int line, const std::string &file) {
  return line > 0 ? "at line " + std::to_string(line) + " of " + file : "after the last statement of " + file;
}

}  // namespace carrierdb::migrate_internal
