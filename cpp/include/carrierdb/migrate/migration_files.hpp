// Migration folders on disk: discovery, dialect variants, checksums, migration_lock.toml.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "carrierdb/base/backend_kind.hpp"
#include "carrierdb/base/digest.hpp"

namespace carrierdb {

/// First-line directive that runs a migration outside a transaction (CREATE INDEX CONCURRENTLY...).
inline constexpr const char *k_no_transaction_directive = "-- carrierdb:no-transaction";

/// The data step of a migration folder: Python run by carrierdb, never by Prisma.
inline constexpr const char *k_data_step_file = "migration.py";

/// One migration folder, resolved for one backend.
struct migration_file {
  std::string name;         // <YYYYMMDDHHMMSS>_<name>, the folder name
  std::string directory;    // absolute or relative path of the folder
  std::string up_path;      // the file that is applied on this backend
  std::string up_sql;
  // Lowercase hex SHA-256 of up_sql's bytes (Prisma's checksum), or, with a data step, of up_sql's
  // bytes, one NUL byte, then data_step_source's bytes: editing either makes the migration edited.
  std::string checksum;
  std::optional<std::string> data_step_path;  // migration.py: up(db) after up_sql, down(db) before down_sql
  std::string data_step_source;
  std::optional<std::string> down_path;
  std::optional<std::string> down_sql;
  bool transactional = true;       // false with the no-transaction directive, or BEGIN/COMMIT of its own
  bool down_transactional = true;  // the same for down_sql
  std::string non_transactional_reason;  // why `transactional` is false

  /// True when `stored` is this file's checksum, also after a CRLF <-> LF conversion of the
  /// file (a Windows checkout must not look edited).
  bool checksum_matches(const std::string &stored) const;
};

/// The migrations folder: migration_lock.toml plus the ordered migrations for one backend.
class migration_set {
public:
  /// Reads `directory` for `backend`. A missing directory is an empty set. Throws
  /// migration_file_error for malformed names or files and provider_mismatch_error when a
  /// migration has no SQL for this backend.
  static migration_set load(const std::string &directory, backend_kind backend);

  const std::string &directory() const noexcept { return m_directory; }
  /// The provider named by migration_lock.toml ("" when there is no lock file).
  const std::string &provider() const noexcept { return m_provider; }
  const std::vector<migration_file> &migrations() const noexcept { return m_migrations; }
  const migration_file *find(const std::string &name) const;

private:
  std::string m_directory;
  std::string m_provider;
  std::vector<migration_file> m_migrations;
};

/// Creates `<directory>/<UTC timestamp>_<name>/` with empty migration.sql and down.sql (and
/// migration_lock.toml for `provider` if the folder has none). When the lock names another
/// provider than `backend`, the database the migrations run on, the folder also gets empty
/// migration.<backend>.sql and down.<backend>.sql: without them load() refuses the migration
/// there (P3019). Returns the folder path.
std::string create_migration(const std::string &directory, const std::string &name, backend_kind provider, backend_kind backend,
                             std::chrono::system_clock::time_point now = std::chrono::system_clock::now());


/// Checks a migration name part: letters, digits and '_', 1..200 bytes for the whole folder name.
void validate_migration_name(const std::string &name);

}  // namespace carrierdb
