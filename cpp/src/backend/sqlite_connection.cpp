// sqlite_connection: opening a file or in-memory database, running statements (a cache of
// compiled ones, $n parameters), transactions, waits for another writer and stop requests.
// The class is declared in sqlite_adapter.hpp; its other jobs are in the sqlite_*.cpp files it names.
#include "sqlite_adapter.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <thread>

#include "carrierdb/error.hpp"
#include "sqlite_connection.hpp"
#include "sqlite_errors.hpp"
#include "sqlite_files.hpp"

namespace carrierdb::internal {

namespace {

column_kind kind_of_decltype(const char *decl) {
  if (!decl) return column_kind::other;
  std::string d(decl);
  for (auto &ch : d) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (d.find("BOOL") != std::string::npos) return column_kind::boolean;
  if (d.find("DATETIME") != std::string::npos || d.find("TIMESTAMP") != std::string::npos) return column_kind::timestamp;
  if (d == "DATE") return column_kind::date;
  if (d.find("DECIMAL") != std::string::npos || d.find("NUMERIC") != std::string::npos) return column_kind::numeric;
  if (d.find("JSON") != std::string::npos) return column_kind::json;
  if (d.find("INT") != std::string::npos) return column_kind::integer;
  if (d.find("REAL") != std::string::npos || d.find("FLOA") != std::string::npos || d.find("DOUB") != std::string::npos) return column_kind::real;
  if (d.find("BLOB") != std::string::npos) return column_kind::bytes;
  return column_kind::text;
}

}  // namespace

sqlite_connection::sqlite_connection(const database_url &url, const connection_options &options)
    : m_display(url.display()), m_path(url.sqlite_path()), m_options(options) {
  m_caps.transactional_ddl = true;
  m_caps.returning = true;  // since SQLite 3.35
  m_caps.foreign_keys_pragma = true;

  const bool create = options.create && url.sqlite_may_create();
  if (!m_path.empty()) check_sqlite_location(m_path, m_display, create);
  int flags = SQLITE_OPEN_NOMUTEX;
  if (url.sqlite_read_only()) flags |= SQLITE_OPEN_READONLY;
  else flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  bool uri = false;
  const std::string filename = sqlite_open_name(url, uri);
  if (uri) flags |= SQLITE_OPEN_URI;
  const int rc = sqlite3_open_v2(filename.c_str(), &m_db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const int err = m_db ? sqlite3_system_errno(m_db) : 0;
    diagnostics diag;
    diag.sqlstate = code_name(rc & 0xff);
    diag.native_code = rc;
    diag.server_message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    sqlite3_close(m_db);
    m_db = nullptr;
    throw connection_error("cannot open SQLite database " + m_display + ": " + diag.server_message +
                               (err ? std::string(" (") + std::strerror(err) + ")" : ""),
                           diag, "check that the directory exists and is writable");
  }
  sqlite3_extended_result_codes(m_db, 1);
  // Waiting for another writer, up to busy_timeout. Not sqlite3_busy_timeout(): it sleeps inside
  // SQLite, out of reach of a stop request; this sleeps in slices of at most 20 ms and gives up
  // on a stop (SQLITE_BUSY, then reported as the interruption it is).
  sqlite3_busy_handler(
      m_db,
      [](void *self, int attempt) -> int {
        auto *conn = static_cast<sqlite_connection *>(self);
        const auto now = std::chrono::steady_clock::now();
        if (attempt == 0) conn->m_busy_since = now;
        if (interrupt_pending() || now - conn->m_busy_since >= conn->m_options.busy_timeout) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20, 1 << std::min(attempt, 5))));
        return 1;
      },
      this);
  // Every 1,000 virtual-machine steps: past statement_timeout, or asked to stop (Ctrl-C)? Runs
  // on the statement's own thread, so a stop never races the statement's end.
  sqlite3_progress_handler(
      m_db, 1000,
      [](void *self) -> int {
        const auto *conn = static_cast<sqlite_connection *>(self);
        if (interrupt_pending()) return 1;
        return conn->m_timeout_armed && std::chrono::steady_clock::now() > conn->m_deadline ? 1 : 0;
      },
      this);
  m_read_only = sqlite_read_only_reason(url, sqlite3_db_readonly(m_db, "main") == 1);
  try {
    execute_script("PRAGMA foreign_keys = ON", {});
    // A read-only database stays in the journal mode it has: switching to WAL would write.
    if (!m_path.empty() && !m_read_only) {
      // WAL lets readers work while one writer writes; NORMAL sync is durable across
      // process crashes and is SQLite's recommendation with WAL. Switching a new file to WAL
      // takes an exclusive lock, and SQLite answers "locked" at once, without the busy handler,
      // when another process is in the middle of the same switch or of its first write: wait for
      // it here, within busy_timeout, as any other writer would.
      const auto until = std::chrono::steady_clock::now() + m_options.busy_timeout;
      for (;;) {
        try {
          execute_script("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", {});
          break;
        } catch (const timeout_error &) {
          if (interrupt_pending() || std::chrono::steady_clock::now() >= until) throw;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    }
  } catch (const database_error &e) {
    sqlite3_close(m_db);
    m_db = nullptr;
    throw connection_error("cannot use SQLite database " + m_display + ": " + e.what(), e.diag(),
                           "check that the file and its directory are writable");
  }
}

sqlite_connection::~sqlite_connection() {
  for (auto &[text, stmt] : m_statements) sqlite3_finalize(stmt);
  sqlite3_close_v2(m_db);
}

void sqlite_connection::begin() { execute("BEGIN IMMEDIATE", {}); }

// A compiled statement borrowed from the cache for one use, reset and unbound on return.
// SQLite recompiles a cached statement by itself when the schema changes, at its next step.
class sqlite_connection::cached_statement {
public:
  cached_statement(sqlite_connection &owner, const std::string &sql) : m_owner(owner) {
    auto it = owner.m_statements.find(sql);
    if (it != owner.m_statements.end()) {
      m_stmt = it->second;
      owner.m_statements.erase(it);
      m_sql = sql;
      return;
    }
    sqlite_statement fresh;
    owner.prepare_one(sql, fresh);
    m_stmt = *fresh.out();
    *fresh.out() = nullptr;
    m_sql = sql;
  }
  ~cached_statement() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    if (m_owner.m_statements.size() >= 256) {
      for (auto &[text, stmt] : m_owner.m_statements) sqlite3_finalize(stmt);
      m_owner.m_statements.clear();
    }
    if (!m_owner.m_statements.emplace(m_sql, m_stmt).second) sqlite3_finalize(m_stmt);
  }
  sqlite3_stmt *get() const { return m_stmt; }

private:
  sqlite_connection &m_owner;
  sqlite3_stmt *m_stmt = nullptr;
  std::string m_sql;
};


