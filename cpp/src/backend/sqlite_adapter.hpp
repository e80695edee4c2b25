// sqlite_adapter: the SQLite adapter class, declared once for the files that implement it, each
// with one job: sqlite_connection.cpp (open, statements, transactions, busy waits and stop requests),
// sqlite_dialect.cpp (how SQL is spelled), sqlite_catalog.cpp (introspection and reset),
// sqlite_locks.cpp (the lock file), sqlite_copy.cpp (the bulk path). Result codes are mapped in
// sqlite_errors.cpp, file names and permissions checked in sqlite_files.cpp. It brings in sqlite3.h:
// nothing outside the adapter includes it (the rest of the core opens a connection through
// sqlite_connection.hpp).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/backend/url.hpp"

namespace carrierdb::internal {

/// A compiled statement owned by one scope, finalized when it ends.
class sqlite_statement {
public:
  sqlite_statement() = default;
  sqlite_statement(const sqlite_statement &) = delete;
  sqlite_statement &operator=(const sqlite_statement &) = delete;
  ~sqlite_statement() { sqlite3_finalize(m_stmt); }
  sqlite3_stmt **out() { return &m_stmt; }
  sqlite3_stmt *get() const { return m_stmt; }

private:
  sqlite3_stmt *m_stmt = nullptr;
};

class sqlite_connection final : public connection {
public:
  // sqlite_connection.cpp: the connection and its statements.
  sqlite_connection(const database_url &url, const connection_options &options);
  ~sqlite_connection() override;

  backend_kind kind() const noexcept override { return backend_kind::sqlite; }
  const capabilities &caps() const noexcept override { return m_caps; }
  bool healthy() const noexcept override { return m_db != nullptr && !m_discarded; }
  void discard() noexcept override { m_discarded = true; }
  bool in_transaction() const noexcept override { return m_db && !sqlite3_get_autocommit(m_db); }
  const std::string &display_url() const noexcept override { return m_display; }
  std::string server_version() override { return std::string("SQLite ") + sqlite3_libversion(); }
  read_only_state read_only_reason() const override { return m_read_only; }

  void begin() override;
  result query(const std::string &sql, const params &args) override;
  std::int64_t execute(const std::string &sql, const params &args) override;
  void execute_script(const std::string &sql, const std::function<void(const script_statement &)> &before) override;

  // sqlite_dialect.cpp
  std::string sql_type(logical_type type, int) const override;
  std::string current_timestamp_sql() const override { return "current_timestamp"; }
  value timestamp_value(std::chrono::system_clock::time_point at) const override;
  std::string null_safe_equal_sql(const std::string &a, const std::string &b) const override { return a + " IS " + b; }
  std::optional<std::string> any_of_sql(const std::vector<std::string> &exprs, const std::vector<std::string> &types,
                                        const std::vector<const std::vector<value> *> &rows, const std::vector<std::size_t> &at,
                                        params &args) const override;
  std::string text_match_sql(const std::string &column_sql, text_match how, const std::string &needle, bool insensitive,
                             params &args) const override;

  // sqlite_catalog.cpp
  std::vector<std::string> table_names() override;
  std::vector<column_info> table_columns(const std::string &table) override;
  std::vector<std::vector<std::string>> unique_keys(const std::string &table) override;
  std::vector<std::string> primary_key(const std::string &table) override;
  std::vector<foreign_key_info> foreign_keys(const std::string &table) override;
  std::vector<index_info> indexes(const std::string &table) override;
  std::vector<enum_type_info> enum_types() override;
  std::vector<enum_type_info> value_list_checks(const std::string &table) override;
  std::string create_sql(const std::string &table);  // the table's CREATE TABLE text, "" if none
  std::vector<std::string> schema_snapshot() override;
  std::vector<std::string> drop_secondary_indexes(const std::string &table) override;
  void drop_all_objects() override;

  // sqlite_locks.cpp
  std::unique_ptr<lock_handle> acquire_lock(std::int64_t key, std::chrono::milliseconds timeout) override;

  // sqlite_copy.cpp
  std::unique_ptr<copy_sink> begin_copy(const std::string &table, const std::vector<std::string> &columns) override;

  // For the bulk path, which runs its own batch statements.
  sqlite3 *handle() const { return m_db; }
  /// Binds `v` to the 1-based parameter `index` of `stmt`.
  void bind_value(sqlite3_stmt *stmt, int index, const value &v);
  /// Throws the carrierdb error for result code `rc` of `sql`.
  [[noreturn]] void fail(int rc, const std::string &sql);

private:
  class cached_statement;

  void prepare_one(const std::string &sql, sqlite_statement &stmt);
  void bind(sqlite3_stmt *stmt, const params &args, const std::string &sql);
  value read(sqlite3_stmt *stmt, int c, column &col);
  void arm_timeout();
  [[noreturn]] void fail_in_script(int rc, const std::string &text, int line);

  sqlite3 *m_db = nullptr;
  std::unordered_map<std::string, sqlite3_stmt *> m_statements;  // idle compiled statements by SQL text
  bool m_discarded = false;
  std::string m_display;
  std::string m_path;
  connection_options m_options;
  capabilities m_caps;
  std::chrono::steady_clock::time_point m_deadline;
  bool m_timeout_armed = false;
  std::chrono::steady_clock::time_point m_busy_since;  // when the current wait for a writer began
  read_only_state m_read_only;  // found when the connection opened
};

}  // namespace carrierdb::internal
