// The SQLite adapter: file or in-memory database, statements, the bulk path, catalog, file locks.
// Result codes are mapped in sqlite_errors.cpp; file names and permissions are in sqlite_files.cpp.
#include "sqlite_connection.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "carrierdb/error.hpp"
#include "sqlite_errors.hpp"
#include "sqlite_files.hpp"

namespace carrierdb::internal {

namespace {

// Collapses runs of blanks so that equal definitions compare equal whatever their layout.
std::string normalise_sql(const std::string &sql) {
  std::string out;
  bool blank = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = true;
      continue;
    }
    if (blank && !out.empty() && c != ')' && c != ',' && out.back() != '(') out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

std::string parent_directory(const std::string &path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

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

class sqlite_file_lock final : public lock_handle {
public:
  explicit sqlite_file_lock(int fd) : m_fd(fd) {}
  ~sqlite_file_lock() override {
    if (m_fd >= 0) close(m_fd);  // closing the last descriptor releases the flock too
  }

  void release() override {
    if (m_fd < 0) return;
    const int unlocked = flock(m_fd, LOCK_UN);
    const int err = errno;
    const int closed = close(m_fd);
    m_fd = -1;
    if (unlocked != 0 || closed != 0)
      throw operational_error(std::string("releasing the database's lock file failed: ") + std::strerror(unlocked != 0 ? err : errno),
                              diagnostics{}, "check the lock file beside the database; no process of this one holds it any more");
  }

private:
  int m_fd;
};

class no_lock final : public lock_handle {};

class statement {
public:
  statement() = default;
  statement(const statement &) = delete;
  statement &operator=(const statement &) = delete;
  ~statement() { sqlite3_finalize(m_stmt); }
  sqlite3_stmt **out() { return &m_stmt; }
  sqlite3_stmt *get() const { return m_stmt; }

private:
  sqlite3_stmt *m_stmt = nullptr;
};

class sqlite_connection final : public connection {
public:
  sqlite_connection(const database_url &url, const connection_options &options)
      : m_display(url.display()), m_path(url.sqlite_path()), m_options(options) {
    m_caps.transactional_ddl = true;
    m_caps.returning = true;  // since SQLite 3.35

    const bool create = options.create && url.sqlite_may_create();
    if (!m_path.empty()) check_location(create);
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
        // process crashes and is SQLite's recommendation with WAL.
        execute_script("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", {});
      }
    } catch (const database_error &e) {
      sqlite3_close(m_db);
      m_db = nullptr;
      throw connection_error("cannot use SQLite database " + m_display + ": " + e.what(), e.diag(),
                             "check that the file and its directory are writable");
    }
  }

  ~sqlite_connection() override {
    for (auto &[text, stmt] : m_statements) sqlite3_finalize(stmt);
    sqlite3_close_v2(m_db);
  }

  backend_kind kind() const noexcept override { return backend_kind::sqlite; }
  const capabilities &caps() const noexcept override { return m_caps; }
  bool healthy() const noexcept override { return m_db != nullptr && !m_discarded; }
  void discard() noexcept override { m_discarded = true; }
  bool in_transaction() const noexcept override { return m_db && !sqlite3_get_autocommit(m_db); }
  const std::string &display_url() const noexcept override { return m_display; }
  std::string server_version() override { return std::string("SQLite ") + sqlite3_libversion(); }
  read_only_state read_only_reason() const override { return m_read_only; }

  void begin() override { execute("BEGIN IMMEDIATE", {}); }

  result query(const std::string &sql, const params &args) override {
    cached_statement stmt(*this, sql);
    bind(stmt.get(), args, sql);
    result out;
    const int ncols = sqlite3_column_count(stmt.get());
    out.columns.reserve(ncols);
    for (int c = 0; c < ncols; ++c)
      out.columns.push_back(column{sqlite3_column_name(stmt.get(), c), kind_of_decltype(sqlite3_column_decltype(stmt.get(), c))});
    arm_timeout();
    for (;;) {
      const int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw_sqlite_error(m_db, rc, sql, *this);
      std::vector<value> cells;
      cells.reserve(ncols);
      for (int c = 0; c < ncols; ++c) cells.push_back(read(stmt.get(), c, out.columns[c]));
      out.rows.push_back(std::move(cells));
    }
    // Expressions have no declared type: take the kind from what the first rows hold.
    for (auto &col : out.columns)
      if (col.kind == column_kind::other) col.kind = column_kind::text;
    out.affected_rows = sqlite3_changes64(m_db);
    return out;
  }