result sqlite_connection::query(const std::string &sql, const params &args) {
  if (m_options.statements_run) ++*m_options.statements_run;
  cached_statement stmt(*this, sql);
  bind(stmt.get(), args, sql);
  result out;
  int ncols = 0;
  arm_timeout();
  // changes64() keeps the count of the last INSERT/UPDATE/DELETE across a SELECT or DDL: compare totals.
  const auto changes_before = sqlite3_total_changes64(m_db);
  for (bool first = true;; first = false) {
    const int rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw_sqlite_error(m_db, rc, sql, *this);
    // Only the first step finds out that another connection changed the schema (and recompiles
    // the statement, `SELECT *` included): the columns are the statement's after it, not before.
    if (first) {
      ncols = sqlite3_column_count(stmt.get());
      out.columns.reserve(ncols);
      for (int c = 0; c < ncols; ++c)
        out.columns.push_back(column{sqlite3_column_name(stmt.get(), c), kind_of_decltype(sqlite3_column_decltype(stmt.get(), c))});
    }
    if (rc == SQLITE_DONE) break;
    std::vector<value> cells;
    cells.reserve(ncols);
    for (int c = 0; c < ncols; ++c) cells.push_back(read(stmt.get(), c, out.columns[c]));
    out.rows.push_back(std::move(cells));
  }
  // Expressions have no declared type: take the kind from what the first rows hold.
  for (auto &col : out.columns)
    if (col.kind == column_kind::other) col.kind = column_kind::text;
  out.affected_rows = sqlite3_total_changes64(m_db) == changes_before ? 0 : sqlite3_changes64(m_db);
  return out;
}

