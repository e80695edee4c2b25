// The PostgreSQL adapter's connection: opening it (conninfo, pooler detection, session settings),
// running statements (parameters, the prepared-statement cache, scripts), tracking transactions,
// cancelling on a stop request, and turning libpqxx exceptions into carrierdb errors. The class is
// declared in postgres_adapter.hpp; its other jobs live in the files that header lists.
#include "postgres_adapter.hpp"

#include <algorithm>
#include <cctype>
#include <random>

#include "carrierdb/log.hpp"
#include "postgres_connection.hpp"
#include "postgres_errors.hpp"
#include "postgres_values.hpp"
#include "sql_script.hpp"

namespace carrierdb::internal {

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

namespace {

// Names prepared statements apart from those of other clients sharing a server connection.
std::string random_tag() {
  static const char hex[] = "0123456789abcdef";
  std::random_device rd;
  std::string tag;
  for (int k = 0; k < 8; ++k) tag += hex[rd() & 0xF];
  return tag;
}

}  // namespace

// ---- opening -------------------------------------------------------------------------------

postgres_connection::postgres_connection(const database_url &url, const connection_options &options)
    : m_display(url.display()), m_options(options), m_prepared_tag(random_tag()) {
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
  m_cancel.reset(PQgetCancel(libpq_connection(*m_conn)));
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

postgres_connection::~postgres_connection() {
  m_notices.reset();
}

// A pooler answers the startup itself: the backend pid in its BackendKeyData is its own
// (PgBouncer's is random), not that of the server connection running our statements.
bool postgres_connection::detect_pooler() {
  const result r = query("SELECT pg_backend_pid()", {});
  return std::get<std::int64_t>(r.rows.at(0).at(0)) != m_conn->backendpid();
}

// Through a pooler a search_path cannot be set for this client: accept `schema` only when the
// server's own default already resolves to it; anything else would put tables elsewhere.
void postgres_connection::require_pooled_schema(const std::string &schema) {
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

read_only_state postgres_connection::read_only_reason() const {
  bool hot_standby = m_hot_standby_at_open, read_only = m_read_only_at_open;
  if (m_reports_read_only && m_conn && m_conn->is_open()) {
    PGconn *pg = libpq_connection(*m_conn);
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

std::string postgres_connection::server_version() {
  const int v = m_conn->server_version();
  return "PostgreSQL " + std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}

// ---- statements ----------------------------------------------------------------------------

result postgres_connection::query(const std::string &sql, const params &args) {
  if (m_options.statements_run) ++*m_options.statements_run;
  const pqxx::result r = exec_params(sql, args);
  result out;
  const auto ncols = r.columns();
  out.columns.reserve(ncols);
  std::vector<column_kind> kinds;
  std::vector<char> arrays;  // a list column's kind is its elements' kind
  for (pqxx::row::size_type c = 0; c < ncols; ++c) {
    column_kind k = kind_of_oid(r.column_type(c));
    const bool is_list = array_element_kind(r.column_type(c), k);
    arrays.push_back(is_list);
    out.columns.push_back(column{r.column_name(c), k, static_cast<std::uint32_t>(r.column_type(c)), is_list});
    kinds.push_back(k);
  }
  out.rows.reserve(r.size());
  for (const auto &row : r) {
    std::vector<value> cells;
    cells.reserve(ncols);
    for (pqxx::row::size_type c = 0; c < ncols; ++c) cells.push_back(cell(row[c], kinds[c], arrays[c] != 0));
    out.rows.push_back(std::move(cells));
  }
  out.affected_rows = static_cast<std::int64_t>(r.affected_rows());
  return out;
}

std::int64_t postgres_connection::execute(const std::string &sql, const params &args) {
  if (m_options.statements_run) ++*m_options.statements_run;
  return static_cast<std::int64_t>(exec_params(sql, args).affected_rows());
}

void postgres_connection::execute_script(const std::string &sql, const std::function<void(const script_statement &)> &before) {
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

void postgres_connection::execute_batch(const std::string &sql) {
  if (m_options.statements_run) ++*m_options.statements_run;
  run([&](pqxx::nontransaction &tx) { return tx.exec(sql); }, sql);
}

pqxx::result postgres_connection::exec_params(const std::string &sql, const params &args) {
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
const std::string *postgres_connection::prepared_name(const std::string &sql) {
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

void postgres_connection::forget_prepared(const std::string &sql) {
  auto it = m_prepared.find(sql);
  if (it == m_prepared.end()) return;
  try {
    m_conn->unprepare(it->second);
  } catch (...) {
  }
  m_prepared.erase(it);
}

// Rethrows a statement's error with where in the script it starts.
void postgres_connection::rethrow_in_script(const database_error &e, const std::string &statement, int line) {
  diagnostics diag = e.diag();
  diag.statement = statement;
  diag.statement_line = line;
  rethrow_with_context(e, std::string(e.what()) + " (statement starting at line " + std::to_string(line) + ")", diag);
}

// ---- transactions and errors ---------------------------------------------------------------

void postgres_connection::track_transaction(std::string_view statement) {
  if (!is_transaction_control(statement)) return;
  std::size_t i = statement.find_first_not_of(" \t\r\n");
  const char first = i == std::string_view::npos ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i])));
  m_in_transaction = first == 'B' || first == 'S';  // BEGIN / START TRANSACTION; the rest end it
}

void postgres_connection::translate_current(const std::string &sql) {
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

std::unique_ptr<connection> open_postgres(const database_url &url, const connection_options &options) {
  return std::make_unique<postgres_connection>(url, options);
}

}  // namespace carrierdb::internal
