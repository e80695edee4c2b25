// The PostgreSQL adapter's advisory locks: taking the migration lock (transaction-level, so it
// survives a transaction-mode pooler), naming its holder on a timeout, and releasing it.
#include <algorithm>

#include "postgres_adapter.hpp"

namespace carrierdb::internal {

namespace {

// A transaction-level advisory lock. A session lock taken through a transaction-mode pooler
// stays on whichever server connection ran that statement, long after this client moved on, and
// no other server connection can release it; a transaction-level lock lives exactly as long as
// its transaction, which the pooler keeps on one server connection, and dies with COMMIT,
// ROLLBACK or the client's disconnect. It conflicts with Prisma's session lock on the same key.
class postgres_xact_lock final : public lock_handle {
public:
  // `owns_transaction`: the transaction was opened to hold the lock and ends with release().
  postgres_xact_lock(connection &conn, std::int64_t key, bool owns_transaction)
      : m_conn(conn), m_key(key), m_owns_transaction(owns_transaction) {}
  ~postgres_xact_lock() override {
    if (m_released || !m_owns_transaction) return;
    m_conn.rollback_or_discard();
    // Still in the transaction (or unsure): closing the connection is what releases the lock.
    if (m_conn.in_transaction() || !m_conn.healthy()) m_conn.discard();
  }

  void release() override {
    if (m_released) return;
    m_released = true;
    if (!m_owns_transaction) return;  // the caller's COMMIT or ROLLBACK ends it
    std::string why;
    if (!m_conn.healthy()) {
      why = "the connection holding it was lost before the operation ended, so the server released it early and "
            "another migration may have run alongside";
    } else {
      try {
        m_conn.rollback();
        if (!m_conn.in_transaction()) return;
        why = "its transaction is still open";
      } catch (const error &e) {
        why = std::string("ending its transaction failed: ") + e.what();
      }
    }
    m_conn.discard();
    diagnostics diag;
    throw operational_error("advisory lock " + std::to_string(m_key) + " on " + m_conn.display_url() + " was not released cleanly: " +
                                why + "; the connection holding it is closed, which releases it on the server",
                            diag, "check the result with `carrierdb migrate status` before running another migration");
  }

private:
  connection &m_conn;
  std::int64_t m_key;
  bool m_owns_transaction;
  bool m_released = false;
};

}  // namespace

std::unique_ptr<lock_handle> postgres_connection::acquire_lock(std::int64_t key, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto wait = std::chrono::milliseconds(5);
  const bool own_transaction = !m_in_transaction;
  for (;;) {
    // Each attempt is a transaction of its own: a waiter pins no pooled server connection
    // between attempts, so the holder's own work still finds one.
    if (own_transaction) begin();
    bool taken = false;
    try {
      taken = std::get<bool>(query("SELECT pg_try_advisory_xact_lock($1)", {key}).rows.at(0).at(0));
      if (!taken && own_transaction) rollback();
    } catch (...) {
      if (own_transaction && m_in_transaction) rollback_or_discard();
      throw;
    }
    if (taken) {
      // The extended protocol's unnamed portal keeps its snapshot, and so an xmin, until the
      // next portal replaces it; a lock transaction left idle with an xmin would make every
      // CREATE INDEX CONCURRENTLY of the migrations it guards wait for it forever. A simple
      // query replaces the portal, and the idle transaction then holds no snapshot.
      if (own_transaction) run([](pqxx::nontransaction &tx) { return tx.exec("SELECT 1"); }, "SELECT 1");
      return std::make_unique<postgres_xact_lock>(*this, key, own_transaction);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      // Name the holder: the first thing anyone asks is "who has it?".
      std::string holder;
      try {
        const result h = query(
            "SELECT pid, coalesce(application_name, '') FROM pg_locks JOIN pg_stat_activity USING (pid) "
            "WHERE locktype = 'advisory' AND granted AND objid = $1 AND classid = $2 LIMIT 1",
            {key & 0xffffffffLL, key >> 32});
        if (!h.rows.empty())
          holder = " (held by backend pid " + std::to_string(std::get<std::int64_t>(h.rows[0][0])) +
                   (std::get<std::string>(h.rows[0][1]).empty() ? "" : ", application '" + std::get<std::string>(h.rows[0][1]) + "'") + ")";
      } catch (const interrupted_error &) {
        throw;  // a stop is a stop, not a lock timeout
      } catch (...) {
      }
      diagnostics diag;
      diag.sqlstate = "55P03";
      throw timeout_error("could not take advisory lock " + std::to_string(key) + " on " + m_display + " within " +
                              std::to_string(timeout.count()) + " ms" + holder,
                          diag, "another migration (carrierdb or Prisma) is running; wait for it, or raise lock_timeout");
    }
    interruptible_sleep(std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) + std::chrono::milliseconds(1)));
    wait = std::min(wait * 2, std::chrono::milliseconds(100));
  }
}

}  // namespace carrierdb::internal