std::int64_t sqlite_connection::execute(const std::string &sql, const params &args) {
  if (m_options.statements_run) ++*m_options.statements_run;
  cached_statement stmt(*this, sql);
  bind(stmt.get(), args, sql);
  arm_timeout();
  // changes64() keeps the count of the last INSERT/UPDATE/DELETE across DDL: compare totals.
  const auto before = sqlite3_total_changes64(m_db);
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) throw_sqlite_error(m_db, rc, sql, *this);
  return sqlite3_total_changes64(m_db) == before ? 0 : sqlite3_changes64(m_db);
}

void sqlite_connection::execute_script(const std::string &sql, const std::function<void(const script_statement &)> &before) {
  const char *const base = sql.c_str();
  const char *tail = base;
  const char *const end = base + sql.size();
  std::size_t index = 0;
  int line = 1;
  const char *line_counted_to = base;
  while (tail < end) {
    sqlite_statement stmt;
    const char *next = nullptr;
    const int rc = sqlite3_prepare_v2(m_db, tail, static_cast<int>(end - tail), stmt.out(), &next);
    // Where the statement begins: skip blanks so the line number points at its text.
    const char *start = tail;
    while (start < next && std::isspace(static_cast<unsigned char>(*start))) ++start;
    for (; line_counted_to < start; ++line_counted_to)
      if (*line_counted_to == '\n') ++line;
    std::string text(start, next ? next - start : end - start);
    while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == ';')) text.pop_back();
    if (rc != SQLITE_OK) {
      // A statement that fails to compile was still reached: report it like one that fails to run.
      if (before) before(script_statement{index, line, std::string_view(start, text.size())});
      fail_in_script(rc, text, line);
    }
    tail = next;
    if (!stmt.get()) continue;  // only blanks or comments
    if (before) before(script_statement{index, line, std::string_view(start, text.size())});
    arm_timeout();
    int step;
    while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    }
    if (step != SQLITE_DONE) fail_in_script(step, text, line);
    ++index;
  }
}

void sqlite_connection::prepare_one(const std::string &sql, sqlite_statement &stmt) {
  const char *tail = nullptr;
  const int rc = sqlite3_prepare_v2(m_db, sql.c_str(), static_cast<int>(sql.size()), stmt.out(), &tail);
  if (rc != SQLITE_OK) throw_sqlite_error(m_db, rc, sql, *this);
  if (!stmt.get()) throw programming_error("empty statement", diagnostics{}, "pass one SQL statement");
  for (const char *p = tail; p && *p; ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') {
      // A second statement would silently be ignored: refuse instead.
      throw programming_error("more than one statement given; use execute_script() for scripts", diagnostics{});
    }
  }
}

// Binds `$n` (and bare `?`) placeholders. The count must match exactly, as on PostgreSQL.
void sqlite_connection::bind(sqlite3_stmt *stmt, const params &args, const std::string &sql) {
  const int count = sqlite3_bind_parameter_count(stmt);
  std::size_t expected = 0;
  for (int p = 1; p <= count; ++p) {
    const char *name = sqlite3_bind_parameter_name(stmt, p);
    std::size_t n = static_cast<std::size_t>(p);
    if (name) {
      if ((name[0] != '$' && name[0] != '?') || !name[1] || std::strspn(name + 1, "0123456789") != std::strlen(name + 1))
        throw programming_error(std::string("unsupported parameter ") + name + " in: " + sql, diagnostics{},
                                "use $1, $2, ... placeholders");
      n = std::strtoul(name + 1, nullptr, 10);
    }
    expected = std::max(expected, n);
    if (n == 0 || n > args.size()) continue;
    bind_value(stmt, p, args[n - 1]);
  }
  if (expected != args.size()) {
    diagnostics diag;
    diag.sqlstate = "SQLITE_RANGE";
    diag.statement = sql;
    throw programming_error("wrong number of parameters: the statement uses " + std::to_string(expected) + ", " +
                                std::to_string(args.size()) + " given",
                            diag, "pass one value per $n placeholder");
  }
}

