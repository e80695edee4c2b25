// The backend adapter interface: one connection to one database, written against by the engine.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carrierdb/backend/url.hpp"
#include "carrierdb/base/value.hpp"
#include "carrierdb/interrupt.hpp"

namespace carrierdb {

struct diagnostics;

/// What a backend can do. The engine branches on these flags, never on the backend's name.
struct capabilities {
  bool transactional_ddl = false;  // DDL inside a transaction rolls back with it
  bool advisory_locks = false;     // server-side session locks shared with other tools (Prisma)
  bool returning = false;          // INSERT/UPDATE/DELETE ... RETURNING
  bool copy = false;               // COPY FROM STDIN bulk load
  bool schemas = false;            // named schemas (search_path)
  bool enum_types = false;         // CREATE TYPE ... AS ENUM
  /// Foreign key enforcement is switched per connection (`PRAGMA foreign_keys`), and only outside a
  /// transaction: a script that rebuilds a referenced table needs it off before BEGIN (SQLite).
  bool foreign_keys_pragma = false;
  /// acquire_lock() holds the lock in a transaction of its connection (PostgreSQL: a
  /// transaction-level advisory lock), so a transaction-mode pooler cannot strand it on a shared
  /// server connection; that connection then runs nothing else until the lock is released.
  bool transaction_locks = false;
  /// A pooler (PgBouncer, ...) sits between this connection and the server: consecutive
  /// transactions may run on different server connections, so no session state (SET, prepared
  /// statements, session locks) follows the connection. Detected at connect, or `?pgbouncer=true`.
  bool behind_pooler = false;
};

/// Options every connection honours. Durations of zero mean "no limit" where that makes sense.
struct connection_options {
  std::size_t pool_size = 4;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{0};
  std::chrono::milliseconds pool_timeout{30000};
  std::chrono::milliseconds busy_timeout{5000};  // SQLite: wait for another writer
  int connect_retries = 3;                        // extra attempts while the server is unreachable
  std::chrono::milliseconds retry_initial_delay{200};
  std::chrono::milliseconds retry_max_delay{3000};
  std::string application_name = "carrierdb";
  /// PostgreSQL: a statement text run this many times is prepared on the server and reused
  /// (psycopg 3's default is 5). Negative disables it (transaction-mode poolers before PgBouncer 1.21).
  int prepare_threshold = 5;
  /// SQLite: create the database file when it does not exist. Read-only commands turn this off,
  /// so that looking at a mistyped path reports it missing instead of leaving an empty file there.
  bool create = true;
  /// PostgreSQL: at most this many statements stay prepared per connection (Prisma's statement_cache_size).
  std::size_t prepared_statements_max = 512;
  /// Counts every statement a connection of the pool runs through query() or execute() (the pool
  /// creates it; connections share it), so a caller can see how many round trips an operation took.
  std::shared_ptr<std::atomic<std::int64_t>> statements_run;
};

/// Why a connection cannot write, and where to point instead. Empty `what` means it can write.
struct read_only_state {
  std::string what;  // what the server or file is, e.g. "the server is a hot standby ..."
  std::string hint;  // where to point instead
  explicit operator bool() const noexcept { return !what.empty(); }
};

/// `options` with the settings a URL carries applied on top (Prisma's connection_limit,
/// pool_timeout, statement_cache_size, pgbouncer): the URL is where a deployment configures them.
connection_options options_for_url(const database_url &url, connection_options options);

/// Column types named portably; each adapter spells them in its dialect.
enum class logical_type {
  varchar,        // bounded text: VARCHAR(n) / TEXT
  text,
  integer,
  unsigned_integer,  // a count that is never negative: INTEGER / INTEGER UNSIGNED
  bigint,
  timestamptz,    // instant in time: TIMESTAMPTZ / DATETIME
};

/// How a text filter matches (Prisma's contains / startsWith / endsWith).
enum class text_match { contains, starts_with, ends_with };

/// A column as the catalog describes it. `type` is lowercase, without quotes: PostgreSQL's
/// format_type() ("character varying(255)", "timestamp(3) without time zone"), SQLite's declared type.
struct column_info {
  std::string name;
  std::string type;
  bool nullable = true;
  std::string default_sql;  // "" when none
  /// Values come from a counter: a sequence default or an identity (PostgreSQL), the rowid of an
  /// INTEGER PRIMARY KEY AUTOINCREMENT (SQLite). Prisma's @default(autoincrement()).
  bool auto_increment = false;
};

/// A foreign key as the catalog describes it. Actions are spelled as SQL does ("CASCADE",
/// "SET NULL", "NO ACTION", ...).
struct foreign_key_info {
  std::string name;  // "" where the backend keeps none (SQLite without CONSTRAINT "name")
  std::vector<std::string> columns;
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  std::string on_delete, on_update;
};

/// An index other than the primary key's, unique ones (and those backing unique constraints) included.
struct index_info {
  std::string name;
  std::vector<std::string> columns;  // "" for an expression
  std::vector<bool> descending;      // per column
  bool unique = false;
  std::string method;  // lowercase access method ("btree", "hash", "gin", ...); "" where there is one kind (SQLite)
};

/// A type created with CREATE TYPE ... AS ENUM, its values in declaration order.
struct enum_type_info {
  std::string name;
  std::vector<std::string> values;
};

/// One table's catalog, as the per-table reads (table_columns, primary_key, ...) give it.
struct table_catalog {
  std::string name;
  std::vector<column_info> columns;
  std::vector<std::string> primary_key;
  std::string primary_key_name;
  std::vector<index_info> indexes;
  std::vector<foreign_key_info> foreign_keys;
};

/// Where a statement of a script starts, for error reports and progress.
struct script_statement {
  std::size_t index = 0;  // 0-based
  int line = 1;           // 1-based line in the script
  std::string_view text;
};

/// Receives the rows of one bulk load (see connection::begin_copy).
class copy_sink {
public:
  virtual ~copy_sink() = default;
  virtual void write(const std::vector<value> &row) = 0;
  /// Completes the load; returns the rows written. Errors (a duplicate key, ...) surface here or in write().
  virtual std::int64_t finish() = 0;
};

/// Held while a cross-process lock is owned. `release()` gives it up and throws when that
/// fails (the connection holding it is then discarded, never pooled); destruction without
/// `release()` (an exception is on its way) releases quietly.
class lock_handle {
public:
  virtual ~lock_handle() = default;
  virtual void release() {}
};

/// One open connection. Not thread-safe: the pool hands it to one thread at a time.
class connection {
public:
  virtual ~connection() = default;

