// migrator: status, deploy (and its dry run) and reset, written once against the backend adapter
// interface. Rollback and resolve are in rollback.cpp; what the operations share, in operations.hpp.
#include "carrierdb/migrate/migrator.hpp"
#include "carrierdb/base/environment.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include "carrierdb/error.hpp"
#include "carrierdb/log.hpp"
#include "data_steps.hpp"
#include "foreign_keys_off.hpp"
#include "lock_tracer.hpp"
#include "one_transaction.hpp"
#include "operations.hpp"

namespace carrierdb {

using namespace migrate_internal;

std::string describe_migrations(const deploy_report &report) {
  std::string names;
  for (const auto &m : report.migrations) names += (names.empty() ? "" : ", ") + m.name;
  return std::to_string(report.migrations.size()) + " migration(s) (" + names + ")";
}

const char *to_string(migration_state state) {
  switch (state) {
    case migration_state::applied: return "applied";
    case migration_state::edited: return "edited";
    case migration_state::pending: return "pending";
    case migration_state::rolled_back: return "rolled_back";
    case migration_state::failed: return "failed";
    case migration_state::missing_locally: return "missing_locally";
  }
  return "unknown";
}

bool migration_status::needs_action() const {
  return std::any_of(entries.begin(), entries.end(), [](const migration_status_entry &e) { return e.state != migration_state::applied; });
}

std::size_t migration_status::count(migration_state state) const {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [state](const migration_status_entry &e) { return e.state == state; }));
}

migrator::migrator(std::shared_ptr<database> db, migrator_options options) : m_db(std::move(db)), m_options(std::move(options)) {}

migration_set migrator::load() const { return migration_set::load(m_options.directory, m_db->kind()); }

migration_status migrator::compute_status(history_table &history, const migration_set &files, bool history_exists) {
  migration_status status;
  status.table = history.name();
  status.history_exists = history_exists;
  std::map<std::string, std::vector<history_row>> by_name;
  if (history_exists)
    for (auto &row : history.rows()) by_name[row.migration_name].push_back(std::move(row));
  for (const auto &m : files.migrations()) by_name[m.name];  // pending ones have no rows

  for (const auto &[name, rows] : by_name) {
    migration_status_entry e;
    e.name = name;
    e.attempts = static_cast<int>(rows.size());
    const migration_file *local = files.find(name);
    e.local = local != nullptr;
    if (local) {
      e.has_down = local->down_sql.has_value();
      e.transactional = local->transactional;
      e.current_checksum = local->checksum;
    }
    const history_row *applied = nullptr;
    const history_row *failed = nullptr;
    const history_row *rolled_back = nullptr;
    for (const auto &row : rows) {
      if (row.applied()) applied = &row;
      if (row.failed()) failed = &row;
      if (row.rolled_back()) rolled_back = &row;
    }
    if (failed) {
      e.state = migration_state::failed;
      e.logs = failed->logs.empty() ? "(no error recorded: the attempt was interrupted before it finished)" : failed->logs;
      e.stored_checksum = failed->checksum;
    } else if (applied) {
      e.applied_at = applied->finished_at;
      e.stored_checksum = applied->checksum;
      if (!local) e.state = migration_state::missing_locally;
      else e.state = local->checksum_matches(applied->checksum) ? migration_state::applied : migration_state::edited;
    } else if (rolled_back) {
      if (!local) continue;  // rolled back and deleted: nothing left to act on
      e.state = migration_state::rolled_back;
      e.rolled_back_at = rolled_back->rolled_back_at;
    } else {
      e.state = migration_state::pending;
    }
    status.entries.push_back(std::move(e));
  }
  return status;
}

migration_status migrator::status() {
  const migration_set files = load();
  auto lease = m_db->pool().acquire();
  history_table history(*lease, m_options.table);
  const bool exists = history.exists();
  return compute_status(history, files, exists);
}

