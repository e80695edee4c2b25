// schema_push: one transaction around `db push`'s script, with the rebuild's foreign keys handled
// as a migration's are (foreign_keys_off).
#include "carrierdb/migrate/schema_push.hpp"

#include "carrierdb/error.hpp"
#include "foreign_keys_off.hpp"

namespace carrierdb {

std::int64_t push_script(database &db, const std::string &script) {
  auto lease = db.pool().acquire();
  connection &conn = *lease;
  conn.refuse_if_read_only("db push");
  std::int64_t steps = 0;
  internal::foreign_keys_off rebuild(conn, script);  // before BEGIN: SQLite ignores the pragma inside
  scoped_transaction tx(conn);
  try {
    conn.execute_script(script, [&](const script_statement &) { ++steps; });
    rebuild.check();
  } catch (const interrupted_error &e) {
    throw e.retold("db push was interrupted: its changes were rolled back", false, "run `carrierdb db push` again");
  } catch (const database_error &e) {
    migration_context ctx;
    ctx.file = "db push";
    ctx.line = e.diag().statement_line;
    ctx.cause = e.diag();
    throw migration_failed_error("db push failed at statement line " + std::to_string(ctx.line) + " of its script: " + e.what() +
                                     "\nIts changes were rolled back; the database is as it was.",
                                 ctx, "see the statement with `carrierdb migrate diff --from-url URL --to-schema FILE --script`");
  }
  tx.commit();
  return steps;
}

}  // namespace carrierdb