  virtual backend_kind kind() const noexcept = 0;
  virtual const capabilities &caps() const noexcept = 0;
  /// e.g. "PostgreSQL 15.18" or "SQLite 3.40.1".
  virtual std::string server_version() = 0;

  /// Runs one statement with `$1..$n` placeholders and returns its rows.
  virtual result query(const std::string &sql, const params &args = {}) = 0;
  /// Runs one statement with `$1..$n` placeholders; returns the affected-row count.
  virtual std::int64_t execute(const std::string &sql, const params &args = {}) = 0;
  /// Runs a multi-statement script (no parameters), statement by statement in order.
  /// On failure the error's diagnostics name the statement and its line. `before` is
  /// called ahead of each statement (may be empty).
  virtual void execute_script(const std::string &sql,
                              const std::function<void(const script_statement &)> &before = {}) = 0;
  /// Runs a multi-statement script as one batch where the server takes one (PostgreSQL's simple
  /// query: one round trip), else as execute_script. No statement is reported, and an error names
  /// no statement: for callers that can redo the work statement by statement to find it.
  virtual void execute_batch(const std::string &sql) { execute_script(sql); }

  /// Starts a bulk load of `columns` into `table`: COPY FROM STDIN on PostgreSQL (caps().copy),
  /// one prepared INSERT reused row after row on SQLite. Values use the parameter forms. Use it
  /// inside a transaction; the sink must be finished (or destroyed) before the next statement.
  virtual std::unique_ptr<class copy_sink> begin_copy(const std::string &table, const std::vector<std::string> &columns) = 0;
  /// Streams the rows of `select_sql` (no parameters), one call per row, each field as its
  /// type's text output (PostgreSQL's ::text), unescaped; a NULL field is std::nullopt.
  /// COPY (...) TO STDOUT on PostgreSQL; only when caps().copy.
  virtual void copy_out(const std::string &select_sql,
                        const std::function<void(const std::vector<std::optional<std::string>> &fields)> &row);
  /// Drops the secondary indexes of `table` that no constraint owns (not the primary key) and
  /// returns the statements that recreate them. A bulk load into an empty table then builds
  /// each index once, sorted, instead of row by row. Use it inside a transaction.
  virtual std::vector<std::string> drop_secondary_indexes(const std::string &table) = 0;
  /// SQL that is true when `a` equals `b`, NULL counting as equal to NULL.
  virtual std::string null_safe_equal_sql(const std::string &a, const std::string &b) const = 0;
  /// SQL that is true when the row of `exprs` equals one of `rows` (each row's key at positions
  /// `at`; integers or strings, none NULL), with all of them in ONE parameter per key column
  /// appended to `args`, however many rows there are: a statement's size and parameter count then
  /// do not grow with the keys. `types`: each key column's type as the dialect's DDL writes it, for
  /// a key of several columns (PostgreSQL types the arrays it unnests). nullopt for a key of another
  /// type: the caller lists the keys itself.
  virtual std::optional<std::string> any_of_sql(const std::vector<std::string> &exprs, const std::vector<std::string> &types,
                                                const std::vector<const std::vector<value> *> &rows, const std::vector<std::size_t> &at,
                                                params &args) const = 0;