deploy_report migrator::deploy(const deploy_options &options) {
  if (options.trace_locks && !options.dry_run)
    throw configuration_error("--trace-locks traces a dry run only", "add --dry-run: the migrations then run and are rolled back");
  if (options.trace_locks && m_db->kind() != backend_kind::postgresql)
    throw configuration_error("--trace-locks needs PostgreSQL: SQLite takes one database-wide write lock for each write transaction, "
                                  "and has no table locks to trace",
                              "run the dry run without --trace-locks, or against a PostgreSQL database");
  const auto start = clock::now();
  const migration_set files = load();
  locked_session session(*m_db, m_options, options.dry_run ? "dry-run migrations (a dry run applies them, then rolls back)" : "deploy migrations");
  connection &conn = session.conn();
  history_table &history = session.history();

  deploy_report report;
  report.dry_run = options.dry_run;
  bool history_exists = history.exists();
  if (!history_exists) {
    std::vector<std::string> tables = conn.table_names();
    if (!tables.empty()) {
      std::string listed;
      for (std::size_t k = 0; k < tables.size() && k < 5; ++k) listed += (k ? ", " : "") + tables[k];
      if (tables.size() > 5) listed += ", ...";
      throw baseline_required_error(
          "the database " + m_db->url().display() + " has tables (" + listed + ") but no migration history (" + m_options.table +
              "); deploying could collide with them (Prisma P3005)",
          migration_context{},
          "baseline it: for each migration already reflected in the database run `carrierdb migrate resolve --applied NAME`, "
          "then deploy; or deploy to an empty database");
    }
  }

  const migration_status status = compute_status(history, files, history_exists);
  for (const auto &e : status.entries) {
    if (e.state == migration_state::failed) {
      migration_context ctx;
      ctx.migration = e.name;
      throw failed_migration_error(
          "migration " + e.name + " failed (or was interrupted) and is recorded as failed in " + m_options.table +
              "; nothing was deployed (Prisma P3009). Its error:\n" + e.logs,
          ctx,
          "undo any partial changes and fix the file, then `carrierdb migrate resolve --rolled-back " + e.name +
              "` to retry it; or, if you completed it by hand, `carrierdb migrate resolve --applied " + e.name + "`");
    }
  }
  for (const auto &e : status.entries) {
    if (e.state == migration_state::edited) {
      const migration_file *m = files.find(e.name);
      migration_context ctx = context_for(*m, m->up_path);
      ctx.stored_checksum = e.stored_checksum;
      ctx.current_checksum = e.current_checksum;
      const std::string what = "migration " + e.name + " was edited after it was applied: " + m->up_path + " hashes to " +
                               e.current_checksum + ", the history holds " + e.stored_checksum;
      if (!options.allow_edited)
        throw checksum_mismatch_error(what, ctx,
                                      "restore the applied file (git checkout), or put the change in a new migration; "
                                      "pass --allow-edited to deploy anyway");
      report.warnings.push_back(what + " (deploying anyway: --allow-edited)");
    }
    if (e.state == migration_state::missing_locally)
      report.warnings.push_back("migration " + e.name + " is applied in the database but missing from " + files.directory());
  }

  if (options.dry_run) {
    deploy_report dry;
    try {
      dry = dry_run(conn, history, files, options);
    } catch (const interrupted_error &e) {
      throw e.retold("the dry run was interrupted: everything it ran was rolled back; nothing changed", false);
    }
    dry.warnings.insert(dry.warnings.begin(), report.warnings.begin(), report.warnings.end());
    dry.seconds = seconds_since(start);
    session.release();
    return dry;
  }
  if (!history_exists) history.create();
  deploy_report applied = apply_pending(conn, history, files, options);
  applied.warnings.insert(applied.warnings.begin(), report.warnings.begin(), report.warnings.end());
  applied.seconds = seconds_since(start);
  session.release();
  return applied;
}

