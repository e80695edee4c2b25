// sqlite_copy: the bulk path. SQLite has no COPY: rows go in batches through one multi-row INSERT,
// inside the caller's transaction, and a failed batch is retried row by row to name the row.
#include "sqlite_adapter.hpp"

#include <algorithm>
#include <memory>

#include "carrierdb/error.hpp"

namespace carrierdb::internal {

namespace {

// One multi-row INSERT ... VALUES (...), (...) prepared once, re-bound for each batch. Per statement
// SQLite pays a fixed cost (a statement journal, the AUTOINCREMENT counter read and written back,
// the VDBE reset), so 64 rows per statement take about half the time of 64 single-row statements. Errors surface when a batch runs: in write() or finish().
class sqlite_copy_sink final : public copy_sink {
public:
  sqlite_copy_sink(sqlite_connection &conn, std::string insert_prefix, std::size_t columns)
      : m_conn(conn), m_prefix(std::move(insert_prefix)), m_columns(std::max<std::size_t>(1, columns)) {
    const std::size_t max_vars = static_cast<std::size_t>(sqlite3_limit(conn.handle(), SQLITE_LIMIT_VARIABLE_NUMBER, -1));
    m_batch_rows = std::max<std::size_t>(1, std::min<std::size_t>(k_batch_rows, max_vars / m_columns));
    m_pending.reserve(m_batch_rows * m_columns);
  }
  ~sqlite_copy_sink() override { sqlite3_finalize(m_full); }

  void write(const std::vector<value> &row) override {
    m_pending.insert(m_pending.end(), row.begin(), row.begin() + static_cast<std::ptrdiff_t>(m_columns));
    if (m_pending.size() == m_batch_rows * m_columns) flush();
  }
  std::int64_t finish() override {
    if (!m_pending.empty()) flush();
    return m_count;
  }

private:
  static constexpr std::size_t k_batch_rows = 64;

  std::string sql_for(std::size_t rows) const {
    std::string sql = m_prefix;
    for (std::size_t r = 0, n = 1; r < rows; ++r) {
      sql += r ? ", (" : "(";
      for (std::size_t k = 0; k < m_columns; ++k, ++n) sql += (k ? ", " : "") + m_conn.placeholder(n);
      sql += ')';
    }
    return sql;
  }

  sqlite3_stmt *prepare(const std::string &sql) {
    sqlite3_stmt *stmt = nullptr;
    const int rc = sqlite3_prepare_v2(m_conn.handle(), sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) m_conn.fail(rc, sql);
    return stmt;
  }

  void flush() {
    const std::size_t rows = m_pending.size() / m_columns;
    // The full batch statement is prepared once; the last, shorter batch gets its own.
    const bool full = rows == m_batch_rows;
    if (full && !m_full) m_full = prepare(sql_for(rows));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> tail(full ? nullptr : prepare(sql_for(rows)), sqlite3_finalize);
    sqlite3_stmt *stmt = full ? m_full : tail.get();
    for (std::size_t k = 0; k < m_pending.size(); ++k) m_conn.bind_value(stmt, static_cast<int>(k + 1), m_pending[k]);
    check_interrupt();
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) fail_in_batch(rc, rows);
    m_pending.clear();
    m_count += static_cast<std::int64_t>(rows);
  }

  // A batch's INSERT failed as a whole (SQLite undid it, the transaction goes on): its rows are
  // tried one at a time so that the error names the row, like PostgreSQL's "COPY t, line N".
  [[noreturn]] void fail_in_batch(int batch_rc, std::size_t rows) {
    // Only inside the transaction the failed statement left intact: after a stop (SQLITE_INTERRUPT)
    // or an error that ended the transaction, a retried row would commit on its own.
    if ((batch_rc & 0xff) == SQLITE_INTERRUPT || !m_conn.in_transaction()) m_conn.fail(batch_rc, m_prefix + "(...) x " + std::to_string(rows));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> one(prepare(sql_for(1)), sqlite3_finalize);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < m_columns; ++k) m_conn.bind_value(one.get(), static_cast<int>(k + 1), m_pending[r * m_columns + k]);
      const int rc = sqlite3_step(one.get());
      sqlite3_reset(one.get());
      if (rc == SQLITE_DONE) continue;
      try {
        m_conn.fail(rc, m_prefix + "(...)");
      } catch (const database_error &e) {
        diagnostics diag = e.diag();
        diag.copy_row = m_count + static_cast<std::int64_t>(r) + 1;
        rethrow_with_context(e, e.what(), diag);
      }
    }
    m_conn.fail(batch_rc, m_prefix + "(...) x " + std::to_string(rows));
  }

  sqlite_connection &m_conn;
  std::string m_prefix;
  std::size_t m_columns;
  std::size_t m_batch_rows = 1;
  sqlite3_stmt *m_full = nullptr;
  std::vector<value> m_pending;
  std::int64_t m_count = 0;
};

}  // namespace

std::unique_ptr<copy_sink> sqlite_connection::begin_copy(const std::string &table, const std::vector<std::string> &columns) {
  std::string cols;
  for (std::size_t k = 0; k < columns.size(); ++k) cols += (k ? ", " : "") + quote_identifier(columns[k]);
  return std::make_unique<sqlite_copy_sink>(*this, "INSERT INTO " + quote_identifier(table) + " (" + cols + ") VALUES ", columns.size());
}

}  // namespace carrierdb::internal
