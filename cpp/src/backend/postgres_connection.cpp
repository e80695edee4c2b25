// The PostgreSQL adapter: libpqxx 6.4 connection, statements, COPY, catalog, advisory locks. Errors
// are mapped in postgres_errors.cpp, values in postgres_values.hpp, URLs in postgres_url.cpp.
#include "postgres_connection.hpp"

#include <libpq-fe.h>

#include <pqxx/pqxx>
#include <pqxx/stream_from>
#include <pqxx/tablewriter>
#include <cstdlib>
#include <ctime>
#include <random>
#include <thread>
#include <unordered_map>

#include "carrierdb/error.hpp"
#include "carrierdb/log.hpp"
#include "carrierdb/time.hpp"
#include "numbers.hpp"
#include "pattern.hpp"
#include "pg_binary.hpp"
#include "postgres_errors.hpp"
#include "postgres_values.hpp"
#include "sql_script.hpp"

namespace carrierdb::internal {

namespace {

// ---- the connection ------------------------------------------------------------------------

// Server notices (e.g. "table does not exist, skipping") go to the log, not to stderr.
class notice_to_log final : public pqxx::errorhandler {
public:
  explicit notice_to_log(pqxx::connection_base &c) : pqxx::errorhandler(c) {}
  bool operator()(const char msg[]) noexcept override {
    try {
      if (log_enabled(log_level::debug)) {
        std::string text(msg);
        while (!text.empty() && text.back() == '\n') text.pop_back();
        log(log_level::debug, "server: " + text);
      }
    } catch (...) {
    }
    return false;
  }
};

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
    try {
      m_conn.rollback();
    } catch (...) {
    }
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

PGconn *pg_conn(pqxx::connection_base &c);
std::string random_tag() {
  static const char hex[] = "0123456789abcdef";
  std::random_device rd;
  std::string tag;
  for (int k = 0; k < 8; ++k) tag += hex[rd() & 0xF];
  return tag;
}

class postgres_connection final : public connection {
public:
  postgres_connection(const database_url &url, const connection_options &options)
      : m_display(url.display()), m_options(options) {
    m_caps.transactional_ddl = true;
    m_caps.advisory_locks = true;
    m_caps.returning = true;
    m_caps.copy = true;  // copy_rows(): COPY ... FROM STDIN
    m_caps.schemas = true;
    m_caps.enum_types = true;

    std::map<std::string, std::string> keywords = url.pg_options();
    if (keywords["connect_timeout"].empty() && options.connect_timeout.count() > 0) {
      // libpq counts whole seconds and treats 1 as 2; round up so the limit is never shorter.
      keywords["connect_timeout"] = std::to_string(std::max<long long>(2, (options.connect_timeout.count() + 999) / 1000));
    }
    if (keywords["application_name"].empty()) keywords["application_name"] = options.application_name;
    std::string conninfo;
    for (const auto &[key, val] : keywords)
      if (!val.empty()) conninfo += key + "=" + quote_conninfo_value(val) + " ";

    const std::string host = url.pg_option("host", "the default socket");
    const std::string port = url.pg_option("port", "5432");
    try {
      m_conn = std::make_unique<pqxx::connection>(conninfo);
    } catch (const pqxx::broken_connection &e) {
      diagnostics diag;
      diag.server_message = mask_secrets(e.what());
      std::string text = diag.server_message;
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      std::string hint = "check that PostgreSQL is running and reachable at " + host + ":" + port;
      if (text.find("password authentication failed") != std::string::npos ||
          text.find("no password supplied") != std::string::npos)
        hint = "check the user name and password in the URL (the password is not shown here)";
      else if (text.find("database \"") != std::string::npos && text.find("does not exist") != std::string::npos)
        hint = "create the database (createdb " + url.pg_option("dbname") + ") or fix its name in the URL";
      throw connection_error("cannot connect to PostgreSQL at " + host + ":" + port + " (" + m_display + "): " + text,
                             diag, hint);
    }
    m_notices = std::make_unique<notice_to_log>(*m_conn);
    // Made once here, on the connection's thread; PQcancel() on it is safe from any thread.
    m_cancel.reset(PQgetCancel(pg_conn(*m_conn)));
    m_cancel_statement = [this] {
      char error[256];
      if (m_cancel) PQcancel(m_cancel.get(), error, sizeof error);
    };
    m_caps.behind_pooler = url.prisma_option("pgbouncer") == "true" || detect_pooler();
    m_caps.transaction_locks = true;
    // A pooler hands the next statement to any server connection: a named prepared statement
    // would be missing there, or be another client's of the same name.
    if (m_caps.behind_pooler) m_options.prepare_threshold = -1;
    // PgBouncer tracks TimeZone per client and sets it on whichever server connection serves it.
    std::string setup = "SET TIME ZONE 'UTC'";
    if (!m_caps.behind_pooler) {
      // PostgreSQL 14+: notice a vanished client during a long statement (a killed deploy)
      // within a second, so its transaction rolls back and its locks go at once.
      if (m_conn->server_version() >= 140000) setup += "; SET client_connection_check_interval = 1000";
      if (options.statement_timeout.count() > 0)
        setup += "; SET statement_timeout = " + std::to_string(options.statement_timeout.count());
      if (!url.prisma_option("schema").empty()) setup += "; SET search_path TO " + quote_identifier(url.prisma_option("schema"));
    } else {
      // These settings are not tracked by the pooler: set here, they would stay on one shared
      // server connection (imposed on other clients) and miss the ones this client gets next.
      if (options.statement_timeout.count() > 0 && log_enabled(log_level::warning))
        log(log_level::warning, "statement_timeout is not applied through the connection pooler at " + m_display +
                                    " (set it for the role or database on the server instead)");
      require_pooled_schema(url.prisma_option("schema"));
    }
    // PostgreSQL 14+ reports in_hot_standby and default_transaction_read_only to the client by
    // itself (and again when they change); older servers are asked once, in the same round trip.
    m_reports_read_only = m_conn->server_version() >= 140000;
    if (!m_reports_read_only) setup += "; SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'";
    const pqxx::result probe = run([&](pqxx::nontransaction &tx) { return tx.exec(setup); }, setup);
    if (!m_reports_read_only && probe.size() == 1) {
      m_hot_standby_at_open = probe[0][0].as<bool>();
      m_read_only_at_open = probe[0][1].as<bool>();
    }
  }