deploy_report migrator::apply_pending(connection &conn, history_table &history, const migration_set &files,
                                      const deploy_options &options) {
  deploy_report report;
  std::vector<const migration_file *> pending;
  {
    const migration_status status = compute_status(history, files, true);
    for (const auto &e : status.entries)
      if (e.state == migration_state::pending || e.state == migration_state::rolled_back) pending.push_back(files.find(e.name));
  }
  if ((options.single_transaction || options.replay) && each_fits_a_transaction(pending, options.replay)) {
    const std::vector<migration_run> runs = one_transaction_runs(pending, conn.caps().foreign_keys_pragma);
    if (options.replay) {
      for (const migration_run &run : runs) {
        const std::string before = report.migrations.empty() ? "" : describe_migrations(report) + ", committed before it, stay applied";
        deploy_report part = apply_in_one_transaction(conn, history, run, options, before);
        report.migrations.insert(report.migrations.end(), part.migrations.begin(), part.migrations.end());
      }
      return report;
    }
    if (runs.size() == 1) return apply_in_one_transaction(conn, history, pending, options);
  }
  for (std::size_t k = 0; k < pending.size(); ++k) {
    const migration_file &m = *pending[k];
    notify_between(options.progress, k, pending.size(), m.name, false, 0, report, "deploy", "applied");
    const auto started_wall = std::chrono::system_clock::now();
    const auto started = clock::now();
    std::int64_t steps = 0;
    if (m.transactional) {
      // The attempt row is written inside the migration's transaction: a killed process leaves
      // neither the migration's changes nor an orphaned attempt behind.
      bool recording = false;  // the SQL ran; its history row is being written
      internal::foreign_keys_off rebuild(conn, m.up_sql);  // before BEGIN: SQLite ignores the pragma inside
      std::optional<scoped_transaction> tx;
      try {
        tx.emplace(conn);
        conn.execute_script(m.up_sql, [&](const script_statement &) { ++steps; });
        if (!options.replay) run_data_step(m_options.data_steps, m, data_step_direction::up, conn);  // SQL first, then Python
        rebuild.check();
        recording = true;
        history.insert_finished(m.name, m.checksum, started_wall, steps);
        recording = false;
        tx->commit();
      } catch (const interrupted_error &e) {
        tx.reset();
        throw e.retold("deploy was interrupted while applying " + m.name + ": its changes were rolled back and it is not recorded; " +
                           completed_before(report, "applied"),
                       !report.migrations.empty(), "run `carrierdb migrate deploy` again to apply what is pending");
      } catch (const data_step_error &e) {
        tx.reset();
        throw data_step_failed(conn, history, m, e, started_wall);
      } catch (const database_error &e) {
        tx.reset();  // rolled back before the failed attempt is recorded, outside it
        migration_context ctx = context_for(m, m.up_path);
        ctx.cause = e.diag();
        if (!conn.healthy()) {
          // The COMMIT may or may not have reached the server: say so rather than guess.
          throw migration_failed_error("lost the connection while applying migration " + m.name + ": " + e.what() +
                                           "\nWhether it was committed is unknown.",
                                       ctx, "run `carrierdb migrate status`: it shows whether " + m.name + " is applied");
        }
        if (recording) {
          // The SQL ran; its history row was refused. Nothing is on record.
          throw migration_failed_error("migration " + m.name + " ran, but recording it in " + history.name() + " failed: " + e.what() +
                                           "\nIts changes were rolled back; nothing was recorded.",
                                       ctx, "fix what refuses the write to " + history.name() + ", then deploy again");
        }
        ctx.line = e.diag().statement_line;
        const std::string not_recorded =
            write_history([&] { history.insert_failed(m.name, m.checksum, started_wall, failure_logs(m, e, m.up_path)); });
        const std::string failed = "migration " + m.name + " failed " + where_failed(ctx.line, m.up_path) + ": " + e.what() +
                                   "\nIts changes were rolled back; ";
        if (!not_recorded.empty())
          throw migration_failed_error(failed + "the failed attempt could not be recorded in " + history.name() + " (" + not_recorded +
                                           "), so nothing is on record and the next deploy runs it again.",
                                       ctx, "fix the migration and deploy again (no resolve needed); also fix what refused the write to " +
                                                history.name());
        throw migration_failed_error(failed + "the attempt is recorded as failed.", ctx,
                                     "fix the migration, then `carrierdb migrate resolve --rolled-back " + m.name + "` and deploy again");
      }
    } else {
      // Outside a transaction the attempt row goes first, so an interruption stays visible.
      std::string id;
      try {
        id = history.insert_started(m.name, m.checksum, started_wall);
      } catch (const interrupted_error &e) {
        throw e.retold("deploy was interrupted before " + m.name + " started: " + completed_before(report, "applied"),
                       !report.migrations.empty(), "run `carrierdb migrate deploy` again to apply what is pending");
      }
      bool script_ran = false;
      try {
        conn.execute_script(m.up_sql, [&](const script_statement &) { ++steps; });
        script_ran = true;
        interrupt_shield shield;  // the statements ran: record that, whatever is asked now
        history.mark_finished(id, steps);
      } catch (const interrupted_error &e) {
        // Statements outside a transaction cannot be undone: record the attempt as failed.
        const std::int64_t done = std::max<std::int64_t>(0, steps - 1);
        bool recorded = false;
        try {
          interrupt_shield shield;
          history.mark_failed(id, done, "Migration name: " + m.name + "\n\nInterrupted after " + std::to_string(done) +
                                             " statement(s) (outside a transaction, they remain applied).\n");
          recorded = true;
        } catch (...) {
        }
        throw e.retold("deploy was interrupted during " + m.name + ", which runs outside a transaction: the " + std::to_string(done) +
                           " statement(s) before the stop remain applied; the attempt is " +
                           (recorded ? "recorded as failed" : "left recorded as started, not finished") + "; " +
                           completed_before(report, "applied"),
                       true,
                       "complete or undo those statements by hand, then `carrierdb migrate resolve --applied " + m.name +
                           "` or `--rolled-back " + m.name + "`");
      } catch (const database_error &e) {
        migration_context ctx = context_for(m, m.up_path);
        ctx.cause = e.diag();
        if (script_ran)
          throw migration_failed_error("migration " + m.name + " (outside a transaction) ran to its end, but recording it as finished in " +
                                           history.name() + " failed: " + e.what() +
                                           "\nIts changes stay applied; its attempt row stays as an unfinished (failed) attempt.",
                                       ctx, "`carrierdb migrate resolve --applied " + m.name + "` records it as applied");
        ctx.line = e.diag().statement_line;
        // e.g. the script left an aborted transaction open: then the error cannot be added.
        const std::string not_recorded =
            conn.healthy() ? write_history([&] { history.mark_failed(id, std::max<std::int64_t>(0, steps - 1), failure_logs(m, e, m.up_path)); })
                           : "the connection was lost";
        throw migration_failed_error("migration " + m.name + " (outside a transaction) failed at line " + std::to_string(ctx.line) +
                                         " of " + m.up_path + ": " + e.what() + "\nThe " + std::to_string(steps - 1) +
                                         " statement(s) before it remain applied; " +
                                         (not_recorded.empty() ? "the attempt is recorded as failed."
                                                               : "the attempt is on record as failed (its row was written before it started), "
                                                                 "but without this error, which could not be added (" + not_recorded + ")."),
                                     ctx,
                                     "undo or complete those statements by hand, then `carrierdb migrate resolve --rolled-back " +
                                         m.name + "` (to retry) or `--applied` (if completed)");
      }
    }
    const double seconds = seconds_since(started);
    report.migrations.push_back(applied_migration{m.name, seconds, steps, true, false, {}});
    if (log_enabled(log_level::info)) log(log_level::info, "applied migration " + m.name + " in " + std::to_string(seconds) + " s");
    notify_between(options.progress, k, pending.size(), m.name, true, seconds, report, "deploy", "applied");
  }
  return report;
}

