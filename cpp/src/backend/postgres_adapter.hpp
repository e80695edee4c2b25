// postgres_adapter: the PostgreSQL adapter class (libpqxx 6.4), declared once for the files that
// implement it, each with one job: postgres_connection.cpp (open, statements, transactions, cancel),
// postgres_dialect.cpp (how SQL is spelled), postgres_catalog.cpp (introspection and reset),
// postgres_locks.cpp (advisory locks), postgres_copy.cpp (COPY in and out), postgres_libpq.cpp (the
// libpq connection under libpqxx). It brings in libpqxx: nothing outside the adapter includes it
// (the rest of the core opens a connection through postgres_connection.hpp).
#pragma once

#include <libpq-fe.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/backend/url.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"

namespace carrierdb::internal {

/// The libpq connection libpqxx manages (postgres_libpq.cpp says how it is reached). For what
/// libpqxx 6.4 does not offer: cancel requests, reported parameters, binary COPY.
PGconn *libpq_connection(pqxx::connection_base &c);

class notice_to_log;

class postgres_connection final : public connection {
public:
  postgres_connection(const database_url &url, const connection_options &options);
  ~postgres_connection() override;

  backend_kind kind() const noexcept override { return backend_kind::postgresql; }
  const capabilities &caps() const noexcept override { return m_caps; }
  bool healthy() const noexcept override { return m_healthy && m_conn && m_conn->is_open(); }
  void discard() noexcept override { m_healthy = false; }
  // libpqxx 6.4 offers no PQtransactionStatus: the state is tracked from the statements this
  // connection runs (track_transaction, translate_current).
  bool in_transaction() const noexcept override { return m_in_transaction; }
  const std::string &display_url() const noexcept override { return m_display; }
  read_only_state read_only_reason() const override;
  std::string server_version() override;

  // Statements (postgres_connection.cpp).
  result query(const std::string &sql, const params &args) override;
  std::int64_t execute(const std::string &sql, const params &args) override;
  void execute_script(const std::string &sql, const std::function<void(const script_statement &)> &before) override;
  void execute_batch(const std::string &sql) override;

  // How SQL is spelled (postgres_dialect.cpp).
  std::string sql_type(logical_type type, int length) const override;
  std::string current_timestamp_sql() const override;
  value timestamp_value(std::chrono::system_clock::time_point at) const override;
  std::string null_safe_equal_sql(const std::string &a, const std::string &b) const override;
  std::optional<std::string> any_of_sql(const std::vector<std::string> &exprs, const std::vector<std::string> &types,
                                        const std::vector<const std::vector<value> *> &rows, const std::vector<std::size_t> &at,
                                        params &args) const override;
  std::string text_match_sql(const std::string &column_sql, text_match how, const std::string &needle, bool insensitive,
                             params &args) const override;

  // COPY (postgres_copy.cpp).
  std::unique_ptr<copy_sink> begin_copy(const std::string &table, const std::vector<std::string> &columns) override;
  void copy_out(const std::string &select_sql,
                const std::function<void(const std::vector<std::optional<std::string>> &fields)> &row) override;

  // The catalog (postgres_catalog.cpp).
  std::vector<std::string> drop_secondary_indexes(const std::string &table) override;
  std::vector<std::string> table_names() override;
  std::vector<column_info> table_columns(const std::string &table) override;
  std::vector<std::vector<std::string>> unique_keys(const std::string &table) override;
  std::vector<std::string> primary_key(const std::string &table) override;
  std::string primary_key_name(const std::string &table) override;
  std::vector<foreign_key_info> foreign_keys(const std::string &table) override;
  std::vector<index_info> indexes(const std::string &table) override;
  std::vector<enum_type_info> enum_types() override;
  std::vector<enum_type_info> value_list_checks(const std::string &table) override;
  std::vector<table_catalog> read_tables(const std::vector<std::string> &tables) override;  // postgres_catalog_tables.cpp
  void drop_all_objects() override;
  std::vector<std::string> schema_snapshot() override;

  // Advisory locks (postgres_locks.cpp).
  std::unique_ptr<lock_handle> acquire_lock(std::int64_t key, std::chrono::milliseconds timeout) override;

  // Every libpqxx exception becomes a carrierdb error here; call it inside a catch block.
  // Anything else (a carrierdb error of our own) passes through unchanged.
  [[noreturn]] void translate_current(const std::string &sql);

private:
  // A pooler answers the startup itself: see postgres_connection.cpp.
  bool detect_pooler();
  void require_pooled_schema(const std::string &schema);

  pqxx::result exec_params(const std::string &sql, const params &args);
  const std::string *prepared_name(const std::string &sql);
  void forget_prepared(const std::string &sql);
  void track_transaction(std::string_view statement);
  [[noreturn]] static void rethrow_in_script(const database_error &e, const std::string &statement, int line);
  std::vector<std::vector<std::string>> index_keys(const std::string &table, const std::string &condition);

  // Runs `work` (libpqxx calls on a nontransaction) for `sql`: refuses on a lost connection or
  // during a binary COPY, registers the statement for cancellation, tracks BEGIN/COMMIT/ROLLBACK
  // and turns libpqxx exceptions into carrierdb errors. COPY ... FROM STDIN does not come through
  // here: its sinks (postgres_copy.cpp) drive libpqxx's tablewriter or libpq directly and hand
  // their errors to translate_current.
  template <class Work>
  pqxx::result run(Work &&work, const std::string &sql) {
    if (!healthy()) {
      diagnostics diag;
      throw connection_error("the connection to " + m_display + " was lost", diag, "reconnect (the pool does this for you)");
    }
    // libpq would end an open binary COPY silently to run the statement (libpqxx does not know of it).
    if (m_binary_copy_open) {
      diagnostics diag;
      diag.statement = sql;
      throw programming_error("a bulk load (COPY) is in progress on this connection", diag,
                              "finish the load before running another statement on its connection");
    }
    try {
      statement_in_flight in_flight(m_cancel_statement);  // a stop request cancels it on the server
      pqxx::nontransaction tx(*m_conn);
      pqxx::result r = work(tx);
      track_transaction(sql);
      return r;
    } catch (...) {
      translate_current(sql);
    }
  }

  std::unique_ptr<pqxx::connection> m_conn;
  std::unique_ptr<notice_to_log> m_notices;
  std::unique_ptr<PGcancel, void (*)(PGcancel *)> m_cancel{nullptr, PQfreeCancel};
  std::function<void()> m_cancel_statement;  // sends a cancel request for what runs now
  std::string m_display;
  connection_options m_options;
  capabilities m_caps;
  bool m_healthy = true;
  bool m_in_transaction = false;
  std::unordered_map<std::string, std::string> m_prepared;  // statement text -> server-side name
  std::unordered_map<std::string, int> m_uses;               // runs of not-yet-prepared statements
  std::uint64_t m_prepared_counter = 0;
  std::string m_prepared_tag;  // random, per connection: see prepared_name
  bool m_binary_copy_open = false;  // set by the binary COPY sink while its COPY runs
  bool m_reports_read_only = false;  // PostgreSQL 14+: the server reports it (see read_only_reason)
  bool m_hot_standby_at_open = false;  // older servers: what they said when the connection opened
  bool m_read_only_at_open = false;
};

}  // namespace carrierdb::internal