  ~postgres_connection() override {
    m_notices.reset();
  }

  // A pooler answers the startup itself: the backend pid in its BackendKeyData is its own
  // (PgBouncer's is random), not that of the server connection running our statements.
  bool detect_pooler() {
    const result r = query("SELECT pg_backend_pid()", {});
    return std::get<std::int64_t>(r.rows.at(0).at(0)) != m_conn->backendpid();
  }

  // Through a pooler a search_path cannot be set for this client: accept `schema` only when the
  // server's own default already resolves to it; anything else would put tables elsewhere.
  void require_pooled_schema(const std::string &schema) {
    if (schema.empty()) return;
    const result r = query("SELECT current_schema()::text", {});
    if (!r.rows.empty() && !is_null(r.rows[0][0]) && std::get<std::string>(r.rows[0][0]) == schema) return;
    throw configuration_error("the URL asks for schema '" + schema + "', but " + m_display +
                                  " goes through a connection pooler, which cannot keep a search_path for one client (the "
                                  "server's default schema there is " +
                                  (r.rows.empty() || is_null(r.rows[0][0]) ? std::string("none") : "'" + std::get<std::string>(r.rows[0][0]) + "'") + ")",
                              "point DIRECT_URL at the server itself (migrations use it), or set the role's default on the server: "
                              "ALTER ROLE ... SET search_path = " + quote_identifier(schema));
  }

  backend_kind kind() const noexcept override { return backend_kind::postgresql; }
  const capabilities &caps() const noexcept override { return m_caps; }
  bool healthy() const noexcept override { return m_healthy && m_conn && m_conn->is_open(); }
  void discard() noexcept override { m_healthy = false; }
  pqxx::connection &raw() { return *m_conn; }
  const std::function<void()> &cancel_statement() const noexcept { return m_cancel_statement; }
  // libpqxx 6.4 keeps the PGconn (and PQtransactionStatus) private: the state is tracked from
  // the statements this connection runs.
  bool in_transaction() const noexcept override { return m_in_transaction; }
  const std::string &display_url() const noexcept override { return m_display; }

