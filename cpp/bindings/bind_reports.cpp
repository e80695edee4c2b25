// Python classes of the reports operations return: DeployReport, MigrationStatus, SeedReport and
// the rows they hold. Their text, HTML and JSON are added in python/carrierdb/reports.py.
#include "bindings.hpp"
#include "report_class.hpp"
#include "reports.hpp"

// A field bound under its member's name, so the two cannot drift apart.
#define CARRIERDB_FIELD(type, member) field(#member, &type::member)

namespace carrierdb::bindings {

namespace {

void init_migration_reports(py::module_ &m) {
  report_class<applied_migration>(m, "AppliedMigration", "One migration of a deploy, rollback or reset (or of a dry run).")
      .CARRIERDB_FIELD(applied_migration, name)
      .CARRIERDB_FIELD(applied_migration, seconds)
      .CARRIERDB_FIELD(applied_migration, steps)
      .CARRIERDB_FIELD(applied_migration, ok).CARRIERDB_FIELD(applied_migration, skipped)
      .optional_field("error", &applied_migration::error);

  // --trace-locks: what the dry run saw in pg_locks, statement by statement.
  report_class<traced_lock>(m, "TracedLock", "A table lock a statement took: relation, mode, what it blocks, whether the dry run created the relation.")
      .CARRIERDB_FIELD(traced_lock, relation).CARRIERDB_FIELD(traced_lock, mode)
      .CARRIERDB_FIELD(traced_lock, blocks).CARRIERDB_FIELD(traced_lock, created);
  report_class<statement_locks>(m, "StatementLocks",
                                "One statement of a traced dry run: its line, the locks it took, and how long a deploy holds them "
                                "(from its start to its migration's commit).")
      .CARRIERDB_FIELD(statement_locks, line).CARRIERDB_FIELD(statement_locks, statement)
      .CARRIERDB_FIELD(statement_locks, locks).CARRIERDB_FIELD(statement_locks, held_seconds);
  report_class<migration_locks>(m, "MigrationLocks", "The lock trace of one pending migration, or why it was not traced.")
      .CARRIERDB_FIELD(migration_locks, migration).CARRIERDB_FIELD(migration_locks, file)
      .CARRIERDB_FIELD(migration_locks, traced)
      .optional_field("not_traced", &migration_locks::not_traced)
      .CARRIERDB_FIELD(migration_locks, statements);

  report_class<operation_report>(m, "DeployReport", "What deploy, rollback or reset did (or, for a dry run, would do).")
      .CARRIERDB_FIELD(operation_report, operation)
      .CARRIERDB_FIELD(deploy_report, dry_run)
      .CARRIERDB_FIELD(deploy_report, migrations)
      .CARRIERDB_FIELD(deploy_report, warnings)
      .CARRIERDB_FIELD(deploy_report, seconds)
      .CARRIERDB_FIELD(deploy_report, lock_traces);

  report_class<migration_status_entry>(m, "MigrationEntry",
                                       "One migration as the status sees it. `state` is one of applied, edited, pending, "
                                       "rolled_back (pending again after a rollback), failed, missing_locally.")
      .CARRIERDB_FIELD(migration_status_entry, name)
      .field("state", [](const migration_status_entry &e) { return std::string(to_string(e.state)); })
      .CARRIERDB_FIELD(migration_status_entry, local)
      .CARRIERDB_FIELD(migration_status_entry, has_down)
      .CARRIERDB_FIELD(migration_status_entry, transactional)
      // Empty in the engine means "never": None in Python, null in JSON.
      .optional_field("applied_at", &migration_status_entry::applied_at)
      .optional_field("rolled_back_at", &migration_status_entry::rolled_back_at)
      .optional_field("stored_checksum", &migration_status_entry::stored_checksum)
      .optional_field("current_checksum", &migration_status_entry::current_checksum)
      .optional_field("logs", &migration_status_entry::logs)
      .CARRIERDB_FIELD(migration_status_entry, attempts);

  report_class<status_report>(m, "MigrationStatus", "Every migration of a folder, local and in the database, with its state.")
      .CARRIERDB_FIELD(status_report, directory).CARRIERDB_FIELD(status_report, url)
      .CARRIERDB_FIELD(migration_status, table).CARRIERDB_FIELD(migration_status, history_exists)
      .field("needs_action", [](const status_report &s) { return s.needs_action(); })
      .field("entries", &migration_status::entries, "migrations");
}

void init_seed_reports(py::module_ &m) {
  // The counts of a file are those of the run, file by file; not_sent is how many unchanged rows
  // were recognised before they reached the server.
  report_class<seed_file_result>(m, "SeedFileResult", "What a seed run did with one data file (or record set).")
      .CARRIERDB_FIELD(seed_file_result, file).CARRIERDB_FIELD(seed_file_result, model).CARRIERDB_FIELD(seed_file_result, rows)
      .CARRIERDB_FIELD(seed_file_result, inserted).CARRIERDB_FIELD(seed_file_result, updated)
      .CARRIERDB_FIELD(seed_file_result, unchanged).CARRIERDB_FIELD(seed_file_result, rejected)
      .CARRIERDB_FIELD(seed_file_result, not_sent);

  report_class<seed_prune_entry>(m, "SeedPruneEntry", "Rows of one table whose keys the seed no longer has, in prune's deleting order.")
      .CARRIERDB_FIELD(seed_prune_entry, model).CARRIERDB_FIELD(seed_prune_entry, table).CARRIERDB_FIELD(seed_prune_entry, rows);

  report_class<validation_issue>(m, "SeedReject", "A row a lenient seed run rejected: where it came from, which field, why.")
      .CARRIERDB_FIELD(validation_issue, row)
      .field("field", [](const validation_issue &i) { return i.path.empty() ? std::string() : i.path.front(); })
      .CARRIERDB_FIELD(validation_issue, code)
      .CARRIERDB_FIELD(validation_issue, message)
      .CARRIERDB_FIELD(validation_issue, value);

  // The run's totals are sums over its files, computed by the engine.
  report_class<seed_report>(m, "SeedReport", "What a seed run did (or, for a dry run, would do).")
      .CARRIERDB_FIELD(seed_result, environment).CARRIERDB_FIELD(seed_result, seed_set)
      .CARRIERDB_FIELD(seed_result, version).CARRIERDB_FIELD(seed_result, checksum)
      .CARRIERDB_FIELD(seed_result, dry_run).CARRIERDB_FIELD(seed_result, skipped)
      .CARRIERDB_FIELD(seed_result, files)
      .field("inserted", [](const seed_report &r) { return r.inserted(); })
      .field("updated", [](const seed_report &r) { return r.updated(); })
      .field("unchanged", [](const seed_report &r) { return r.unchanged(); })
      .CARRIERDB_FIELD(seed_result, rejected)
      .CARRIERDB_FIELD(seed_result, prune_candidates).CARRIERDB_FIELD(seed_result, pruned)
      .CARRIERDB_FIELD(seed_result, prune_order)
      .CARRIERDB_FIELD(seed_result, issues)
      .CARRIERDB_FIELD(seed_result, seconds)
      .optional_field("rejects_path", &seed_report::rejects_path);

  report_class<seed_history_row>(m, "SeedRun", "One seed run recorded in the seed history table.")
      .CARRIERDB_FIELD(seed_history_row, environment).CARRIERDB_FIELD(seed_history_row, seed_set)
      .CARRIERDB_FIELD(seed_history_row, version).CARRIERDB_FIELD(seed_history_row, checksum)
      .CARRIERDB_FIELD(seed_history_row, applied_at).CARRIERDB_FIELD(seed_history_row, applied_by)
      .CARRIERDB_FIELD(seed_history_row, inserted).CARRIERDB_FIELD(seed_history_row, updated)
      .CARRIERDB_FIELD(seed_history_row, unchanged).CARRIERDB_FIELD(seed_history_row, rejected)
      .CARRIERDB_FIELD(seed_history_row, pruned).CARRIERDB_FIELD(seed_history_row, seconds);
}

}  // namespace

void init_reports(py::module_ &m) {
  init_migration_reports(m);
  init_seed_reports(m);
}

}  // namespace carrierdb::bindings

#undef CARRIERDB_FIELD