void sqlite_connection::bind_value(sqlite3_stmt *stmt, int index, const value &v) {
  int rc;
  if (is_null(v)) rc = sqlite3_bind_null(stmt, index);
  else if (auto b = std::get_if<bool>(&v)) rc = sqlite3_bind_int(stmt, index, *b ? 1 : 0);
  else if (auto i = std::get_if<std::int64_t>(&v)) rc = sqlite3_bind_int64(stmt, index, *i);
  else if (auto d = std::get_if<double>(&v)) rc = sqlite3_bind_double(stmt, index, *d);
  else if (auto b = std::get_if<byte_string>(&v))
    rc = sqlite3_bind_blob64(stmt, index, b->octets.data(), b->octets.size(), SQLITE_TRANSIENT);
  else if (std::holds_alternative<value_list>(v)) {
    diagnostics diag;
    diag.sqlstate = "SQLITE_MISMATCH";
    diag.statement = sqlite3_sql(stmt);
    throw programming_error("parameter $" + std::to_string(index) + " is a list, which SQLite cannot store (it has no array type)", diag,
                            "scalar lists (String[], Int[], ...) exist on PostgreSQL only, as in Prisma");
  } else {
    const auto &s = std::get<std::string>(v);
    rc = sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  if (rc != SQLITE_OK) throw_sqlite_error(m_db, rc, sqlite3_sql(stmt), *this);
}

value sqlite_connection::read(sqlite3_stmt *stmt, int c, column &col) {
  switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_NULL: return std::monostate{};
    case SQLITE_INTEGER:
      if (col.kind == column_kind::other) col.kind = column_kind::integer;
      if (col.kind == column_kind::boolean) return sqlite3_column_int64(stmt, c) != 0;
      return static_cast<std::int64_t>(sqlite3_column_int64(stmt, c));
    case SQLITE_FLOAT:
      if (col.kind == column_kind::other) col.kind = column_kind::real;
      return sqlite3_column_double(stmt, c);
    case SQLITE_BLOB: {
      if (col.kind == column_kind::other) col.kind = column_kind::bytes;
      const auto *p = static_cast<const char *>(sqlite3_column_blob(stmt, c));
      return byte_string{std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)))};
    }
    default: {
      const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt, c));
      return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
    }
  }
}

// Before each statement: no statement starts once a stop is pending, and statement_timeout's
// deadline is set for the progress handler.
void sqlite_connection::arm_timeout() {
  check_interrupt();
  if (m_options.statement_timeout.count() <= 0) return;
  m_deadline = std::chrono::steady_clock::now() + m_options.statement_timeout;
  m_timeout_armed = true;
}

void sqlite_connection::fail(int rc, const std::string &sql) { throw_sqlite_error(m_db, rc, sql, *this); }

void sqlite_connection::fail_in_script(int rc, const std::string &text, int line) {
  try {
    throw_sqlite_error(m_db, rc, text, *this);
  } catch (const database_error &e) {
    diagnostics diag = e.diag();
    diag.statement = text;
    diag.statement_line = line;
    rethrow_with_context(e, std::string(e.what()) + " (statement starting at line " + std::to_string(line) + ")", diag);
  }
}

std::unique_ptr<connection> open_sqlite(const database_url &url, const connection_options &options) {
  return std::make_unique<sqlite_connection>(url, options);
}

}  // namespace carrierdb::internal
