// sqlite_errors: extended result codes mapped to the error tree, with the statement, the
// constraint's columns and what to do.
#include "sqlite_errors.hpp"

#include <optional>
#include <string_view>
#include <vector>

#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"
#include "pattern.hpp"

namespace carrierdb::internal {

const char *code_name(int primary) {
  switch (primary) {
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_INTERNAL: return "SQLITE_INTERNAL";
    case SQLITE_PERM: return "SQLITE_PERM";
    case SQLITE_ABORT: return "SQLITE_ABORT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    default: return "SQLITE_OTHER";
  }
}

[[noreturn]] void throw_sqlite_error(sqlite3 *db, int rc, const std::string &sql, const connection &conn) {
  const std::string &display = conn.display_url();
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const int primary = extended & 0xff;
  diagnostics diag;
  diag.native_code = extended;
  diag.sqlstate = code_name(primary);
  diag.server_message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  diag.statement = sql;
  if (db) diag.position = sqlite3_error_offset(db) + 1;  // -1 (unknown) becomes 0
  const std::string &text = diag.server_message;

  // "UNIQUE constraint failed: carriers.mc_number, carriers.x" / "NOT NULL constraint failed: t.c"
  static const auto columns_re = pattern::compile(R"(constraint failed: (.*)$)", "", pattern::unit::bytes);
  std::vector<std::optional<std::string_view>> m;
  if (primary == SQLITE_CONSTRAINT && columns_re->search(text, m)) {
    const std::string list(*m[1]);
    std::size_t start = 0;
    while (start <= list.size()) {
      auto comma = list.find(", ", start);
      std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto dot = item.find('.');
      if (extended == SQLITE_CONSTRAINT_CHECK) {
        diag.constraint = item;
      } else if (dot != std::string::npos) {
        diag.table = item.substr(0, dot);
        diag.columns.push_back(item.substr(dot + 1));
      }
      if (comma == std::string::npos) break;
      start = comma + 2;
    }
  }

  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: throw unique_violation(text, diag);
    case SQLITE_CONSTRAINT_FOREIGNKEY: throw foreign_key_violation(text, diag);
    case SQLITE_CONSTRAINT_TRIGGER:
      // ON DELETE/UPDATE RESTRICT is enforced by an internal trigger, so a refused delete of a
      // referenced row comes with this code; a user trigger's RAISE() stays an integrity_error.
      if (text.find("FOREIGN KEY constraint failed") != std::string::npos) throw foreign_key_violation(text, diag);
      break;
    case SQLITE_CONSTRAINT_NOTNULL: throw not_null_violation(text, diag);
    case SQLITE_CONSTRAINT_CHECK: throw check_violation(text, diag);
    default: break;
  }
  switch (primary) {
    case SQLITE_CONSTRAINT: throw integrity_error(text, diag);
    case SQLITE_ERROR:
    case SQLITE_RANGE: throw programming_error(text, diag);
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG: throw data_error(text, diag);
    case SQLITE_INTERRUPT:
      // Stopped on our own request (Ctrl-C, SIGTERM), not by statement_timeout.
      if (interrupt_requested()) throw interrupted_error("interrupted: SQLite stopped the running statement", interrupt_signal());
      throw timeout_error("statement cancelled: it ran past statement_timeout", diag, "raise statement_timeout, or make the statement cheaper");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      if (interrupt_requested()) throw interrupted_error("interrupted while waiting for another writer", interrupt_signal());
      throw timeout_error(text + " (another connection holds the write lock)", diag, "raise busy_timeout, or keep write transactions short");
    case SQLITE_CANTOPEN: throw connection_error("cannot open SQLite database " + display + ": " + text, diag);
    case SQLITE_READONLY: {
      read_only_state state = conn.read_only_reason();
      if (!state)
        state = {std::string("SQLite refused to write to it (") + code_name(primary) + ")",
                 "check that the file and its directory are writable by this process"};
      conn.throw_read_only(state, text, diag);
    }
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_PERM:
    case SQLITE_ABORT: throw operational_error(text, diag);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: throw operational_error(text + " (" + display + ")", diag, "the file is not a healthy SQLite database; restore it or point the URL elsewhere");
    default: throw internal_error(text, diag);
  }
}

}  // namespace carrierdb::internal
