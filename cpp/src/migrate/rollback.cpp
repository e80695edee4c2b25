// rollback: migrator::rollback (down.sql of the newest applied migrations, refusing to destroy
// data unless accepted) and Prisma's resolve (--applied, --rolled-back).
#include <algorithm>
#include <optional>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/data_loss.hpp"
#include "carrierdb/migrate/migrator.hpp"
#include "data_steps.hpp"
#include "foreign_keys_off.hpp"
#include "operations.hpp"

namespace carrierdb {

using namespace migrate_internal;

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
    internal::foreign_keys_off rebuild(conn, *m.down_sql);  // before BEGIN: SQLite ignores the pragma inside
    std::optional<scoped_transaction> tx;
    try {
      if (m.down_transactional) tx.emplace(conn);
      run_data_step(m_options.data_steps, m, data_step_direction::down, conn);  // the reverse of up: Python, then SQL
      conn.execute_script(*m.down_sql, [&](const script_statement &) { ++steps; });
      rebuild.check();
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
    } catch (const data_step_error &e) {
      tx.reset();
      throw down_step_failed(m, e);
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
      throw migration_failed_error("rolling back " + m.name + " failed " + where_failed(ctx.line, *m.down_path) +
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

}  // namespace carrierdb