  /// `needle` as a LIKE pattern for `how`, with %, _ and the escape character \ escaped.
  static std::string like_pattern(const std::string &needle, text_match how);

  /// Quotes an identifier in this dialect ("name" with embedded quotes doubled).
  virtual std::string quote_identifier(std::string_view name) const;
  /// SQL-standard quoting ("name", embedded quotes doubled), which both backends use; for SQL
  /// built before a connection is at hand.
  static std::string quote_standard_identifier(std::string_view name);
  /// The placeholder for the 1-based parameter `index` ("$1" on both backends).
  std::string placeholder(std::size_t index) const { return "$" + std::to_string(index); }

  /// Transaction control. `begin` starts a write transaction (SQLite: IMMEDIATE, so a
  /// writer never deadlocks on a lock upgrade).
  /// A stop requested before COMMIT is honoured (interrupted_error; the caller rolls back); once
  /// sent, COMMIT runs to its end unshaken by a stop, so its outcome is known. Rollbacks always
  /// run, whatever was requested (SQLite may have rolled back already: then there is nothing to do).
  virtual void begin();
  void commit() {
    check_interrupt();
    interrupt_shield shield;
    execute("COMMIT");
  }
  void rollback() {
    interrupt_shield shield;
    if (in_transaction()) execute("ROLLBACK");
  }
  /// Ends an open transaction on an error path or in a destructor: ROLLBACK, and when that fails
  /// the connection is discarded (closing it is what ends the transaction on the server, and a
  /// discarded connection is never pooled). Never throws; the caller's own error stays the one seen.
  void rollback_or_discard() noexcept;
  void savepoint(const std::string &name) { execute("SAVEPOINT " + quote_identifier(name)); }
  void release_savepoint(const std::string &name) { execute("RELEASE SAVEPOINT " + quote_identifier(name)); }
  void rollback_to_savepoint(const std::string &name) {
    interrupt_shield shield;
    execute("ROLLBACK TO SAVEPOINT " + quote_identifier(name));
  }

