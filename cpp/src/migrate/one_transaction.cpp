// one_transaction: all pending migrations in one transaction, committed together or not at all.
#include "one_transaction.hpp"

#include <optional>

#include "backend/sql_script.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"
#include "foreign_keys_off.hpp"
#include "operations.hpp"

namespace carrierdb::migrate_internal {

using internal::split_postgres_script;

namespace {

// An `ALTER TYPE ... ADD VALUE` statement (comments and strings do not count).
bool adds_enum_value(const std::string &script) {
  for (const std::string &statement : internal::squeezed_statements(script))
    if (statement.rfind("altertype", 0) == 0 && statement.find("addvalue") != std::string::npos) return true;
  return false;
}

}  // namespace

std::vector<migration_run> one_transaction_runs(const migration_run &pending, bool foreign_keys_pragma) {
  std::vector<migration_run> runs(1);
  for (const migration_file *m : pending) {
    const bool alone = foreign_keys_pragma && internal::turns_foreign_keys_off(m->up_sql);
    if (alone && !runs.back().empty()) runs.emplace_back();
    runs.back().push_back(m);
    if (alone || adds_enum_value(m->up_sql)) runs.emplace_back();
  }
  if (runs.back().empty()) runs.pop_back();
  return runs;
}

bool each_fits_a_transaction(const migration_run &pending, bool without_data_steps) {
  for (const migration_file *m : pending)
    if (!m->transactional || (m->data_step_path && !without_data_steps)) return false;
  return true;
}

namespace {

// A shadow database's replay of `run`: all its SQL in one batch (one round trip on PostgreSQL) and
// its history rows in one statement, under a savepoint. False when it failed (rolled back to the
// savepoint): the caller then runs the migrations one by one, which names the failing statement.
bool replayed_as_one_batch(connection &conn, history_table &history, const migration_run &run, deploy_report &report) {
  std::string all;
  std::vector<history_table::finished> rows;
  const auto started = std::chrono::system_clock::now();
  for (const migration_file *m : run) {
    all += m->up_sql + "\n;\n";  // a last line comment or a missing semicolon ends with its file
    rows.push_back({m->name, m->checksum, started, static_cast<std::int64_t>(split_postgres_script(m->up_sql).size())});
  }
  scoped_savepoint attempt(conn, "carrierdb_replay");
  try {
    conn.execute_batch(all);
    history.insert_finished(rows);
  } catch (const interrupted_error &) {
    throw;  // the caller's transaction rolls back
  } catch (const database_error &) {
    attempt.rollback();
    return false;
  }
  attempt.release();
  for (const auto &row : rows) report.migrations.push_back(applied_migration{row.name, 0, row.steps, true, false, {}});
  return true;
}

}  // namespace

deploy_report apply_in_one_transaction(connection &conn, history_table &history, const migration_run &pending, const deploy_options &options,
                                       const std::string &before) {
  deploy_report report;
  const std::string none = "none of the " + std::to_string(pending.size()) + " migration(s) of that transaction is applied and nothing of it is recorded" +
                           (before.empty() ? "" : "; " + before);
  // SQLite: a rebuild turns foreign keys off, which only works before BEGIN; then every migration
  // is checked, as deploy checks a rebuild (see foreign_keys_off.hpp).
  std::string rebuild_script;
  for (const migration_file *m : pending)
    if (internal::turns_foreign_keys_off(m->up_sql)) rebuild_script = m->up_sql;
  internal::foreign_keys_off rebuild(conn, rebuild_script);
  std::optional<scoped_transaction> tx;
  tx.emplace(conn);
  bool batched = false;
  if (options.replay) {
    try {
      batched = replayed_as_one_batch(conn, history, pending, report);
      if (batched) rebuild.check();
    } catch (const interrupted_error &e) {
      tx.reset();
      throw e.retold("the replay was interrupted: its transaction was rolled back, so " + none, !before.empty(),
                     "run the command again");
    } catch (const database_error &) {
      // The foreign-key check refused the batch: redo it one migration at a time, which names the one.
      tx.reset();
      tx.emplace(conn);
      report.migrations.clear();
      batched = false;
    }
  }
  for (std::size_t k = 0; k < pending.size() && !batched; ++k) {
    const migration_file &m = *pending[k];
    notify(options.progress, k, pending.size(), m.name, false, 0);
    const auto started_wall = std::chrono::system_clock::now();
    const auto started = std::chrono::steady_clock::now();
    std::int64_t steps = 0;
    try {
      conn.execute_script(m.up_sql, [&](const script_statement &) { ++steps; });
      rebuild.check();
      history.insert_finished(m.name, m.checksum, started_wall, steps);
    } catch (const interrupted_error &e) {
      tx.reset();
      throw e.retold("deploy was interrupted while applying " + m.name + ", in a transaction of several migrations: it was rolled back, so " +
                         none,
                     !before.empty(), "run `carrierdb migrate deploy` again");
    } catch (const database_error &e) {
      tx.reset();
      migration_context ctx = context_for(m, m.up_path);
      ctx.cause = e.diag();
      ctx.line = e.diag().statement_line;
      throw migration_failed_error("migration " + m.name + " failed " + where_failed(ctx.line, m.up_path) + ": " + e.what() +
                                       "\nIt ran in one transaction with the others: that was rolled back, so " + none + ".",
                                   ctx, "fix the migration and deploy again");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report.migrations.push_back(applied_migration{m.name, seconds, steps, true, false, {}});
    notify(options.progress, k, pending.size(), m.name, true, seconds);
  }
  try {
    tx->commit();
  } catch (const database_error &e) {
    tx.reset();
    if (!conn.healthy())
      throw migration_failed_error(std::string("lost the connection while committing the migrations' one transaction: ") + e.what() +
                                       "\nWhether it was committed is unknown.",
                                   migration_context{}, "run `carrierdb migrate status`: it shows what is applied");
    throw migration_failed_error(std::string("committing the migrations' one transaction failed: ") + e.what() + "\nIt was rolled back, so " +
                                     none + ".",
                                 migration_context{}, "fix what refused the commit, then deploy again");
  }
  return report;
}

}  // namespace carrierdb::migrate_internal
