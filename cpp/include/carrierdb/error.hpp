// The carrierdb error hierarchy: one root, subclasses that tell the caller what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace carrierdb {

/// Root of every error carrierdb raises. `hint()` says what the user can do about it.
class error : public std::runtime_error {
public:
  explicit error(const std::string &message, std::string hint = {});
  const std::string &hint() const noexcept { return m_hint; }

private:
  std::string m_hint;
};

/// Bad input before any database is involved: malformed URL, unknown scheme, bad option.
class configuration_error : public error {
public:
  using error::error;
};

/// What the server (or SQLite) said about a failed statement, as far as it told us.
struct diagnostics {
  std::string sqlstate;         // PostgreSQL SQLSTATE, or "SQLITE_<code>" for SQLite
  int native_code = 0;          // SQLite extended result code; 0 for PostgreSQL
  std::string server_message;   // the server's own text, unedited
  std::string detail;           // PostgreSQL DETAIL line, if any
  std::string constraint;       // violated constraint, if known
  std::string table;            // table involved, if known
  std::vector<std::string> columns;  // columns of a violated key, if known
  std::vector<std::string> values;   // values of a violated key, if known
  std::vector<std::string> fields;   // the schema's field names for `columns`, when a repository knows them
  int position = 0;             // 1-based character offset in the statement, 0 if unknown
  std::string statement;        // the failing statement (never carries parameter values)
  int statement_line = 0;       // 1-based line of the statement in its script, 0 if not a script
  std::int64_t copy_row = 0;    // bulk load (connection::begin_copy): the failing row, 1-based in the order
                                // written (PostgreSQL's "COPY t, line N"), 0 if unknown
};

/// An error reported by, or while talking to, a database. Carries the server's diagnostics.
class database_error : public error {
public:
  database_error(const std::string &message, diagnostics diag, std::string hint = {});
  const diagnostics &diag() const noexcept { return m_diag; }

private:
  diagnostics m_diag;
};

/// The database could not do its work for reasons outside the statement: connection, timeouts.
class operational_error : public database_error {
public:
  using database_error::database_error;
};

/// The server could not be reached or refused us (after the retry budget, where one applies).
class connection_error : public operational_error {
public:
  using operational_error::operational_error;
};

/// A statement, a lock wait or a pool checkout ran past its time limit.
class timeout_error : public operational_error {
public:
  using operational_error::operational_error;
};

/// The target cannot be written: a hot standby, a read-only session, a read-only SQLite file or
/// directory. Writing commands refuse with it before changing anything, and the server's own
/// read-only refusals (SQLSTATE 25006, SQLITE_READONLY*) become it too.
class read_only_error : public operational_error {
public:
  using operational_error::operational_error;
};

/// The statement itself is wrong: syntax, unknown table or column, wrong parameter count.
class programming_error : public database_error {
public:
  using database_error::database_error;
};

/// A value the database cannot store or convert (overflow, bad literal, NUL byte in text).
class data_error : public database_error {
public:
  using database_error::database_error;
};

/// A constraint refused the change.
class integrity_error : public database_error {
public:
  using database_error::database_error;
};
class unique_violation : public integrity_error {
public:
  using integrity_error::integrity_error;
};
class foreign_key_violation : public integrity_error {
public:
  using integrity_error::integrity_error;
};
class not_null_violation : public integrity_error {
public:
  using integrity_error::integrity_error;
};
class check_violation : public integrity_error {
public:
  using integrity_error::integrity_error;
};

/// Anything else the database reported that fits none of the above.
class internal_error : public database_error {
public:
  using database_error::database_error;
};

/// Where in the migration history or files an error happened.
struct migration_context {
  std::string migration;         // folder name, e.g. 20241001120000_init
  std::string file;              // the file involved, if any
  int line = 0;                  // 1-based line in `file`, 0 if unknown
  std::string stored_checksum;   // checksum mismatch: what the history holds
  std::string current_checksum;  // checksum mismatch: what the file hashes to now
  diagnostics cause;             // the database error behind a failed migration, if any
};

/// A migration could not be read, applied, rolled back or recorded. Subclasses say why.
class migration_error : public error {
public:
  migration_error(const std::string &message, migration_context ctx, std::string hint = {});
  const migration_context &context() const noexcept { return m_ctx; }

private:
  migration_context m_ctx;
};

