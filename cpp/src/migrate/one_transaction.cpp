// one_transaction: all pending migrations in one transaction, committed together or not at all.
#include "one_transaction.hpp"

#include <optional>

#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"
#include "foreign_keys_off.hpp"
#include "operations.hpp"

namespace carrierdb::migrate_internal {

bool fits_one_transaction(const std::vector<const migration_file *> &pending) {
  for (const migration_file *m : pending)
    if (!m->transactional || m->data_step_path) return false;
  return true;
}

deploy_report apply_in_one_transaction(connection &conn, history_table &history, const std::vector<const migration_file *> &pending,
                                       const deploy_options &options) {
  deploy_report report;
  const std::string none = "none of the run's " + std::to_string(pending.size()) + " migration(s) is applied and nothing is recorded";
  // SQLite: a rebuild turns foreign keys off, which only works before BEGIN; then every migration
  // is checked, as deploy checks a rebuild (see foreign_keys_off.hpp).
  std::string rebuild_script;
  for (const migration_file *m : pending)
    if (internal::turns_foreign_keys_off(m->up_sql)) rebuild_script = m->up_sql;
  internal::foreign_keys_off rebuild(conn, rebuild_script);
  std::optional<scoped_transaction> tx;
  tx.emplace(conn);
  for (std::size_t k = 0; k < pending.size(); ++k) {
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
      throw e.retold("deploy was interrupted while applying " + m.name + ", in the run's one transaction: it was rolled back, so " + none,
                     false, "run `carrierdb migrate deploy` again");
    } catch (const database_error &e) {
      tx.reset();
      migration_context ctx = context_for(m, m.up_path);
      ctx.cause = e.diag();
      ctx.line = e.diag().statement_line;
      throw migration_failed_error("migration " + m.name + " failed " + where_failed(ctx.line, m.up_path) + ": " + e.what() +
                                       "\nThe run was one transaction: it was rolled back, so " + none + ".",
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
      throw migration_failed_error(std::string("lost the connection while committing the run's one transaction: ") + e.what() +
                                       "\nWhether it was committed is unknown.",
                                   migration_context{}, "run `carrierdb migrate status`: it shows what is applied");
    throw migration_failed_error(std::string("committing the run's one transaction failed: ") + e.what() + "\nIt was rolled back, so " + none +
                                     ".",
                                 migration_context{}, "fix what refused the commit, then deploy again");
  }
  return report;
}

}  // namespace carrierdb::migrate_internal
