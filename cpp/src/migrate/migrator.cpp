// migrator: the migration operations, written once against the backend adapter interface.
#include "carrierdb/migrate/migrator.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include "carrierdb/error.hpp"
#include "carrierdb/log.hpp"
#include "carrierdb/migrate/data_loss.hpp"

namespace carrierdb {

namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point start) { return std::chrono::duration<double>(clock::now() - start).count(); }

// What goes into `logs` of a failed attempt: enough to act on without the terminal output.
std::string failure_logs(const migration_file &m, const database_error &e, const std::string &file) {
  const diagnostics &d = e.diag();
  std::string logs = "Migration name: " + m.name + "\n\n";
  if (!d.sqlstate.empty()) logs += "Database error code: " + d.sqlstate + "\n\n";
  logs += "Database error:\n" + std::string(e.what()) + "\n";
  if (!d.statement.empty())
    logs += "\nFailing statement (line " + std::to_string(d.statement_line) + " of " + file + "):\n" + d.statement + "\n";
  return logs;
}

// Holds the migration lock for one operation; the work runs on a pooled connection.
// Where the lock lives in a transaction (PostgreSQL), that transaction stays open on a connection
// of its own, outside the pool, for the whole operation: through a transaction-mode pooler it
// keeps one server connection, and the lock ends with it, on every exit path and with a killed
// process. The history is read only once the lock is held. A read-only target is refused first,
// before the lock (whose file SQLite could not even create) and any change.
class locked_session {
public:
  locked_session(database &db, const migrator_options &options, const std::string &operation)
      : m_lease(refused_if_read_only(db.pool().acquire(), operation)) {
    if (m_lease->caps().transaction_locks) {
      m_lock_conn = open_connection(db.url(), db.options());
      m_lock = m_lock_conn->acquire_lock(k_prisma_lock_key, options.lock_timeout);
    } else {
      m_lock = m_lease->acquire_lock(k_prisma_lock_key, options.lock_timeout);
    }
    m_history.emplace(*m_lease, options.table);
  }
  connection &conn() { return *m_lease; }
  history_table &history() { return *m_history; }
  /// Ends the operation: releases the lock, throwing if that failed.
  void release() { m_lock->release(); }

private:
  static connection_pool::lease refused_if_read_only(connection_pool::lease lease, const std::string &operation) {
    lease->refuse_if_read_only(operation);
    return lease;
  }

  connection_pool::lease m_lease;           // declared first: destroyed last
  std::unique_ptr<connection> m_lock_conn;  // outlives m_lock, which may roll back on it
  std::unique_ptr<lock_handle> m_lock;
  std::optional<history_table> m_history;
};

void notify(const progress_callback &progress, std::size_t index, std::size_t total, const std::string &name, bool finished,
            double seconds) {
  if (progress) progress(migration_progress{index, total, name, finished, seconds});
}

// What a stop left behind besides the migration it interrupted: those completed before it.
std::string completed_before(const deploy_report &report, const std::string &done) {
  if (report.migrations.empty()) return "no migration had been " + done + " before the stop";
  return describe_migrations(report) + " had been " + done + " and recorded before the stop";
}

// Between migrations: reports progress, and honours a stop asked for (Ctrl-C, or the progress
// callback's) while no migration is under way, telling what was completed.
void notify_between(const progress_callback &progress, std::size_t index, std::size_t total, const std::string &name, bool finished,
                    double seconds, const deploy_report &report, const std::string &operation, const std::string &done) {
  try {
    check_interrupt();
    notify(progress, index, total, name, finished, seconds);
  } catch (const interrupted_error &e) {
    throw e.retold(operation + " was interrupted between migrations: " + completed_before(report, done), !report.migrations.empty(),
                   "run `carrierdb migrate " + operation + "` again to continue");
  }
}

// Runs a history write for a failed attempt; returns "" once it is written, else why it was not.
// The migration's own error is what the caller raises, so this one becomes part of its message.
std::string write_history(const std::function<void()> &write) {
  try {
    write();
    return {};
  } catch (const std::exception &e) {
    return e.what();
  }
}