  read_only_state read_only_reason() const override {
    bool hot_standby = m_hot_standby_at_open, read_only = m_read_only_at_open;
    if (m_reports_read_only && m_conn && m_conn->is_open()) {
      PGconn *pg = pg_conn(*m_conn);
      const char *standby = PQparameterStatus(pg, "in_hot_standby");
      const char *default_read_only = PQparameterStatus(pg, "default_transaction_read_only");
      hot_standby = standby && std::string_view(standby) == "on";
      read_only = default_read_only && std::string_view(default_read_only) == "on";
    }
    if (hot_standby)
      return {"the server is a hot standby (a read-only replica in recovery)",
              "point DATABASE_URL (and DIRECT_URL, which migrations use when set) at the primary server; a standby serves reads only"};
    if (read_only)
      return {"default_transaction_read_only is on for this session (set in the server's configuration, or for this database or role)",
              "point DATABASE_URL at a writable primary, or connect to a database or as a role without default_transaction_read_only"};
    return {};
  }

  std::string server_version() override {
    const int v = m_conn->server_version();
    return "PostgreSQL " + std::to_string(v / 10000) + "." + std::to_string(v % 10000);
  }

  result query(const std::string &sql, const params &args) override {
    const pqxx::result r = exec_params(sql, args);
    result out;
    const auto ncols = r.columns();
    out.columns.reserve(ncols);
    std::vector<column_kind> kinds;
    for (pqxx::row::size_type c = 0; c < ncols; ++c) {
      const column_kind k = kind_of_oid(r.column_type(c));
      out.columns.push_back(column{r.column_name(c), k});
      kinds.push_back(k);
    }
    out.rows.reserve(r.size());
    for (const auto &row : r) {
      std::vector<value> cells;
      cells.reserve(ncols);
      for (pqxx::row::size_type c = 0; c < ncols; ++c) cells.push_back(cell(row[c], kinds[c]));
      out.rows.push_back(std::move(cells));
    }
    out.affected_rows = static_cast<std::int64_t>(r.affected_rows());
    return out;
  }

  std::int64_t execute(const std::string &sql, const params &args) override {
    return static_cast<std::int64_t>(exec_params(sql, args).affected_rows());
  }

  void execute_script(const std::string &sql, const std::function<void(const script_statement &)> &before) override {
    const auto spans = split_postgres_script(sql);
    for (std::size_t k = 0; k < spans.size(); ++k) {
      const std::string statement = sql.substr(spans[k].offset, spans[k].length);
      if (before) before(script_statement{k, spans[k].line, std::string_view(sql).substr(spans[k].offset, spans[k].length)});
      try {
        run([&](pqxx::nontransaction &tx) { return tx.exec(statement); }, statement);
      } catch (database_error &e) {
        rethrow_in_script(e, statement, spans[k].line);
      }
    }
  }

  std::string sql_type(logical_type type, int length) const override {
    switch (type) {
      case logical_type::varchar: return "VARCHAR(" + std::to_string(length) + ")";
      case logical_type::text: return "TEXT";
      case logical_type::integer:
      case logical_type::unsigned_integer: return "INTEGER";
      case logical_type::bigint: return "BIGINT";
      case logical_type::timestamptz: return "TIMESTAMPTZ";
    }
    return "TEXT";
  }

  std::string current_timestamp_sql() const override { return "now()"; }

  value timestamp_value(std::chrono::system_clock::time_point at) const override {
    return format_utc(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count(), "+00");
  }


