// A database handle: a connection pool plus per-thread transactions with savepoint nesting.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/backend/pool.hpp"

namespace carrierdb {

/// Shared by every thread. Work outside a transaction takes any free connection; inside
/// `begin()`..`commit()` a thread keeps one connection, and nested `begin()` calls become
/// savepoints, so a block of work is all-or-nothing.
class database : public std::enable_shared_from_this<database> {
public:
  /// Parses `url`, opens one connection to prove the database is reachable, and keeps it.
  static std::shared_ptr<database> open(const std::string &url, const connection_options &options);

  database(database_url url, connection_options options);
  database(const database &) = delete;
  database &operator=(const database &) = delete;

  backend_kind kind() const noexcept { return m_pool.url().kind(); }
  const database_url &url() const noexcept { return m_pool.url(); }
  const connection_options &options() const noexcept { return m_pool.options(); }
  connection_pool &pool() noexcept { return m_pool; }
  capabilities caps();
  /// Statements run through this handle's connections (query/execute, including BEGIN/COMMIT).
  std::int64_t statements_run() const noexcept { return m_pool.statements_run(); }
  std::string server_version();

  result query(const std::string &sql, const params &args = {});
  std::int64_t execute(const std::string &sql, const params &args = {});
  void execute_script(const std::string &sql);

  /// Starts a transaction on this thread, or a savepoint inside the current one.
  void begin();
  /// Commits (or releases the innermost savepoint).
  void commit();
  /// Rolls back (or back to the innermost savepoint).
  void rollback();
  /// Nesting depth of this thread's transaction (0 outside one).
  int transaction_depth() const;

  /// Runs `work` on this thread's transaction connection, or on a leased one.
  template <class Work>
  auto with_connection(Work &&work) -> decltype(work(std::declval<connection &>())) {
    if (connection *pinned = pinned_connection()) return work(*pinned);
    auto lease = m_pool.acquire();
    return work(*lease);
  }

  void close() { m_pool.close_idle(); }

  /// Rolls back and releases the transaction `thread` left open (called when a thread ends).
  void abandon_transaction(std::thread::id thread) noexcept;

  /// Until end_loan(), this thread's statements and transactions run on `conn`, inside the
  /// transaction its owner (the migrator, for a migration's data step) holds open there:
  /// begin() sets savepoints, and commit() or rollback() of the owner's transaction itself is
  /// refused. Throws programming_error when this thread already has a transaction open here.
  void lend_transaction(connection &conn);
  /// Ends the loan: the connection and its transaction stay the owner's, untouched.
  void end_loan() noexcept;
  /// The connection lent to this thread, or null outside a loan.
  connection *lent_connection() const;

private:
  struct thread_transaction {
    connection_pool::lease lease;
    int depth = 0;
    connection *lent = nullptr;  // the owner's connection, instead of `lease`, during a loan
    connection &conn() const { return lent ? *lent : *lease; }
  };
  connection *pinned_connection() const;

  connection_pool m_pool;
  mutable std::mutex m_tx_mutex;
  std::unordered_map<std::thread::id, thread_transaction> m_transactions;
};

/// database::lend_transaction() for one scope.
class lent_transaction {
public:
  lent_transaction(database &db, connection &conn) : m_db(db) { db.lend_transaction(conn); }
  ~lent_transaction() { m_db.end_loan(); }
  lent_transaction(const lent_transaction &) = delete;
  lent_transaction &operator=(const lent_transaction &) = delete;

private:
  database &m_db;
};

/// database::begin() for one scope (a savepoint inside the thread's open transaction): rolled
/// back on destruction unless commit() succeeded. The rollback always runs; if it fails, the error
/// already unwinding is the one the caller sees.
class database_transaction {
public:
  explicit database_transaction(database &db) : m_db(db) { db.begin(); }
  ~database_transaction() {
    if (!m_open) return;
    try {
      m_db.rollback();
    } catch (...) {
    }
  }
  database_transaction(const database_transaction &) = delete;
  database_transaction &operator=(const database_transaction &) = delete;
  void commit() {
    m_db.commit();
    m_open = false;
  }

private:
  database &m_db;
  bool m_open = true;
};

}  // namespace carrierdb