  /// The column type for `type` in this dialect (`length` for varchar).
  virtual std::string sql_type(logical_type type, int length = 0) const = 0;
  /// The SQL expression for "now" usable in a DEFAULT clause.
  virtual std::string current_timestamp_sql() const = 0;
  /// A parameter value for an instant, in the form this backend's tools store it
  /// (PostgreSQL: ISO-8601 text in UTC; SQLite: Unix milliseconds, as Prisma writes them).
  virtual value timestamp_value(std::chrono::system_clock::time_point at) const = 0;

  /// SQL that is true when `column_sql` matches `needle` as `how` says, case-insensitively if
  /// asked. Appends the needle (as the dialect's pattern, wildcards escaped) to `args`.
  virtual std::string text_match_sql(const std::string &column_sql, text_match how, const std::string &needle, bool insensitive,
                                     params &args) const = 0;

  /// Names of the user tables in the current schema (SQLite: excluding sqlite_* tables).
  virtual std::vector<std::string> table_names() = 0;
  /// The columns of `table` in the current schema, in order (empty when it does not exist).
  virtual std::vector<column_info> table_columns(const std::string &table) = 0;
  /// The unique keys of `table` (unique constraints and unique indexes, not the primary key),
  /// each as its column names in key order.
  virtual std::vector<std::vector<std::string>> unique_keys(const std::string &table) = 0;
  /// The primary key columns of `table`.
  virtual std::vector<std::string> primary_key(const std::string &table) = 0;
  /// The name of `table`'s primary key constraint; "" where the backend keeps none (SQLite) or there is no key.
  virtual std::string primary_key_name(const std::string &table) { (void)table; return ""; }
  /// The foreign keys `table` holds, columns in key order.
  virtual std::vector<foreign_key_info> foreign_keys(const std::string &table) = 0;
  /// The indexes of `table` except the primary key's, by name.
  virtual std::vector<index_info> indexes(const std::string &table) = 0;
  /// The enum types of the current schema by name (caps().enum_types; none elsewhere).
  virtual std::vector<enum_type_info> enum_types() = 0;
  /// The columns of `table` whose values a column CHECK ("col" IN ('a', 'b', ...)) restricts, with
  /// those values: how the project's SQLite migrations declare an enum column. Checks of any other
  /// form are not read. PostgreSQL keeps enums as types (enum_types) and reports none here.
  virtual std::vector<enum_type_info> value_list_checks(const std::string &table) = 0;
  /// The catalogs of `tables` (each as the per-table reads above give it; a missing table reads as
  /// empty). This default asks table by table; PostgreSQL reads the whole schema in four queries.
  virtual std::vector<table_catalog> read_tables(const std::vector<std::string> &tables);
  /// Drops every table, view, index, trigger, sequence and type in the current schema.
  virtual void drop_all_objects() = 0;
  /// A canonical, sorted description of the current schema (tables, columns, types,
  /// nullability, defaults, keys, indexes, checks, enums) for comparing two states.
  virtual std::vector<std::string> schema_snapshot() = 0;

  /// Takes the cross-process lock `key`, waiting up to `timeout`; throws timeout_error on expiry.
  /// PostgreSQL (caps().transaction_locks): a transaction-level advisory lock on the key Prisma
  /// locks at session level, so both exclude each other. Inside a transaction of the caller's it
  /// lasts until that transaction ends; otherwise this call opens a transaction that holds it
  /// until release(), and the connection must run nothing else meanwhile. SQLite: an flock on a
  /// lock file beside the database.
  virtual std::unique_ptr<lock_handle> acquire_lock(std::int64_t key, std::chrono::milliseconds timeout) = 0;