  std::unique_ptr<copy_sink> begin_copy(const std::string &table, const std::vector<std::string> &columns) override;
  void copy_out(const std::string &select_sql,
                const std::function<void(const std::vector<std::optional<std::string>> &fields)> &row) override {
    run(
        [&](pqxx::nontransaction &tx) {
          // libpqxx 6.4 writes "COPY <name> TO STDOUT" with the name as given: a parenthesised query works.
          pqxx::stream_from stream(tx, "(" + select_sql + ")");
          std::string line;
          std::vector<std::optional<std::string>> fields;
          while (stream.get_raw_line(line)) {
            if (!line.empty() && line.back() == '\n') line.pop_back();  // libpqxx 6.4 keeps COPY's line end
            fields.clear();
            std::string field;
            bool escaped = false, null_field = false;
            for (std::size_t k = 0; k <= line.size(); ++k) {
              const char c = k < line.size() ? line[k] : '\t';
              if (escaped) {
                escaped = false;
                switch (c) {
                  case 'N': null_field = true; break;
                  case 't': field += '\t'; break;
                  case 'n': field += '\n'; break;
                  case 'r': field += '\r'; break;
                  case 'b': field += '\b'; break;
                  case 'f': field += '\f'; break;
                  case 'v': field += '\v'; break;
                  default: field += c;  // \\ and any other escaped character stand for themselves
                }
              } else if (c == '\\') {
                escaped = true;
              } else if (c == '\t') {
                if (null_field) fields.emplace_back(std::nullopt);
                else fields.emplace_back(std::move(field));
                field.clear();
                null_field = false;
              } else {
                field += c;
              }
            }
            row(fields);
          }
          stream.complete();
          return pqxx::result{};
        },
        "COPY (" + select_sql + ") TO STDOUT");
  }

  std::vector<std::string> drop_secondary_indexes(const std::string &table) override {
    const result r = query(
        "SELECT pg_get_indexdef(i.indexrelid), x.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_class x ON x.oid = i.indexrelid WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = $1 "
        "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        {table});
    std::vector<std::string> recreate;
    for (const auto &row : r.rows) {
      recreate.push_back(std::get<std::string>(row[0]));
      execute("DROP INDEX " + quote_identifier(std::get<std::string>(row[1])), {});
    }
    return recreate;
  }

  std::string null_safe_equal_sql(const std::string &a, const std::string &b) const override {
    return a + " IS NOT DISTINCT FROM " + b;
  }

  std::string text_match_sql(const std::string &column_sql, text_match how, const std::string &needle, bool insensitive,
                             params &args) const override {
    // LIKE with backslash as the escape character (PostgreSQL's default).
    args.emplace_back(like_pattern(needle, how));
    return column_sql + (insensitive ? " ILIKE " : " LIKE ") + placeholder(args.size());
  }

  std::vector<std::string> table_names() override {
    std::vector<std::string> out;
    // Tables an extension owns (PostGIS's spatial_ref_sys, ...) are not the project's.
    for (const auto &row : query("SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
                                 "AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                                 "'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1", {}).rows)
      out.push_back(std::get<std::string>(row[0]));
    return out;
  }

  std::vector<column_info> table_columns(const std::string &table) override {
    std::vector<column_info> out;
    const result r = query(
        "SELECT a.attname::text, lower(replace(format_type(a.atttypid, a.atttypmod), '\"', '')), NOT a.attnotnull, "
        "coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        {table});
    for (const auto &row : r.rows)
      out.push_back(column_info{std::get<std::string>(row[0]), std::get<std::string>(row[1]), std::get<bool>(row[2]), std::get<std::string>(row[3])});
    return out;
  }

  std::vector<std::vector<std::string>> unique_keys(const std::string &table) override {
    return index_keys(table, "i.indisunique AND NOT i.indisprimary");
  }

  std::vector<std::string> primary_key(const std::string &table) override {
    auto keys = index_keys(table, "i.indisprimary");
    return keys.empty() ? std::vector<std::string>{} : keys.front();
  }

  void drop_all_objects() override {
    // Object by object rather than DROP SCHEMA: the schema keeps its owner and grants.
    static const char *const listing = R"SQL(
      SELECT stmt FROM (
        SELECT 1 AS ord, c.oid, format('DROP VIEW IF EXISTS %I CASCADE', c.relname) AS stmt FROM pg_class c
          WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'v'
        UNION ALL
        SELECT 2, c.oid, format('DROP MATERIALIZED VIEW IF EXISTS %I CASCADE', c.relname) FROM pg_class c
          WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'm'
        UNION ALL
        SELECT 3, c.oid, format('DROP TABLE IF EXISTS %I CASCADE', c.relname) FROM pg_class c
          WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
        UNION ALL
        SELECT 4, c.oid, format('DROP SEQUENCE IF EXISTS %I CASCADE', c.relname) FROM pg_class c
          WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'
        UNION ALL
        SELECT 5, t.oid, format('DROP TYPE IF EXISTS %I CASCADE', t.typname) FROM pg_type t
          WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
        UNION ALL
        SELECT 6, p.oid, format('DROP ROUTINE IF EXISTS %I(%s) CASCADE', p.proname, pg_get_function_identity_arguments(p.oid))
          FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace
      ) s WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = s.oid AND d.deptype = 'e')
      ORDER BY ord)SQL";
    scoped_transaction tx(*this);
    for (const auto &row : query(listing, {}).rows) execute(std::get<std::string>(row[0]), {});
    tx.commit();
  }

  std::vector<std::string> schema_snapshot() override {
    static const char *const catalog = R"SQL(
      SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
             || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      UNION ALL
      SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
       WHERE c.relnamespace = current_schema()::regnamespace
      UNION ALL
      SELECT 'index ' || tablename || ' ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()
      UNION ALL
      SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname
      UNION ALL
      SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = current_schema()
      UNION ALL
      SELECT 'sequence ' || sequencename FROM pg_sequences WHERE schemaname = current_schema()
      ORDER BY 1)SQL";
    std::vector<std::string> out;
    for (const auto &row : query(catalog, {}).rows) out.push_back(std::get<std::string>(row[0]));
    return out;
  }

  std::unique_ptr<lock_handle> acquire_lock(std::int64_t key, std::chrono::milliseconds timeout) override {
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
        if (own_transaction && m_in_transaction) {
          try {
            rollback();
          } catch (...) {
            m_healthy = false;
          }
        }
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

private:
  pqxx::result exec_params(const std::string &sql, const params &args) {
    text_params p(args);
    const std::string *prepared = prepared_name(sql);
    if (!prepared)
      return run([&](pqxx::nontransaction &tx) { return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(p.pointers)); }, sql);
    try {
      return run([&](pqxx::nontransaction &tx) { return tx.exec_prepared(*prepared, pqxx::prepare::make_dynamic_params(p.pointers)); }, sql);
    } catch (const programming_error &e) {
      // "prepared statement does not exist": the statement was prepared on another server
      // connection, so a pooler sits in between (undetected at connect). Stop preparing.
      const bool pooled = e.diag().sqlstate == "26000" || e.diag().sqlstate == "42P05";
      if (pooled) {
        m_caps.behind_pooler = true;
        m_options.prepare_threshold = -1;
        m_prepared.clear();  // they live on server connections this client no longer owns
        m_uses.clear();
      }
      // After DDL changed a table's shape, PostgreSQL refuses the old plan ("cached plan must
      // not change result type"): forget it and run the statement afresh, once.
      if ((e.diag().sqlstate != "0A000" && !pooled) || m_in_transaction) throw;
      forget_prepared(sql);
      return run([&](pqxx::nontransaction &tx) { return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(p.pointers)); }, sql);
    }
  }

