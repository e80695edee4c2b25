// Database URLs: which backend, where, and how to show them without secrets.
#pragma once

#include <map>
#include <string>

#include "carrierdb/base/backend_kind.hpp"

namespace carrierdb {


/// A parsed database URL. Construction validates it; `display()` never contains a password.
class database_url {
public:
  /// Parses postgresql:// and postgres:// (libpq's URI and keyword rules), sqlite:///abs,
  /// sqlite:relative, file:./path (Prisma's SQLite form) and sqlite::memory:. SQLite URLs take
  /// `mode` and `immutable` (SQLite's URI parameters); others (Prisma's pool settings) are ignored.
  /// Throws configuration_error naming the problem (the message is masked).
  static database_url parse(const std::string &url);

  backend_kind kind() const noexcept { return m_kind; }

  /// SQLite: the file path ("" for an in-memory database).
  const std::string &sqlite_path() const noexcept { return m_sqlite_path; }
  bool sqlite_in_memory() const noexcept { return m_kind == backend_kind::sqlite && m_sqlite_path.empty(); }
  /// SQLite: `?mode=ro` (open read-only), `?mode=rw` (never create the file), `?immutable=1`
  /// (read-only, and SQLite assumes nothing else changes the file: no locks, no -shm file).
  bool sqlite_read_only() const noexcept { return m_sqlite_mode == "ro" || m_sqlite_immutable; }
  bool sqlite_may_create() const noexcept { return m_sqlite_mode == "rwc"; }
  bool sqlite_immutable() const noexcept { return m_sqlite_immutable; }

  /// PostgreSQL: libpq connection keywords (host, port, dbname, user, password, sslmode, ...).
  const std::map<std::string, std::string> &pg_options() const noexcept { return m_pg_options; }
  std::string pg_option(const std::string &key, const std::string &fallback = {}) const;

  /// PostgreSQL: Prisma's own URL parameters, which libpq does not know or reads differently
  /// (schema, pgbouncer, connection_limit, pool_timeout, statement_cache_size, sslcert,
  /// sslidentity, sslpassword, sslaccept, socket_timeout), validated; "" when absent. Their
  /// libpq equivalents are already in pg_options() (Prisma's sslcert is libpq's sslrootcert).
  std::string prisma_option(const std::string &key) const;

  /// The URL with any password replaced by "****": safe for logs, errors and repr.
  const std::string &display() const noexcept { return m_display; }

  /// The URL as given. Contains the password: never log or show it.
  const std::string &secret_text() const noexcept { return m_text; }

private:
  backend_kind m_kind = backend_kind::sqlite;
  std::string m_text;
  std::string m_display;
  std::string m_sqlite_path;
  std::string m_sqlite_mode = "rwc";
  bool m_sqlite_immutable = false;
  std::map<std::string, std::string> m_pg_options;
  std::map<std::string, std::string> m_prisma_options;
};

/// Replaces the password in anything that looks like a URL or a `password=` keyword.
/// Used on every message that might echo user input.
std::string mask_secrets(const std::string &text);

}  // namespace carrierdb