migration_context context_for(const migration_file &m, const std::string &file) {
  migration_context ctx;
  ctx.migration = m.name;
  ctx.file = file;
  return ctx;
}

}  // namespace

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
      std::optional<scoped_transaction> tx;
      try {
        tx.emplace(conn);
        conn.execute_script(m.up_sql, [&](const script_statement &) { ++steps; });
        recording = true;
        history.insert_finished(m.name, m.checksum, started_wall, steps);
        recording = false;
        tx->commit();
      } catch (const interrupted_error &e) {
        tx.reset();
        throw e.retold("deploy was interrupted while applying " + m.name + ": its changes were rolled back and it is not recorded; " +
                           completed_before(report, "applied"),
                       !report.migrations.empty(), "run `carrierdb migrate deploy` again to apply what is pending");
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
        const std::string failed = "migration " + m.name + " failed at line " + std::to_string(ctx.line) + " of " + m.up_path + ": " + e.what() +
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
  // Everything runs in one transaction that is always rolled back: schema and history stay as
  // they were. Each migration gets a savepoint so a failure is reported, not fatal.
  scoped_transaction tx(conn);
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
        conn.savepoint("carrierdb_dry_run");
        try {
          conn.execute_script(m.up_sql, [&](const script_statement &) { ++result.steps; });
          conn.release_savepoint("carrierdb_dry_run");
        } catch (const database_error &e) {
          conn.rollback_to_savepoint("carrierdb_dry_run");
          conn.release_savepoint("carrierdb_dry_run");
          result.ok = false;
          result.error = "line " + std::to_string(e.diag().statement_line) + " of " + m.up_path + ": " + e.what();
          failed_before = true;
        }
        result.seconds = seconds_since(started);
      }
      notify(options.progress, k, pending.size(), m.name, true, result.seconds);
      report.migrations.push_back(std::move(result));
    }
  }
  tx.rollback();
  return report;
}

deploy_report migrator::rollback(const rollback_options &options) {
  const auto start = clock::now();
  const migration_set files = load();
  locked_session session(*m_db, m_options, "roll back migrations");
  connection &conn = session.conn();
  history_table &history = session.history();
  if (!history.exists())
    throw migration_state_error("nothing to roll back: " + m_db->url().display() + " has no migration history", migration_context{});
  const migration_status status = compute_status(history, files, true);
  std::vector<std::string> applied;
  for (const auto &e : status.entries) {
    if (e.state == migration_state::failed) {
      migration_context ctx;
      ctx.migration = e.name;
      throw failed_migration_error("migration " + e.name + " is recorded as failed; resolve it before rolling back", ctx,
                                   "`carrierdb migrate resolve --rolled-back " + e.name + "` or `--applied " + e.name + "`");
    }
    if (e.state == migration_state::applied || e.state == migration_state::edited || e.state == migration_state::missing_locally)
      applied.push_back(e.name);
  }
  std::vector<std::string> targets;  // newest first
  if (!options.to.empty()) {
    if (std::find(applied.begin(), applied.end(), options.to) == applied.end()) {
      migration_context ctx;
      ctx.migration = options.to;
      throw migration_state_error("cannot roll back to " + options.to + ": it is not an applied migration", ctx,
                                  "`carrierdb migrate status` lists the applied ones");
    }
    for (auto it = applied.rbegin(); it != applied.rend() && *it != options.to; ++it) targets.push_back(*it);
  } else {
    if (options.steps < 1) throw configuration_error("rollback steps must be at least 1");
    for (auto it = applied.rbegin(); it != applied.rend() && static_cast<int>(targets.size()) < options.steps; ++it)
      targets.push_back(*it);
  }
  // All or nothing up front: every target needs its down migration before any is run.
  std::vector<std::string> missing;
  for (const auto &name : targets) {
    const migration_file *m = files.find(name);
    if (!m || !m->down_sql) missing.push_back(name);
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto &n : missing) names += (names.empty() ? "" : ", ") + n;
    migration_context ctx;
    ctx.migration = missing.front();
    throw missing_down_migration_error("cannot roll back " + names + ": no down.sql (or down." + std::string(to_string(m_db->kind())) +
                                           ".sql) in " + (missing.size() == 1 ? "its folder" : "their folders") +
                                           "; nothing was changed",
                                       ctx, "write the down migration first, or roll back fewer steps");
  }
  if (!options.accept_data_loss) {
    std::vector<const migration_file *> downs;
    for (const auto &name : targets) downs.push_back(files.find(name));
    refuse_data_loss(conn, downs, m_db->url().display());
  }

  deploy_report report;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const migration_file &m = *files.find(targets[k]);
    notify_between(options.progress, k, targets.size(), m.name, false, 0, report, "rollback", "rolled back");
    const auto started = clock::now();
    std::int64_t steps = 0;
    bool recording = false;  // down.sql ran; the history is being updated
    std::optional<scoped_transaction> tx;
    try {
      if (m.down_transactional) tx.emplace(conn);
      conn.execute_script(*m.down_sql, [&](const script_statement &) { ++steps; });
      recording = true;
      history.mark_rolled_back(m.name, false);
      recording = false;
      if (tx) tx->commit();
    } catch (const interrupted_error &e) {
      tx.reset();
      if (m.down_transactional) {
        throw e.retold("rollback was interrupted while rolling back " + m.name + ": that rollback was undone and " + m.name +
                           " is still applied; " + completed_before(report, "rolled back"),
                       !report.migrations.empty(), "run the rollback again when you are ready");
      }
      throw e.retold("rollback was interrupted during " + m.name + "'s down migration, which runs outside a transaction: the " +
                         std::to_string(std::max<std::int64_t>(0, steps - 1)) + " statement(s) before the stop remain applied and " +
                         m.name + " is still recorded as applied; " + completed_before(report, "rolled back"),
                     true, "complete or undo those statements by hand");
    } catch (const database_error &e) {
      tx.reset();
      migration_context ctx = context_for(m, *m.down_path);
      if (recording)
        throw migration_failed_error("rolling back " + m.name + ": " + *m.down_path + " ran, but recording the rollback in " + history.name() +
                                         " failed: " + e.what() +
                                         (m.down_transactional ? "\nThat rollback was undone; " + m.name + " is still applied."
                                                               : "\nIt ran outside a transaction and stays done, but the history still shows " +
                                                                     m.name + " as applied."),
                                     ctx, "fix what refuses the write to " + history.name() + ", then run the rollback again");
      ctx.line = e.diag().statement_line;
      ctx.cause = e.diag();
      throw migration_failed_error("rolling back " + m.name + " failed at line " + std::to_string(ctx.line) + " of " + *m.down_path +
                                       ": " + e.what() + (m.down_transactional ? "\nThat rollback was undone; " + m.name + " is still applied."
                                                                        : "\nIt ran outside a transaction: statements before it stay done."),
                                   ctx, "fix " + *m.down_path + " and run the rollback again");
    }
    const double seconds = seconds_since(started);
    report.migrations.push_back(applied_migration{m.name, seconds, steps, true, false, {}});
    notify_between(options.progress, k, targets.size(), m.name, true, seconds, report, "rollback", "rolled back");
  }
  report.seconds = seconds_since(start);
  session.release();
  return report;
}