  // The server-side name for `sql` once it has run prepare_threshold times; nullptr before.
  const std::string *prepared_name(const std::string &sql) {
    if (m_options.prepare_threshold < 0) return nullptr;
    auto it = m_prepared.find(sql);
    if (it != m_prepared.end()) return &it->second;
    int &uses = m_uses[sql];
    if (++uses < m_options.prepare_threshold) {
      if (m_uses.size() > 4096) m_uses.clear();  // one-off statements must not grow this forever
      return nullptr;
    }
    if (m_prepared.size() >= m_options.prepared_statements_max) {  // bounded: drop every plan rather than track recency
      for (const auto &[text, name] : m_prepared) m_conn->unprepare(name);
      m_prepared.clear();
    }
    // Unique per connection: a server connection shared through a pooler may hold another
    // client's statement of the same counter, and running that would run the wrong SQL.
    const std::string name = "carrierdb_" + m_prepared_tag + "_" + std::to_string(++m_prepared_counter);
    m_conn->prepare(name, sql);
    m_uses.erase(sql);
    return &m_prepared.emplace(sql, name).first->second;
  }

  void forget_prepared(const std::string &sql) {
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) return;
    try {
      m_conn->unprepare(it->second);
    } catch (...) {
    }
    m_prepared.erase(it);
  }