  /// False once the connection is known to be unusable; the pool then discards it.
  virtual bool healthy() const noexcept = 0;
  /// Marks the connection unusable (it may hold a lock or a transaction it cannot release).
  virtual void discard() noexcept = 0;
  /// True while a transaction is open (a connection is never pooled in that state).
  virtual bool in_transaction() const noexcept = 0;

  /// The URL this connection was opened with, password masked.
  virtual const std::string &display_url() const noexcept = 0;

  /// Whether this connection is known to be unable to write, and why. Known without a round
  /// trip (what the server reports, or what opening found), so a writing command can refuse
  /// before it changes anything while single statements pay nothing for it.
  virtual read_only_state read_only_reason() const = 0;
  /// Throws read_only_error ("cannot <operation>: ... nothing was changed") when read_only_reason() says so.
  void refuse_if_read_only(const std::string &operation) const;
  /// The read_only_error for a write the server refused: names the target, `state`'s reason
  /// and hint, and the server's own words.
  [[noreturn]] void throw_read_only(const read_only_state &state, const std::string &server_text, diagnostics diag) const;

protected:
  /// The part of drop_secondary_indexes both adapters share: drops each index in `listing` (rows
  /// of its name, then the statement that recreates it) and returns those statements in order.
  /// The adapters differ only in how they list them.
  std::vector<std::string> drop_listed_indexes(const result &listing);
  /// The part of foreign_keys both adapters share: groups rows of (key id, name, column, referenced
  /// table, referenced column or NULL, ON DELETE, ON UPDATE), ordered by key and position, into keys.
  static std::vector<foreign_key_info> foreign_keys_from_rows(const result &rows);
};

/// One transaction on a connection for one scope: begun on construction, rolled back on
/// destruction unless commit() or rollback() ended it first. The rollback always runs, whatever
/// stop was asked for; when it fails the connection is discarded, and closing it rolls back on the
/// server. Every operation that opens a transaction of its own uses this, so no exit path (an
/// error, an interrupt, a crash in a callback) leaves one open.
class scoped_transaction {
public:
  explicit scoped_transaction(connection &conn) : m_conn(conn) { conn.begin(); }
  ~scoped_transaction() {
    if (m_open) end_by_rollback();
  }
  scoped_transaction(const scoped_transaction &) = delete;
  scoped_transaction &operator=(const scoped_transaction &) = delete;
  void commit() {
    m_open = false;  // a failed COMMIT ends the transaction too
    m_conn.commit();
  }
  void rollback() {
    m_open = false;
    m_conn.rollback();
  }

private:
  void end_by_rollback() noexcept {
    m_open = false;
    m_conn.rollback_or_discard();
  }
  connection &m_conn;
  bool m_open = true;
};

/// One savepoint for one scope: set on construction; release() keeps its work, rollback() undoes
/// it (both end it). Destruction without either undoes it, whatever stop was asked for; when that
/// fails the connection is discarded (the enclosing transaction cannot be trusted any more).
class scoped_savepoint {
public:
  scoped_savepoint(connection &conn, std::string name) : m_conn(conn), m_name(std::move(name)) { conn.savepoint(m_name); }
  ~scoped_savepoint() {
    if (!m_open) return;
    m_open = false;
    try {
      undo();
    } catch (...) {
      m_conn.discard();
    }
  }
  scoped_savepoint(const scoped_savepoint &) = delete;
  scoped_savepoint &operator=(const scoped_savepoint &) = delete;
  void release() {
    m_open = false;
    m_conn.release_savepoint(m_name);
  }
  void rollback() {
    m_open = false;
    undo();
  }

private:
  void undo() {
    m_conn.rollback_to_savepoint(m_name);
    m_conn.release_savepoint(m_name);
  }
  connection &m_conn;
  std::string m_name;
  bool m_open = true;
};

/// Opens a connection to `url`, retrying with exponential backoff and jitter while the server
/// is unreachable (never on a wrong password or a missing database).
std::unique_ptr<connection> open_connection(const database_url &url, const connection_options &options);

}  // namespace carrierdb