  std::int64_t execute(const std::string &sql, const params &args) override {
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

  void execute_script(const std::string &sql, const std::function<void(const script_statement &)> &before) override {
    const char *const base = sql.c_str();
    const char *tail = base;
    const char *const end = base + sql.size();
    std::size_t index = 0;
    int line = 1;
    const char *line_counted_to = base;
    while (tail < end) {
      statement stmt;
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

  std::string sql_type(logical_type type, int) const override {
    switch (type) {
      case logical_type::varchar:
      case logical_type::text: return "TEXT";
      case logical_type::integer: return "INTEGER";
      case logical_type::unsigned_integer: return "INTEGER UNSIGNED";
      case logical_type::bigint: return "BIGINT";
      case logical_type::timestamptz: return "DATETIME";
    }
    return "TEXT";
  }

  std::string current_timestamp_sql() const override { return "current_timestamp"; }

  value timestamp_value(std::chrono::system_clock::time_point at) const override {
    return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
  }

  std::unique_ptr<copy_sink> begin_copy(const std::string &table, const std::vector<std::string> &columns) override;
  std::string null_safe_equal_sql(const std::string &a, const std::string &b) const override { return a + " IS " + b; }
  std::vector<std::string> drop_secondary_indexes(const std::string &table) override {
    // Indexes SQLite made for UNIQUE/PRIMARY KEY clauses have no SQL and stay.
    const result r = query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL", {table});
    std::vector<std::string> recreate;
    for (const auto &row : r.rows) {
      recreate.push_back(std::get<std::string>(row[1]));
      execute("DROP INDEX " + quote_identifier(std::get<std::string>(row[0])), {});
    }
    return recreate;
  }


  std::string text_match_sql(const std::string &column_sql, text_match how, const std::string &needle, bool insensitive,
                             params &args) const override {
    std::string pattern;
    if (insensitive) {
      // LIKE folds ASCII letters only (SQLite without ICU).
      args.emplace_back(like_pattern(needle, how));
      return column_sql + " LIKE " + placeholder(args.size()) + " ESCAPE '\\'";
    }
    // SQLite's LIKE ignores ASCII case, so case-sensitive matching uses GLOB; its wildcards
    // are escaped by enclosing them in brackets.
    for (char c : needle) {
      if (c == '*' || c == '?' || c == '[') pattern += std::string("[") + c + "]";
      else pattern += c;
    }
    if (how != text_match::starts_with) pattern = "*" + pattern;
    if (how != text_match::ends_with) pattern += "*";
    args.emplace_back(std::move(pattern));
    return column_sql + " GLOB " + placeholder(args.size());
  }

  std::vector<std::string> table_names() override {
    std::vector<std::string> out;
    for (const auto &row :
         query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1", {}).rows)
      out.push_back(std::get<std::string>(row[0]));
    return out;
  }

  std::vector<column_info> table_columns(const std::string &table) override {
    std::vector<column_info> out;
    const result r = query("SELECT name, lower(type), \"notnull\", coalesce(dflt_value, ''), pk FROM pragma_table_info($1)", {table});
    for (const auto &row : r.rows) {
      // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever the declaration says.
      const bool rowid = std::get<std::int64_t>(row[4]) > 0 && std::get<std::string>(row[1]) == "integer";
      out.push_back(column_info{std::get<std::string>(row[0]), std::get<std::string>(row[1]),
                                !std::get<std::int64_t>(row[2]) && !rowid, std::get<std::string>(row[3])});
    }
    return out;
  }

  std::vector<std::vector<std::string>> unique_keys(const std::string &table) override {
    std::vector<std::vector<std::string>> out;
    const result indexes = query("SELECT name FROM pragma_index_list($1) WHERE \"unique\" AND origin <> 'pk' ORDER BY name", {table});
    for (const auto &row : indexes.rows) {
      std::vector<std::string> columns;
      for (const auto &c : query("SELECT name FROM pragma_index_info($1) ORDER BY seqno", {std::get<std::string>(row[0])}).rows)
        columns.push_back(std::get<std::string>(c[0]));
      out.push_back(columns);
    }
    return out;
  }

  std::vector<std::string> primary_key(const std::string &table) override {
    std::vector<std::string> out;
    for (const auto &row : query("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk", {table}).rows)
      out.push_back(std::get<std::string>(row[0]));
    return out;
  }

  void drop_all_objects() override {
    // Foreign keys off for the drop (it cannot change inside a transaction), and back on after it
    // whatever happens, also while a stop unwinds the reset.
    execute("PRAGMA foreign_keys = OFF", {});
    struct foreign_keys_back_on {
      sqlite_connection &conn;
      ~foreign_keys_back_on() {
        interrupt_shield shield;
        try {
          conn.execute("PRAGMA foreign_keys = ON", {});
        } catch (...) {
          conn.discard();  // never pooled with foreign keys off
        }
      }
    } restore{*this};
    scoped_transaction tx(*this);
    const result objects = query(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql IS NOT NULL "
        "ORDER BY CASE type WHEN 'trigger' THEN 1 WHEN 'view' THEN 2 WHEN 'index' THEN 3 ELSE 4 END",
        {});
    for (const auto &row : objects.rows) {
      std::string type = std::get<std::string>(row[0]);
      for (auto &ch : type) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      execute("DROP " + type + " IF EXISTS " + quote_identifier(std::get<std::string>(row[1])), {});
    }
    tx.commit();
  }

  std::vector<std::string> schema_snapshot() override {
    std::vector<std::string> out;
    const result objects = query(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'", {});
    for (const auto &row : objects.rows) {
      const auto &type = std::get<std::string>(row[0]);
      const auto &name = std::get<std::string>(row[1]);
      out.push_back(type + " " + name + " " + normalise_sql(std::get<std::string>(row[3])));
      if (type != "table") continue;
      const std::string quoted = quote_identifier(name);
      for (const auto &c : query("SELECT name, type, \"notnull\", coalesce(dflt_value, ''), pk FROM pragma_table_info($1)", {name}).rows)
        out.push_back("column " + name + "." + std::get<std::string>(c[0]) + " " + std::get<std::string>(c[1]) +
                      (std::get<std::int64_t>(c[2]) ? " not null" : " null") + " default " + std::get<std::string>(c[3]) +
                      " pk " + std::to_string(std::get<std::int64_t>(c[4])));
      for (const auto &i : query("SELECT name, \"unique\", origin, (SELECT group_concat(name, ',') FROM pragma_index_info(il.name)) "
                                 "FROM pragma_index_list($1) il", {name}).rows)
        out.push_back("index " + name + " " + std::get<std::string>(i[0]) + (std::get<std::int64_t>(i[1]) ? " unique " : " ") +
                      std::get<std::string>(i[2]) + " (" + (is_null(i[3]) ? "" : std::get<std::string>(i[3])) + ")");
      for (const auto &f : query("SELECT \"table\", \"from\", coalesce(\"to\", ''), on_update, on_delete FROM pragma_foreign_key_list($1)", {name}).rows)
        out.push_back("foreign_key " + name + "." + std::get<std::string>(f[1]) + " -> " + std::get<std::string>(f[0]) + "." +
                      std::get<std::string>(f[2]) + " on update " + std::get<std::string>(f[3]) + " on delete " + std::get<std::string>(f[4]));
      (void)quoted;
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<lock_handle> acquire_lock(std::int64_t key, std::chrono::milliseconds timeout) override {
    // In memory, only this connection sees the database: nothing to exclude.
    if (m_path.empty()) return std::make_unique<no_lock>();
    // A lock file beside the database, not the database itself: closing any descriptor of
    // the database file would drop SQLite's own POSIX locks on it. flock() dies with the
    // process, so a killed deploy never leaves the lock behind.
    const std::string lock_path = m_path + ".lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw operational_error("cannot open lock file " + lock_path + ": " + std::strerror(errno), diagnostics{},
                              "check that the database's directory is writable");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto wait = std::chrono::milliseconds(5);
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        const int err = errno;
        close(fd);
        throw operational_error("cannot lock " + lock_path + ": " + std::strerror(err), diagnostics{});
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        close(fd);
        throw timeout_error("could not take the lock " + std::to_string(key) + " on " + m_display + " (" + lock_path + ") within " +
                                std::to_string(timeout.count()) + " ms",
                            diagnostics{}, "another migration is running against this file; wait for it, or raise lock_timeout");
      }
      try {
        interruptible_sleep(wait);
      } catch (...) {
        close(fd);
        throw;
      }
      wait = std::min(wait * 2, std::chrono::milliseconds(100));
    }
    return std::make_unique<sqlite_file_lock>(fd);
  }

  // A compiled statement borrowed from the cache for one use, reset and unbound on return.
  // SQLite recompiles a cached statement by itself when the schema changes.
  class cached_statement {
  public:
    cached_statement(sqlite_connection &owner, const std::string &sql) : m_owner(owner) {
      auto it = owner.m_statements.find(sql);
      if (it != owner.m_statements.end()) {
        m_stmt = it->second;
        owner.m_statements.erase(it);
        m_sql = sql;
        return;
      }
      statement fresh;
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

  int bind_value(sqlite3_stmt *stmt, int index, const value &v) {
    bind_one(stmt, index, v);
    return SQLITE_OK;
  }
  sqlite3 *handle() const { return m_db; }
  const std::string &display() const { return m_display; }
  [[noreturn]] void fail(int rc, const std::string &sql) { throw_sqlite_error(m_db, rc, sql, *this); }

private:
  void check_location(bool create) const {
    const std::string dir = parent_directory(m_path);
    struct stat st {};
    if (!create && stat(m_path.c_str(), &st) != 0 && errno == ENOENT) {
      diagnostics diag;
      diag.sqlstate = "SQLITE_CANTOPEN";
      throw connection_error("SQLite database " + m_display + " does not exist (no file " + m_path + "); nothing was created",
                             diag,
                             "create it with `carrierdb migrate deploy` (it creates the file and applies the migrations), "
                             "or point DATABASE_URL at the existing file");
    }
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      const int err = errno;
      diagnostics diag;
      diag.sqlstate = "SQLITE_CANTOPEN";
      if (err == EACCES)
        throw connection_error("cannot open SQLite database " + m_display + ": directory '" + dir + "' is not accessible (" +
                                   std::strerror(err) + ")",
                               diag, "check the permissions of the directory and its parents");
      throw connection_error("cannot open SQLite database " + m_display + ": directory '" + dir + "' does not exist",
                             diag, "create the directory first, or point the URL at an existing one");
    }
    if (stat(m_path.c_str(), &st) != 0 && access(dir.c_str(), W_OK) != 0) {
      diagnostics diag;
      diag.sqlstate = "SQLITE_CANTOPEN";
      throw connection_error("cannot create SQLite database " + m_display + ": directory '" + dir + "' is not writable",
                             diag, "choose a writable directory, or fix its permissions");
    }
  }

  void prepare_one(const std::string &sql, statement &stmt) {
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
  void bind(sqlite3_stmt *stmt, const params &args, const std::string &sql) {
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
      bind_one(stmt, p, args[n - 1]);
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

  void bind_one(sqlite3_stmt *stmt, int index, const value &v) {
    int rc;
    if (is_null(v)) rc = sqlite3_bind_null(stmt, index);
    else if (auto b = std::get_if<bool>(&v)) rc = sqlite3_bind_int(stmt, index, *b ? 1 : 0);
    else if (auto i = std::get_if<std::int64_t>(&v)) rc = sqlite3_bind_int64(stmt, index, *i);
    else if (auto d = std::get_if<double>(&v)) rc = sqlite3_bind_double(stmt, index, *d);
    else {
      const auto &s = std::get<std::string>(v);
      rc = sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    if (rc != SQLITE_OK) throw_sqlite_error(m_db, rc, sqlite3_sql(stmt), *this);
  }

  value read(sqlite3_stmt *stmt, int c, column &col) {
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
        return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
      }
      default: {
        const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt, c));
        return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
      }
    }
  }

  // Before each statement: no statement starts once a stop is pending, and statement_timeout's
  // deadline is set for the progress handler.
  void arm_timeout() {
    check_interrupt();
    if (m_options.statement_timeout.count() <= 0) return;
    m_deadline = std::chrono::steady_clock::now() + m_options.statement_timeout;
    m_timeout_armed = true;
  }

  [[noreturn]] void fail_in_script(int rc, const std::string &text, int line) {
    try {
      throw_sqlite_error(m_db, rc, text, *this);
    } catch (const database_error &e) {
      diagnostics diag = e.diag();
      diag.statement = text;
      diag.statement_line = line;
      rethrow_with_context(e, std::string(e.what()) + " (statement starting at line " + std::to_string(line) + ")", diag);
    }
  }

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

// SQLite has no COPY: one prepared INSERT, re-bound for every row, inside the caller's transaction.
// SQLite's bulk path: rows go in batches through one multi-row INSERT ... VALUES (...), (...)
// prepared once. Per statement SQLite pays a fixed cost (a statement journal, the AUTOINCREMENT
// counter read and written back, the VDBE reset), so 64 rows per statement take about half
// the time of 64 single-row statements. Errors surface when a batch runs: in write() or finish().
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

std::unique_ptr<copy_sink> sqlite_connection::begin_copy(const std::string &table, const std::vector<std::string> &columns) {
  std::string cols;
  for (std::size_t k = 0; k < columns.size(); ++k) cols += (k ? ", " : "") + quote_identifier(columns[k]);
  return std::make_unique<sqlite_copy_sink>(*this, "INSERT INTO " + quote_identifier(table) + " (" + cols + ") VALUES ", columns.size());
}

}  // namespace

std::unique_ptr<connection> open_sqlite(const database_url &url, const connection_options &options) {
  return std::make_unique<sqlite_connection>(url, options);
}

}  // namespace carrierdb::internal