  // Every statement goes through here: pqxx exceptions become carrierdb errors.
  std::vector<std::vector<std::string>> index_keys(const std::string &table, const std::string &condition) {
    const result r = query(
        "SELECT i.indexrelid::bigint, a.attname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = $1 AND " + condition +
            " ORDER BY i.indexrelid, k.ord",
        {table});
    std::vector<std::vector<std::string>> out;
    std::int64_t current = -1;
    for (const auto &row : r.rows) {
      const auto id = std::get<std::int64_t>(row[0]);
      if (id != current) out.emplace_back();
      current = id;
      out.back().push_back(std::get<std::string>(row[1]));
    }
    return out;
  }

  void track_transaction(std::string_view statement) {
    if (!is_transaction_control(statement)) return;
    std::size_t i = statement.find_first_not_of(" \t\r\n");
    const char first = i == std::string_view::npos ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i])));
    m_in_transaction = first == 'B' || first == 'S';  // BEGIN / START TRANSACTION; the rest end it
  }

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

public:
  // Every libpqxx exception becomes a carrierdb error here; call it inside a catch block.
  // Anything else (a carrierdb error of our own) passes through unchanged.
  [[noreturn]] void translate_current(const std::string &sql) {
    try {
      throw;
    } catch (const pqxx::broken_connection &e) {
      // libpqxx files every SQLSTATE of class 08 under broken_connection, including the
      // protocol error for a wrong parameter count, after which the session is fine.
      if (m_conn->is_open() && std::string(e.what()).find("bind message supplies") != std::string::npos) {
        diagnostics diag;
        diag.statement = sql;
        throw_sql_error(e.what(), "08P01", diag, *this);
      }
      m_healthy = false;
      diagnostics diag;
      diag.server_message = mask_secrets(e.what());
      diag.statement = sql;
      throw connection_error("lost the connection to " + m_display + ": " + diag.server_message, diag,
                             "the server closed the connection or went away; retry the operation");
    } catch (const pqxx::sql_error &e) {
      // A failed COMMIT still ends the transaction; a failed BEGIN starts none.
      const auto first = sql.find_first_not_of(" \t\r\n");
      if (is_transaction_control(sql) && !(first != std::string::npos && std::toupper(static_cast<unsigned char>(sql[first])) == 'B'))
        m_in_transaction = false;
      diagnostics diag;
      diag.statement = sql;
      throw_sql_error(e.what(), e.sqlstate(), diag, *this);
    } catch (const pqxx::in_doubt_error &e) {
      m_healthy = false;
      throw operational_error(e.what(), diagnostics{}, "check whether the transaction committed");
    } catch (const pqxx::usage_error &e) {
      throw programming_error(e.what(), diagnostics{});
    } catch (const pqxx::argument_error &e) {
      throw programming_error(e.what(), diagnostics{});
    } catch (const pqxx::failure &e) {
      diagnostics diag;
      diag.statement = sql;
      throw operational_error(e.what(), diag);
    }
  }

private:
  [[noreturn]] static void rethrow_in_script(const database_error &e, const std::string &statement, int line) {
    diagnostics diag = e.diag();
    diag.statement = statement;
    diag.statement_line = line;
    rethrow_with_context(e, std::string(e.what()) + " (statement starting at line " + std::to_string(line) + ")", diag);
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
  std::string m_prepared_tag = random_tag();
  bool m_binary_copy_open = false;  // set by postgres_binary_copy_sink while its COPY runs
  bool m_reports_read_only = false;  // PostgreSQL 14+: the server reports it (see read_only_reason)
  bool m_hot_standby_at_open = false;  // older servers: what they said when the connection opened
  bool m_read_only_at_open = false;
};

// COPY ... FROM STDIN through libpqxx. tablewriter is deprecated in 6.4 but is the one COPY
// writer there that takes raw lines (stream_to's is private); 7.x would use stream_to::write_row.
class postgres_copy_sink final : public copy_sink {
public:
  postgres_copy_sink(pqxx::connection &conn, const std::string &table, const std::vector<std::string> &quoted_columns,
                     std::function<void(const std::exception_ptr &)> on_error, const std::function<void()> &cancel)
      : m_tx(conn), m_writer(m_tx, table, quoted_columns.begin(), quoted_columns.end()), m_on_error(std::move(on_error)),
        m_cancel(cancel) {}