/// A migrations folder or file is malformed (bad folder name, unreadable file, bad lock file).
class migration_file_error : public migration_error {
public:
  using migration_error::migration_error;
};
/// migration_lock.toml names another provider and no variant exists for this backend (P3019).
class provider_mismatch_error : public migration_error {
public:
  using migration_error::migration_error;
};
/// The database has tables but no migration history: baseline it first (P3005).
class baseline_required_error : public migration_error {
public:
  using migration_error::migration_error;
};
/// A failed migration is recorded: resolve it before deploying (P3009).
class failed_migration_error : public migration_error {
public:
  using migration_error::migration_error;
};
/// An applied migration's file changed since it was applied.
class checksum_mismatch_error : public migration_error {
public:
  using migration_error::migration_error;
};
/// Rows a rollback would destroy in one dropped table or column.
struct data_loss_entry {
  std::string migration;  // whose down script drops it
  std::string table;      // as the script names it, schema-qualified if it was
  std::string column;     // "" when the whole table is dropped
  std::int64_t rows = 0;  // a table's rows; a column's non-NULL values
};

/// A rollback would drop tables or columns that hold rows, and the caller did not accept the
/// loss. Nothing was changed.
class data_loss_error : public migration_error {
public:
  data_loss_error(const std::string &message, migration_context ctx, std::vector<data_loss_entry> losses, std::string hint = {});
  const std::vector<data_loss_entry> &losses() const noexcept { return m_losses; }

private:
  std::vector<data_loss_entry> m_losses;
};
/// A migration's SQL failed while being applied or rolled back; its changes were undone.
class migration_failed_error : public migration_error {
public:
  using migration_error::migration_error;
};
/// A rollback needs a down.sql that does not exist.
class missing_down_migration_error : public migration_error {
public:
  using migration_error::migration_error;
};
/// resolve / rollback asked for something the history does not allow (P3008, P3011, P3012).
class migration_state_error : public migration_error {
public:
  using migration_error::migration_error;
};

/// A schema.prisma problem, at file:line:column, saying what was expected and what was found.
class schema_error : public error {
public:
  schema_error(const std::string &message, std::string file, int line, int column, std::string hint = {});
  const std::string &file() const noexcept { return m_file; }
  int line() const noexcept { return m_line; }
  int column() const noexcept { return m_column; }

private:
  std::string m_file;
  int m_line;
  int m_column;
};

/// One problem found by validation, in zod's vocabulary.
struct validation_issue {
  std::vector<std::string> path;     // field name (and index for lists)
  std::string code;                  // invalid_type, too_small, too_big, invalid_string, invalid_enum_value, unrecognized_keys, invalid_date, custom
  std::string message;
  std::string expected;              // invalid_type: the expected type
  std::string received;              // invalid_type: what was given
  std::string validation;            // invalid_string: regex, email, url, uuid, ...
  std::string limit;                 // too_small / too_big: the bound
  std::vector<std::string> options;  // invalid_enum_value: the allowed values; unrecognized_keys: the keys
  std::string row;                   // where the record came from (seed file:line), if known
  std::string value;                 // the offending input value as text, when reporting seed rows
};

/// Validation found problems: all of them, not only the first.
class validation_error : public error {
public:
  validation_error(const std::string &model, std::vector<validation_issue> issues);
  const std::string &model() const noexcept { return m_model; }
  const std::vector<validation_issue> &issues() const noexcept { return m_issues; }

private:
  std::string m_model;
  std::vector<validation_issue> m_issues;
};

/// A lookup by unique key found no record (Prisma P2025).
class not_found_error : public error {
public:
  using error::error;
};

/// The operation stopped because it was asked to (Ctrl-C, SIGTERM). The message says what was
/// rolled back and what, if anything, had been committed before the stop (`committed()`).
class interrupted_error : public error {
public:
  explicit interrupted_error(const std::string &message, int signal = 0, bool committed = false, std::string hint = {});
  /// The signal that asked for the stop (0 when not known).
  int signal() const noexcept { return m_signal; }
  /// True when part of the operation's work had been committed before it stopped.
  bool committed() const noexcept { return m_committed; }
  /// The same stop, told with what the operation knows about its own state.
  interrupted_error retold(const std::string &message, bool committed, std::string hint = {}) const {
    return interrupted_error(message, m_signal, committed, std::move(hint));
  }

private:
  int m_signal;
  bool m_committed;
};

/// Throws an error of the same class as `original` with a new message and diagnostics, so
/// context (a script line, a migration name) can be added without changing what callers catch.
[[noreturn]] void rethrow_with_context(const database_error &original, const std::string &message, diagnostics diag);

}  // namespace carrierdb