deploy_report migrator::dry_run(connection &conn, history_table &history, const migration_set &files,
                                const deploy_options &options) {
  deploy_report report;
  report.dry_run = true;
  std::vector<const migration_file *> pending;
  {
    const bool exists = history.exists();
    const migration_status status = compute_status(history, files, exists);
    for (const auto &e : status.entries)
      if (e.state == migration_state::pending || e.state == migration_state::rolled_back) pending.push_back(files.find(e.name));
  }
  // SQLite: a rebuild turns foreign keys off, which only works before the transaction; then every
  // migration is checked with foreign_key_check as deploy checks the rebuild, so the dry run fails
  // where deploy would (and a rebuild's DROP TABLE fires no ON DELETE action).
  std::string rebuild_script;
  for (const migration_file *m : pending)
    if (m->transactional && internal::turns_foreign_keys_off(m->up_sql)) rebuild_script = m->up_sql;
  internal::foreign_keys_off rebuild(conn, rebuild_script);
  // Everything runs in one transaction that is always rolled back: schema and history stay as
  // they were. Each migration gets a savepoint so a failure is reported, not fatal.
  scoped_transaction tx(conn);
  std::optional<lock_tracer> tracer;
  if (options.trace_locks) tracer.emplace(conn);
  {
    bool failed_before = false;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const migration_file &m = *pending[k];
      applied_migration result{m.name, 0, 0, true, false, {}};
      notify(options.progress, k, pending.size(), m.name, false, 0);
      if (!m.transactional) {
        result.skipped = true;
        result.error = "not run: cannot run inside the dry run's transaction (" + m.non_transactional_reason + ")";
      } else if (failed_before) {
        result.skipped = true;
        result.error = "not run: an earlier migration would fail";
      } else {
        const auto started = clock::now();
        scoped_savepoint attempt(conn, "carrierdb_dry_run");
        if (tracer) tracer->begin(m.name, m.up_path);
        try {
          conn.execute_script(m.up_sql, [&](const script_statement &s) {
            ++result.steps;
            if (tracer) tracer->before_statement(s);
          });
          run_data_step(m_options.data_steps, m, data_step_direction::up, conn);
          rebuild.check();
          if (tracer) report.lock_traces.push_back(tracer->end());
          attempt.release();
        } catch (const data_step_error &e) {
          attempt.rollback();
          result.ok = false;
          result.error = data_step_summary(e);
          failed_before = true;
          if (tracer) report.lock_traces.push_back(tracer->end("it fails: " + result.error));
        } catch (const database_error &e) {
          attempt.rollback();
          result.ok = false;
          result.error = where_failed(e.diag().statement_line, m.up_path) + ": " + e.what();
          failed_before = true;
          if (tracer) report.lock_traces.push_back(tracer->end("it fails: " + result.error));
        }
        result.seconds = seconds_since(started);
      }
      if (tracer && result.skipped) report.lock_traces.push_back(migration_locks{m.name, m.up_path, false, result.error, {}});
      notify(options.progress, k, pending.size(), m.name, true, result.seconds);
      report.migrations.push_back(std::move(result));
    }
  }
  tx.rollback();
  return report;
}

deploy_report migrator::reset(const reset_options &options) {
  if (is_production_environment(options.environment) && !options.allow_production)
    throw migration_state_error("refusing to reset " + m_db->url().display() + " in the production environment", migration_context{},
                                "pass --allow-production if you really mean to drop every object in production");
  const auto start = clock::now();
  const migration_set files = load();
  locked_session session(*m_db, m_options, "reset the database");
  try {
    session.conn().drop_all_objects();  // one transaction: a stop here changes nothing
  } catch (const interrupted_error &e) {
    throw e.retold("reset was interrupted before anything was dropped: the database is unchanged", false);
  }
  deploy_options deploy;
  deploy.progress = options.progress;
  deploy.replay = options.replay;
  deploy_report report;
  try {
    session.history().create();
    report = apply_pending(session.conn(), session.history(), files, deploy);
  } catch (const interrupted_error &e) {
    throw e.retold("reset was interrupted after every object had been dropped; " + std::string(e.what()), true,
                   "run `carrierdb migrate deploy` to apply the remaining migrations");
  }
  report.seconds = seconds_since(start);
  session.release();
  return report;
}

}  // namespace carrierdb
