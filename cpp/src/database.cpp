// database: statement entry points with timing logs, and per-thread transactions with savepoints.
#include "carrierdb/database.hpp"

#include <chrono>
#include <algorithm>
#include <cstdio>

#include "carrierdb/error.hpp"
#include "carrierdb/log.hpp"
#include "carrierdb/utf8.hpp"

namespace carrierdb {

namespace {

std::string savepoint_name(int depth) { return "carrierdb_sp_" + std::to_string(depth); }

// The transaction a thread opened is gone although its block has not ended: SQLite rolls back the
// whole transaction (savepoints too) when a write in it is interrupted or fails badly. Statements
// must not carry on outside it (they would commit on their own), nor may its commit pretend.
[[noreturn]] void throw_transaction_lost() {
  throw operational_error("this thread's transaction is over: the database rolled it back (SQLite does so when a write in it is "
                          "interrupted, e.g. by Ctrl-C); nothing of it was written",
                          diagnostics{}, "leave the `with db.transaction()` block (it ends rolled back) and start again");
}

// commit() or rollback() of a lent transaction itself (database::lend_transaction): only its
// owner may end it.
[[noreturn]] void refuse_ending_lent(const char *operation) {
  throw programming_error(std::string(operation) + " of the migration's own transaction inside a data step: up(db) and down(db) run "
                              "inside it, and the migrator commits it or rolls it back",
                          diagnostics{}, "use `with db.transaction():` for a savepoint; raise an exception to fail the migration");
}

// This thread's entry in `transactions` (a database's, its mutex held), or the error that says
// `operation` needs one.
template <class Transactions>
auto own_transaction(Transactions &transactions, const char *operation) {
  const auto it = transactions.find(std::this_thread::get_id());
  if (it == transactions.end())
    throw programming_error(std::string(operation) + " without an open transaction", diagnostics{},
                            "call begin() first, or use `with db.transaction():`");
  return it;
}

// A thread that ends inside a transaction must not keep its connection (or, since thread ids
// are reused, hand its transaction to a later thread): this per-thread guard rolls it back.
struct thread_transactions {
  std::vector<std::weak_ptr<database>> open;
  ~thread_transactions() {
    const auto me = std::this_thread::get_id();
    for (auto &weak : open)
      if (auto db = weak.lock()) db->abandon_transaction(me);
  }
};
thread_local thread_transactions t_transactions;

// Text parameters must be UTF-8 on both backends: PostgreSQL refuses other bytes without naming
// the parameter, SQLite stores them and reads back mojibake. Refused before the statement runs.
void check_text_params(const params &args) {
  for (std::size_t k = 0; k < args.size(); ++k)
    if (const auto *s = std::get_if<std::string>(&args[k]))
      if (const std::size_t at = invalid_utf8_at(*s); at != std::string_view::npos) {
        diagnostics diag;
        diag.sqlstate = "22021";  // character_not_in_repertoire, as PostgreSQL reports it
        throw data_error("parameter $" + std::to_string(k + 1) + " is not valid UTF-8 at " + describe_invalid_utf8(*s, at), diag,
                         "pass text as UTF-8 (decode bytes from their real encoding, e.g. .decode('latin-1'), before passing them)");
      }
}

// Logs a statement's duration at DEBUG. Parameter values are never logged: they may be
// personal data or secrets.
class statement_timer {
public:
  statement_timer(const database_url &url, const std::string &sql, std::size_t param_count)
      : m_url(url), m_sql(sql), m_params(param_count), m_enabled(log_enabled(log_level::debug)) {
    if (m_enabled) m_start = std::chrono::steady_clock::now();
  }
  ~statement_timer() {
    if (!m_enabled) return;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_start).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", ms);
    std::string text = m_sql.size() > 500 ? m_sql.substr(0, 500) + "..." : m_sql;
    log(log_level::debug, std::string(buf) + " [" + to_string(m_url.kind()) + ", " + std::to_string(m_params) +
                              " params] " + text);
  }

private:
  const database_url &m_url;
  const std::string &m_sql;
  std::size_t m_params;
  bool m_enabled;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace

std::shared_ptr<database> database::open(const std::string &url, const connection_options &options) {
  auto db = std::make_shared<database>(database_url::parse(url), options);
  // Fail here, not at the first query: a bad URL or an unreachable server is reported at connect().
  db->m_pool.acquire();
  return db;
}

database::database(database_url url, connection_options options) : m_pool(std::move(url), std::move(options)) {}

capabilities database::caps() {
  return with_connection([](connection &c) { return c.caps(); });
}

std::string database::server_version() {
  return with_connection([](connection &c) { return c.server_version(); });
}

result database::query(const std::string &sql, const params &args) {
  check_text_params(args);
  statement_timer timer(url(), sql, args.size());
  return with_connection([&](connection &c) { return c.query(sql, args); });
}

std::int64_t database::execute(const std::string &sql, const params &args) {
  check_text_params(args);
  statement_timer timer(url(), sql, args.size());
  return with_connection([&](connection &c) { return c.execute(sql, args); });
}

void database::execute_script(const std::string &sql) {
  statement_timer timer(url(), sql, 0);
  with_connection([&](connection &c) { c.execute_script(sql); });
}

connection *database::pinned_connection() const {
  std::lock_guard<std::mutex> guard(m_tx_mutex);
  auto it = m_transactions.find(std::this_thread::get_id());
  if (it == m_transactions.end()) return nullptr;
  if (!it->second.conn().in_transaction()) throw_transaction_lost();
  return &it->second.conn();
}

int database::transaction_depth() const {
  std::lock_guard<std::mutex> guard(m_tx_mutex);
  auto it = m_transactions.find(std::this_thread::get_id());
  return it == m_transactions.end() ? 0 : it->second.depth;
}

void database::begin() {
  const auto me = std::this_thread::get_id();
  {
    std::unique_lock<std::mutex> lock(m_tx_mutex);
    auto it = m_transactions.find(me);
    if (it != m_transactions.end()) {
      thread_transaction &tx = it->second;
      connection &conn = tx.conn();
      const int depth = tx.depth + 1;
      lock.unlock();  // only this thread touches its own entry
      conn.savepoint(savepoint_name(depth));
      tx.depth = depth;
      return;
    }
  }
  auto lease = m_pool.acquire();
  lease->begin();
  {
    std::lock_guard<std::mutex> guard(m_tx_mutex);
    m_transactions.emplace(me, thread_transaction{std::move(lease), 1});
  }
  auto &open = t_transactions.open;
  open.erase(std::remove_if(open.begin(), open.end(), [](const std::weak_ptr<database> &w) { return w.expired(); }), open.end());
  if (std::none_of(open.begin(), open.end(), [this](const std::weak_ptr<database> &w) { return w.lock().get() == this; }))
    open.push_back(weak_from_this());
}

void database::abandon_transaction(std::thread::id thread) noexcept {
  thread_transaction finished;
  {
    std::lock_guard<std::mutex> guard(m_tx_mutex);
    auto it = m_transactions.find(thread);
    if (it == m_transactions.end()) return;
    finished = std::move(it->second);
    m_transactions.erase(it);
  }
  if (!finished.lent) finished.lease->rollback_or_discard();  // a lent one stays its owner's to end
}

void database::lend_transaction(connection &conn) {
  std::lock_guard<std::mutex> guard(m_tx_mutex);
  if (m_transactions.count(std::this_thread::get_id()))
    throw programming_error("a migration's data step cannot run while this thread has a transaction of its own open on the database",
                            diagnostics{}, "deploy outside `with db.transaction():`");
  thread_transaction lent;
  lent.depth = 1;
  lent.lent = &conn;
  m_transactions.emplace(std::this_thread::get_id(), std::move(lent));
}

connection *database::lent_connection() const {
  std::lock_guard<std::mutex> guard(m_tx_mutex);
  auto it = m_transactions.find(std::this_thread::get_id());
  return it == m_transactions.end() ? nullptr : it->second.lent;
}

void database::end_loan() noexcept {
  std::lock_guard<std::mutex> guard(m_tx_mutex);
  // Savepoints the borrower left open are the owner's to end with its transaction.
  m_transactions.erase(std::this_thread::get_id());
}


void database::commit() {
  std::unique_lock<std::mutex> lock(m_tx_mutex);
  const auto it = own_transaction(m_transactions, "commit()");
  thread_transaction &tx = it->second;
  if (!tx.conn().in_transaction()) {
    // Rolled back under the block (see throw_transaction_lost): end it here, and say so.
    if (--tx.depth == 0) {
      thread_transaction finished = std::move(tx);
      m_transactions.erase(it);
    }
    throw_transaction_lost();
  }
  if (tx.depth > 1) {
    connection &conn = tx.conn();
    lock.unlock();
    conn.release_savepoint(savepoint_name(tx.depth));
    --tx.depth;
    return;
  }
  if (tx.lent) refuse_ending_lent("commit()");
  // Unpin before COMMIT: if COMMIT fails (a deferred constraint, a lost connection) the
  // transaction is over either way, and the connection goes back (or is discarded).
  thread_transaction finished = std::move(tx);
  m_transactions.erase(it);
  lock.unlock();
  try {
    finished.lease->commit();
  } catch (...) {
    finished.lease->rollback_or_discard();  // the commit error is the one the caller needs to see
    throw;
  }
}

void database::rollback() {
  interrupt_shield shield;  // a rollback always runs, whatever stop was asked for
  std::unique_lock<std::mutex> lock(m_tx_mutex);
  const auto it = own_transaction(m_transactions, "rollback()");
  thread_transaction &tx = it->second;
  if (tx.depth > 1) {
    connection &conn = tx.conn();
    const int depth = tx.depth--;
    lock.unlock();
    if (!conn.in_transaction()) return;  // already rolled back as a whole (see throw_transaction_lost)
    conn.rollback_to_savepoint(savepoint_name(depth));
    conn.release_savepoint(savepoint_name(depth));
    return;
  }
  if (tx.lent) refuse_ending_lent("rollback()");
  thread_transaction finished = std::move(tx);
  m_transactions.erase(it);
  lock.unlock();
  finished.lease->rollback();
}

}  // namespace carrierdb