void migrator::resolve_applied(const std::string &name) {
  const migration_set files = load();
  const migration_file *m = files.find(name);
  if (!m) {
    migration_context ctx;
    ctx.migration = name;
    throw migration_state_error("no migration named " + name + " in " + files.directory() + " (Prisma P3017)", ctx,
                                "`carrierdb migrate status` lists the migrations");
  }
  locked_session session(*m_db, m_options, "resolve migration " + name);
  history_table &history = session.history();
  history.create();  // resolving --applied on an unmigrated database is how one baselines it
  const migration_status status = compute_status(history, files, true);
  for (const auto &e : status.entries)
    if (e.name == name && (e.state == migration_state::applied || e.state == migration_state::edited))
      throw migration_state_error("migration " + name + " is already recorded as applied (Prisma P3008)", context_for(*m, m->up_path));
  scoped_transaction tx(session.conn());
  history.mark_rolled_back(name, true);  // a failed attempt is superseded by this record
  history.insert_finished(name, m->checksum, std::chrono::system_clock::now(), 0);
  tx.commit();
  session.release();
}

void migrator::resolve_rolled_back(const std::string &name) {
  const migration_set files = load();
  locked_session session(*m_db, m_options, "resolve migration " + name);
  history_table &history = session.history();
  migration_context ctx;
  ctx.migration = name;
  if (!history.exists())
    throw migration_state_error("migration " + name + " cannot be marked rolled back: there is no migration history (Prisma P3011)", ctx);
  const migration_status status = compute_status(history, files, true);
  auto it = std::find_if(status.entries.begin(), status.entries.end(), [&](const migration_status_entry &e) { return e.name == name; });
  if (it == status.entries.end() || it->attempts == 0)
    throw migration_state_error("migration " + name + " cannot be marked rolled back: it was never applied (Prisma P3011)", ctx);
  if (it->state != migration_state::failed)
    throw migration_state_error("migration " + name + " cannot be marked rolled back: it is not in a failed state (Prisma P3012)", ctx,
                                "to undo an applied migration, use `carrierdb migrate rollback`");
  history.mark_rolled_back(name, true);
  session.release();
}

deploy_report migrator::reset(const reset_options &options) {
  if (options.environment == "production" && !options.allow_production)
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
