// data_steps: running a migration's migration.py through the host's runner, and telling its failures
// as a failing SQL statement is told (migration, file, line, message), in the history too.
#include "data_steps.hpp"

#include "operations.hpp"

namespace carrierdb::migrate_internal {

namespace {

std::string where(const data_step_error &e) { return "line " + std::to_string(e.line()) + " of " + e.file(); }

migration_context context_of(const migration_file &m, const data_step_error &e) {
  migration_context ctx = context_for(m, e.file());
  ctx.line = e.line();
  return ctx;
}

}  // namespace

void run_data_step(const data_step_runner &runner, const migration_file &m, data_step_direction direction, connection &conn) {
  if (!m.data_step_path) return;
  if (!runner) {
    migration_context ctx = context_for(m, *m.data_step_path);
    throw migration_file_error("migration " + m.name + " has a data step (" + *m.data_step_path +
                                   ") and this migrator has no runner for it; nothing of it was run",
                               ctx, "run migrations with carrierdb's Python package (`carrierdb migrate deploy`), which runs migration.py");
  }
  runner(m, direction, conn);
}

migration_failed_error data_step_failed(connection &conn, history_table &history, const migration_file &m, const data_step_error &e,
                                        std::chrono::system_clock::time_point started) {
  const migration_context ctx = context_of(m, e);
  const std::string failed = "migration " + m.name + " failed at " + where(e) + ": " + e.what() + "\nIts changes (" + m.up_path +
                             " and the data step) were rolled back; ";
  if (!conn.healthy())
    return migration_failed_error("lost the connection while running the data step of migration " + m.name + " (" + where(e) + "): " +
                                      e.what() + "\nWhether anything was committed is unknown.",
                                  ctx, "run `carrierdb migrate status`: it shows whether " + m.name + " is applied");
  std::string logs = "Migration name: " + m.name + "\n\nData step error (" + where(e) + "):\n" + e.what() + "\n";
  if (!e.traceback().empty()) logs += "\n" + e.traceback();
  const std::string not_recorded = write_history([&] { history.insert_failed(m.name, m.checksum, started, logs); });
  if (!not_recorded.empty())
    return migration_failed_error(failed + "the failed attempt could not be recorded in " + history.name() + " (" + not_recorded +
                                      "), so nothing is on record and the next deploy runs it again.",
                                  ctx, "fix the migration and deploy again (no resolve needed)");
  return migration_failed_error(failed + "the attempt is recorded as failed.", ctx,
                                "fix the migration, then `carrierdb migrate resolve --rolled-back " + m.name + "` and deploy again");
}

migration_failed_error down_step_failed(const migration_file &m, const data_step_error &e) {
  return migration_failed_error("rolling back " + m.name + " failed at " + where(e) + " (down(db)): " + e.what() +
                                    "\nThat rollback was undone; " + m.name + " is still applied.",
                                context_of(m, e), "fix down(db) in " + e.file() + " and run the rollback again");
}

std::string data_step_summary(const data_step_error &e) { return where(e) + ": " + e.what(); }

}  // namespace carrierdb::migrate_internal
