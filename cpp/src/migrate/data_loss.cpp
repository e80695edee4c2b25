// count_data_loss() and refuse_data_loss(): what a rollback's down scripts would destroy.
#include "carrierdb/migrate/data_loss.hpp"

#include "carrierdb/backend/connection.hpp"

namespace carrierdb {

std::vector<data_loss_entry> count_data_loss(connection &conn, const std::string &migration, std::string_view sql) {
  std::vector<data_loss_entry> out;
  for (const auto &o : find_dropped_objects(sql)) {
    const std::string table = (o.schema.empty() ? "" : conn.quote_identifier(o.schema) + ".") + conn.quote_identifier(o.table);
    std::string count = "SELECT count(*) FROM " + table;
    if (!o.column.empty()) count += " WHERE " + conn.quote_identifier(o.column) + " IS NOT NULL";
    std::int64_t rows = 0;
    try {
      const result r = conn.query(count);
      rows = std::get<std::int64_t>(r.rows.at(0).at(0));
    } catch (const programming_error &) {
      continue;  // no such table or column (yet): the script drops nothing there
    }
    if (rows > 0) out.push_back({migration, (o.schema.empty() ? "" : o.schema + ".") + o.table, o.column, rows});
  }
  return out;
}

std::string describe_data_loss(const std::vector<data_loss_entry> &losses) {
  std::string text;
  for (const auto &l : losses) {
    text += "\n  - ";
    text += l.column.empty() ? "table " + l.table + ": " + std::to_string(l.rows) + " row" + (l.rows == 1 ? "" : "s")
                             : "column " + l.table + "." + l.column + ": " + std::to_string(l.rows) + " non-null value" +
                                   (l.rows == 1 ? "" : "s");
    text += " (down script of " + l.migration + ")";
  }
  return text;
}

void refuse_data_loss(connection &conn, const std::vector<const migration_file *> &targets, const std::string &where) {
  std::vector<data_loss_entry> losses;
  for (const migration_file *m : targets) {
    if (!m->down_sql) continue;
    auto found = count_data_loss(conn, m->name, *m->down_sql);
    losses.insert(losses.end(), found.begin(), found.end());
  }
  if (losses.empty()) return;
  migration_context ctx;
  ctx.migration = losses.front().migration;
  throw data_loss_error("rolling back would destroy data in " + where + ":" + describe_data_loss(losses) + "\nNothing was changed.", ctx,
                        losses,
                        "back the data up if you need it, then pass --force (CLI) or accept_data_loss=True (Python) to roll back anyway");
}

}  // namespace carrierdb
