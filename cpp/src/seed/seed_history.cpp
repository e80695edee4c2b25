// seed_history: create, append to and read the seed history table.
#include "seed_history.hpp"

#include <algorithm>
#include <chrono>

#include "carrierdb/base/ids.hpp"
#include "carrierdb/time.hpp"

namespace carrierdb {

void create_seed_history(connection &c, const std::string &table) {
  c.execute("CREATE TABLE IF NOT EXISTS " + c.quote_identifier(table) + " (\n"
            "  \"id\" " + c.sql_type(logical_type::varchar, 36) + " PRIMARY KEY NOT NULL,\n"
            "  \"environment\" " + c.sql_type(logical_type::varchar, 64) + " NOT NULL,\n"
            "  \"seed_set\" " + c.sql_type(logical_type::varchar, 255) + " NOT NULL,\n"
            "  \"version\" " + c.sql_type(logical_type::varchar, 64) + " NOT NULL,\n"
            "  \"checksum\" " + c.sql_type(logical_type::varchar, 64) + " NOT NULL,\n"
            "  \"inserted\" " + c.sql_type(logical_type::bigint) + " NOT NULL DEFAULT 0,\n"
            "  \"updated\" " + c.sql_type(logical_type::bigint) + " NOT NULL DEFAULT 0,\n"
            "  \"unchanged\" " + c.sql_type(logical_type::bigint) + " NOT NULL DEFAULT 0,\n"
            "  \"rejected\" " + c.sql_type(logical_type::bigint) + " NOT NULL DEFAULT 0,\n"
            "  \"pruned\" " + c.sql_type(logical_type::bigint) + " NOT NULL DEFAULT 0,\n"
            "  \"applied_at\" " + c.sql_type(logical_type::timestamptz) + " NOT NULL,\n"
            "  \"applied_by\" " + c.sql_type(logical_type::varchar, 255) + ",\n"
            "  \"duration_ms\" " + c.sql_type(logical_type::bigint) + "\n)", {});
}

void record_seed_run(connection &c, const std::string &table, const seed_result &r, const seed_options &options, double seconds) {
  c.execute("INSERT INTO " + c.quote_identifier(table) +
                " (id, environment, seed_set, version, checksum, inserted, updated, unchanged, rejected, pruned, applied_at, applied_by, duration_ms)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            {uuid_v4(), options.environment, r.seed_set, r.version, r.checksum, r.inserted(), r.updated(), r.unchanged(), r.rejected,
             r.pruned, c.timestamp_value(std::chrono::system_clock::now()), options.applied_by,
             static_cast<std::int64_t>(seconds * 1000)});
}

std::vector<seed_history_row> read_seed_history(connection &c, const std::string &table) {
  std::vector<seed_history_row> out;
  const auto tables = c.table_names();
  if (std::find(tables.begin(), tables.end(), table) == tables.end()) return out;
  const auto r = c.query("SELECT environment, seed_set, version, checksum, applied_at, coalesce(applied_by, ''), inserted, updated, unchanged, "
                         "rejected, pruned, coalesce(duration_ms, 0) FROM " + c.quote_identifier(table) + " ORDER BY applied_at",
                         {});
  for (const auto &row : r.rows) {
    seed_history_row h;
    h.environment = std::get<std::string>(row[0]);
    h.seed_set = std::get<std::string>(row[1]);
    h.version = std::get<std::string>(row[2]);
    h.checksum = std::get<std::string>(row[3]);
    if (auto ms = std::get_if<std::int64_t>(&row[4])) h.applied_at = format_timestamp_ms(*ms) + "+00";
    else if (auto s = std::get_if<std::string>(&row[4])) h.applied_at = *s;
    h.applied_by = std::get<std::string>(row[5]);
    h.inserted = std::get<std::int64_t>(row[6]);
    h.updated = std::get<std::int64_t>(row[7]);
    h.unchanged = std::get<std::int64_t>(row[8]);
    h.rejected = std::get<std::int64_t>(row[9]);
    h.pruned = std::get<std::int64_t>(row[10]);
    h.seconds = static_cast<double>(std::get<std::int64_t>(row[11])) / 1000.0;
    out.push_back(h);
  }
  return out;
}

}  // namespace carrierdb