  void write(const std::vector<value> &row) override {
    m_line.clear();
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (k) m_line += '\t';
      append_copy_field(m_line, row[k]);
    }
    try {
      m_writer.write_raw_line(m_line);
    } catch (...) {
      m_on_error(std::current_exception());
    }
    ++m_count;
  }

  std::int64_t finish() override {
    try {
      statement_in_flight in_flight(m_cancel);  // the server may take long to finish the load
      m_writer.complete();
    } catch (...) {
      m_on_error(std::current_exception());
    }
    return m_count;
  }

private:
  pqxx::nontransaction m_tx;
  pqxx::tablewriter m_writer;
  std::function<void(const std::exception_ptr &)> m_on_error;
  const std::function<void()> &m_cancel;
  std::string m_line;
  std::int64_t m_count = 0;
};

// libpqxx 6.4 keeps the PGconn it manages private, and has no binary COPY. The pointer to its
// raw_connection() member is taken through an explicit template instantiation, where access
// rules do not apply ([temp.explicit]); libpq's own COPY calls then run on that connection while
// libpqxx has nothing in flight on it.
using raw_connection_member = pqxx::internal::pq::PGconn *(pqxx::connection_base::*)() const;
raw_connection_member raw_connection_of();
template <raw_connection_member Member>
struct raw_connection_access {
  friend raw_connection_member raw_connection_of() { return Member; }
};
template struct raw_connection_access<&pqxx::connection_base::raw_connection>;

PGconn *pg_conn(pqxx::connection_base &c) { return (c.*raw_connection_of())(); }

// COPY ... FROM STDIN (FORMAT binary) through libpq: the server parses no text (timestamps,
// integers) per row. Rows are buffered and sent 64 KB at a time.
class postgres_binary_copy_sink final : public copy_sink {
public:
  postgres_binary_copy_sink(PGconn *pg, bool &open_flag, const std::string &copy_sql, std::vector<pg_binary_type> types,
                            std::function<void(const std::exception_ptr &)> on_error, const std::function<void()> &cancel)
      : m_pg(pg), m_open(open_flag), m_sql(copy_sql), m_types(std::move(types)), m_on_error(std::move(on_error)), m_cancel(cancel) {
    PGresult *r = PQexec(m_pg, m_sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) {
      m_done = true;
      fail(r);
    }
    PQclear(r);
    m_open = true;
    m_buffer.reserve(k_flush_bytes + 4096);
    append_pg_binary_header(m_buffer);
  }

  ~postgres_binary_copy_sink() override {
    if (!m_done) {
      // Abandoned (an exception in the caller): end the COPY so that the connection can roll back.
      PQputCopyEnd(m_pg, "carrierdb: bulk load abandoned");
      PQclear(drain());
    }
    m_open = false;
  }

  void write(const std::vector<value> &row) override {
    if (row.size() != m_types.size())
      throw programming_error("a bulk-load row has " + std::to_string(row.size()) + " values for " + std::to_string(m_types.size()) + " columns",
                              diagnostics{});
    const std::size_t mark = m_buffer.size();
    try {
      append_pg_binary_tuple_start(m_buffer, row.size());
      for (std::size_t k = 0; k < row.size(); ++k) append_pg_binary_field(m_buffer, row[k], m_types[k]);
    } catch (...) {
      m_buffer.resize(mark);  // the row is not sent; the caller decides what happens to the load
      throw;
    }
    ++m_count;
    if (m_buffer.size() >= k_flush_bytes) flush();
  }

  std::int64_t finish() override {
    check_interrupt();  // a stop now abandons the COPY (the destructor ends it with an error)
    append_pg_binary_trailer(m_buffer);
    flush();
    m_done = true;
    const bool ended = PQputCopyEnd(m_pg, nullptr) == 1;
    PGresult *failed;
    {
      // The server may take long to finish the load: a stop request cancels it. The result must be
      // read back whatever happens, so a stop requested meanwhile cancels rather than refuses.
      statement_in_flight in_flight(m_cancel, statement_in_flight::cancel_if_requested);
      failed = drain();
    }
    m_open = false;
    if (failed || !ended) fail(failed);
    return m_count;
  }

private:
  static constexpr std::size_t k_flush_bytes = 1 << 16;

