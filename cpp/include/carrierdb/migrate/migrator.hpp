// The migration engine: status, deploy (and dry-run), rollback, resolve, reset.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "carrierdb/database.hpp"
#include "carrierdb/migrate/data_steps.hpp"
#include "carrierdb/migrate/history.hpp"
#include "carrierdb/migrate/lock_trace.hpp"
#include "carrierdb/migrate/migration_files.hpp"

namespace carrierdb {

/// Prisma's advisory lock key: carrierdb and `prisma migrate` exclude each other.
inline constexpr std::int64_t k_prisma_lock_key = 72707369;

struct migrator_options {
  std::string directory = "migrations";
  std::string table = "_prisma_migrations";
  std::chrono::milliseconds lock_timeout{10000};
  data_step_runner data_steps;  // runs migration.py (the Python package supplies it)
};

enum class migration_state { applied, edited, pending, rolled_back, failed, missing_locally };
const char *to_string(migration_state state);

struct migration_status_entry {
  std::string name;
  migration_state state = migration_state::pending;
  bool local = false;               // the folder exists
  bool has_down = false;
  bool transactional = true;
  std::string applied_at;           // finished_at of the applied attempt
  std::string rolled_back_at;       // of the latest rolled-back attempt
  std::string stored_checksum;
  std::string current_checksum;
  std::string logs;                 // of the failed attempt
  int attempts = 0;
};

struct migration_status {
  bool history_exists = false;
  std::string table;
  std::vector<migration_status_entry> entries;  // ordered by name
  bool needs_action() const;
  std::size_t count(migration_state state) const;
};

/// Progress of a long run: called before (`finished == false`) and after each migration.
struct migration_progress {
  std::size_t index = 0;  // 0-based among the migrations of this run
  std::size_t total = 0;
  std::string name;
  bool finished = false;
  double seconds = 0;
};
using progress_callback = std::function<void(const migration_progress &)>;

struct deploy_options {
  bool dry_run = false;
  bool allow_edited = false;   // deploy although an applied migration's file changed
  /// With dry_run, on PostgreSQL only: record each statement's new locks in lock_traces. SQLite is
  /// refused (configuration_error): it has one database-wide write lock, no table locks to trace.
  bool trace_locks = false;
  /// Every pending migration in one transaction, committed together or not at all (Alembic's
  /// default). Only when each of them can run in a transaction, none has a data step, and none needs
  /// a commit before the next (a PostgreSQL enum value added, a SQLite rebuild turning foreign keys
  /// off); else one transaction per migration, as without it.
  bool single_transaction = false;
  /// A shadow database's replay: the SQL only (data steps change data, not the schema, and must not
  /// run twice), in as few transactions as those commits allow.
  bool replay = false;
  progress_callback progress;
};

struct applied_migration {
  std::string name;
  double seconds = 0;
  std::int64_t steps = 0;
  bool ok = true;               // dry-run: would it succeed
  bool skipped = false;         // dry-run: not run (opts out of transactions, or after a failure)
  std::string error;            // dry-run: why it would fail
};

struct deploy_report {
  bool dry_run = false;
  std::vector<applied_migration> migrations;
  std::vector<std::string> warnings;
  double seconds = 0;
  std::vector<migration_locks> lock_traces;  // deploy_options::trace_locks: one per pending migration
};

/// "2 migration(s) (a, b)": the migrations a report lists, for messages.
std::string describe_migrations(const deploy_report &report);

struct rollback_options {
  int steps = 1;
  std::string to;  // roll back everything applied after this migration (exclusive)
  bool accept_data_loss = false;  // run down scripts that drop tables or columns holding rows
  progress_callback progress;
};

struct reset_options {
  std::string environment;
  bool allow_production = false;
  bool replay = false;  // deploy_options::replay for the migrations applied again (a shadow database)
  progress_callback progress;
};

/// Runs migrations from one folder against one database. Each operation takes the migration
/// lock on a dedicated connection for its whole length and releases it on every exit path.
class migrator {
public:
  migrator(std::shared_ptr<database> db, migrator_options options);

  migration_status status();
  deploy_report deploy(const deploy_options &options = {});
  deploy_report rollback(const rollback_options &options);
  /// Prisma's `migrate resolve --applied`: record `name` as applied without running it.
  void resolve_applied(const std::string &name);
  /// Prisma's `migrate resolve --rolled-back`: mark the failed attempt(s) of `name` rolled back.
  void resolve_rolled_back(const std::string &name);
  /// Drops every object in the schema, then deploys all migrations.
  deploy_report reset(const reset_options &options);

  const migrator_options &options() const noexcept { return m_options; }

private:
  migration_set load() const;
  migration_status compute_status(history_table &history, const migration_set &files, bool history_exists);
  deploy_report apply_pending(connection &conn, history_table &history, const migration_set &files,
                              const deploy_options &options);
  deploy_report dry_run(connection &conn, history_table &history, const migration_set &files, const deploy_options &options);

  std::shared_ptr<database> m_db;
  migrator_options m_options;
};

}  // namespace carrierdb