  void flush() {
    if (m_buffer.empty()) return;
    if (PQputCopyData(m_pg, m_buffer.data(), static_cast<int>(m_buffer.size())) != 1) {
      // The server ended the COPY (an error) or the connection broke: its result says which.
      m_done = true;
      PQputCopyEnd(m_pg, "carrierdb: COPY failed");  // in case libpq still thinks the COPY open
      PGresult *failed = drain();
      m_open = false;
      fail(failed);
    }
    m_buffer.clear();
  }

  // Reads the COPY's results to the end; returns the first failed one (or null). Stops should
  // libpq still report the COPY open, instead of asking again forever.
  PGresult *drain() {
    PGresult *failed = nullptr;
    while (PGresult *r = PQgetResult(m_pg)) {
      const ExecStatusType status = PQresultStatus(r);
      if (status == PGRES_COPY_IN) {
        PQclear(r);
        break;
      }
      if (status != PGRES_COMMAND_OK && !failed) failed = r;
      else PQclear(r);
    }
    return failed;
  }

  // Raises the server's error (or libpq's) as libpqxx would, so the connection translates it
  // like every statement's error. Takes ownership of `r`.
  [[noreturn]] void fail(PGresult *r) {
    std::string message = r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(m_pg);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    if (r) PQclear(r);
    if (message.empty()) message = "COPY failed";
    if (PQstatus(m_pg) == CONNECTION_BAD) m_on_error(std::make_exception_ptr(pqxx::broken_connection(message)));
    m_on_error(std::make_exception_ptr(pqxx::sql_error(message, m_sql, sqlstate.empty() ? nullptr : sqlstate.c_str())));
    throw operational_error(message, diagnostics{});  // m_on_error throws; not reached
  }

  PGconn *m_pg;
  bool &m_open;  // the connection's "a binary COPY is open" flag
  std::string m_sql;
  std::vector<pg_binary_type> m_types;
  std::function<void(const std::exception_ptr &)> m_on_error;
  const std::function<void()> &m_cancel;
  std::string m_buffer;
  std::int64_t m_count = 0;
  bool m_done = false;
};

std::unique_ptr<copy_sink> postgres_connection::begin_copy(const std::string &table, const std::vector<std::string> &columns) {
  std::vector<std::string> quoted;
  for (const auto &c : columns) quoted.push_back(quote_identifier(c));
  const std::string what = "COPY " + quote_identifier(table);
  // Errors from the COPY are translated like every statement's.
  const auto rethrow = [this, what](const std::exception_ptr &error) {
    try {
      std::rethrow_exception(error);
    } catch (...) {
      translate_current(what);
    }
  };
  // Binary when every column has a binary form here; otherwise text (numeric, domains, ...).
  std::vector<pg_binary_type> types;
  {
    const result r = query("SELECT a.attname::text, t.typname::text, t.typtype::text, t.typnamespace = 'pg_catalog'::regnamespace "
                           "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                           "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                           {quote_identifier(table)});
    for (const auto &column : columns) {
      std::optional<pg_binary_type> type;
      for (const auto &row : r.rows)
        if (std::get<std::string>(row[0]) == column) {
          const std::string &typtype = std::get<std::string>(row[2]);
          type = pg_binary_type_of(std::get<std::string>(row[1]), typtype.empty() ? '\0' : typtype[0], std::get<bool>(row[3]));
        }
      if (!type) {
        types.clear();
        break;
      }
      types.push_back(*type);
    }
  }
  try {
    if (!types.empty()) {
      std::string list;
      for (const auto &c : quoted) list += (list.empty() ? "" : ", ") + c;
      return std::make_unique<postgres_binary_copy_sink>(pg_conn(raw()), m_binary_copy_open,
                                                         "COPY " + quote_identifier(table) + " (" + list + ") FROM STDIN (FORMAT binary)",
                                                         std::move(types), rethrow, cancel_statement());
    }
    return std::make_unique<postgres_copy_sink>(raw(), quote_identifier(table), quoted, rethrow, cancel_statement());
  } catch (...) {
    translate_current(what);
  }
}

}  // namespace

std::unique_ptr<connection> open_postgres(const database_url &url, const connection_options &options) {
  return std::make_unique<postgres_connection>(url, options);
}


}  // namespace carrierdb::internal
