// history_table: Prisma's _prisma_migrations on PostgreSQL and SQLite, and attempt ids.
#include "carrierdb/migrate/history.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "carrierdb/error.hpp"
#include "carrierdb/time.hpp"

namespace carrierdb {

namespace {

// History timestamps as ISO-8601 UTC text, whatever form the backend stored: PostgreSQL
// timestamptz text, Prisma's Unix milliseconds on SQLite, or SQLite's current_timestamp text.
std::string as_timestamp_text(const value &v) {
  if (is_null(v)) return "";
  if (const auto *ms = std::get_if<std::int64_t>(&v)) return format_utc(*ms, "+00");
  if (const auto *d = std::get_if<double>(&v)) return as_timestamp_text(static_cast<std::int64_t>(*d));
  if (const auto *s = std::get_if<std::string>(&v)) return *s;
  return "";
}

std::string as_text(const value &v) {
  if (const auto *s = std::get_if<std::string>(&v)) return *s;
  if (const auto *i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return "";
}

}  // namespace

history_table::history_table(connection &conn, std::string table_name)
    : m_conn(conn), m_name(std::move(table_name)), m_quoted(conn.quote_identifier(m_name)) {}

bool history_table::exists() {
  const auto tables = m_conn.table_names();
  return std::find(tables.begin(), tables.end(), m_name) != tables.end();
}

void history_table::create() {
  // Column for column what Prisma creates on each backend, so either tool can continue the other's history.
  const connection &c = m_conn;
  m_conn.execute("CREATE TABLE IF NOT EXISTS " + m_quoted + " (\n"
                 "    \"id\"                    " + c.sql_type(logical_type::varchar, 36) + " PRIMARY KEY NOT NULL,\n"
                 "    \"checksum\"              " + c.sql_type(logical_type::varchar, 64) + " NOT NULL,\n"
                 "    \"finished_at\"           " + c.sql_type(logical_type::timestamptz) + ",\n"
                 "    \"migration_name\"        " + c.sql_type(logical_type::varchar, 255) + " NOT NULL,\n"
                 "    \"logs\"                  " + c.sql_type(logical_type::text) + ",\n"
                 "    \"rolled_back_at\"        " + c.sql_type(logical_type::timestamptz) + ",\n"
                 "    \"started_at\"            " + c.sql_type(logical_type::timestamptz) + " NOT NULL DEFAULT " + c.current_timestamp_sql() + ",\n"
                 "    \"applied_steps_count\"   " + c.sql_type(logical_type::unsigned_integer) + " NOT NULL DEFAULT 0\n"
                 ")", {});
}

std::vector<history_row> history_table::rows() {
  const result r = m_conn.query("SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, "
                                "applied_steps_count FROM " + m_quoted, {});
  std::vector<history_row> out;
  out.reserve(r.rows.size());
  for (const auto &cells : r.rows) {
    history_row row;
    row.id = as_text(cells[0]);
    row.checksum = as_text(cells[1]);
    row.finished_at = as_timestamp_text(cells[2]);
    row.migration_name = as_text(cells[3]);
    row.logs = as_text(cells[4]);
    row.rolled_back_at = as_timestamp_text(cells[5]);
    row.started_at = as_timestamp_text(cells[6]);
    if (const auto *n = std::get_if<std::int64_t>(&cells[7])) row.applied_steps_count = *n;
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end(), [](const history_row &a, const history_row &b) {
    return a.started_at != b.started_at ? a.started_at < b.started_at : a.id < b.id;
  });
  return out;
}

void history_table::insert_finished(const std::string &name, const std::string &checksum,
                                    std::chrono::system_clock::time_point started, std::int64_t steps) {
  m_conn.execute("INSERT INTO " + m_quoted +
                     " (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)"
                     " VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6)",
                 {uuid_v4(), checksum, m_conn.timestamp_value(std::chrono::system_clock::now()), name,
                  m_conn.timestamp_value(started), steps});
}

void history_table::insert_finished(const std::vector<finished> &rows) {
  constexpr std::size_t k_per_statement = 500;  // 3,000 parameters: within both servers' limits
  const value now = m_conn.timestamp_value(std::chrono::system_clock::now());
  for (std::size_t first = 0; first < rows.size(); first += k_per_statement) {
    std::string sql = "INSERT INTO " + m_quoted +
                      " (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ";
    params args;
    for (std::size_t k = first; k < std::min(rows.size(), first + k_per_statement); ++k) {
      const std::size_t n = args.size();
      sql += (k == first ? "(" : ", (") + std::string("$") + std::to_string(n + 1) + ", $" + std::to_string(n + 2) + ", $" +
             std::to_string(n + 3) + ", $" + std::to_string(n + 4) + ", NULL, NULL, $" + std::to_string(n + 5) + ", $" +
             std::to_string(n + 6) + ")";
      args.insert(args.end(), {uuid_v4(), rows[k].checksum, now, rows[k].name, m_conn.timestamp_value(rows[k].started), rows[k].steps});
    }
    m_conn.execute(sql, args);
  }
}

std::string history_table::insert_started(const std::string &name, const std::string &checksum,
                                          std::chrono::system_clock::time_point started) {
  std::string id = uuid_v4();
  m_conn.execute("INSERT INTO " + m_quoted +
                     " (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)"
                     " VALUES ($1, $2, NULL, $3, NULL, NULL, $4, 0)",
                 {id, checksum, name, m_conn.timestamp_value(started)});
  return id;
}

void history_table::mark_finished(const std::string &id, std::int64_t steps) {
  m_conn.execute("UPDATE " + m_quoted + " SET finished_at = $1, applied_steps_count = $2 WHERE id = $3",
                 {m_conn.timestamp_value(std::chrono::system_clock::now()), steps, id});
}

void history_table::insert_failed(const std::string &name, const std::string &checksum,
                                  std::chrono::system_clock::time_point started, const std::string &logs) {
  m_conn.execute("INSERT INTO " + m_quoted +
                     " (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)"
                     " VALUES ($1, $2, NULL, $3, $4, NULL, $5, 0)",
                 {uuid_v4(), checksum, name, logs, m_conn.timestamp_value(started)});
}

void history_table::mark_failed(const std::string &id, std::int64_t steps, const std::string &logs) {
  m_conn.execute("UPDATE " + m_quoted + " SET logs = $1, applied_steps_count = $2 WHERE id = $3", {logs, steps, id});
}

std::int64_t history_table::mark_rolled_back(const std::string &name, bool failed_rows) {
  return m_conn.execute("UPDATE " + m_quoted + " SET rolled_back_at = $1 WHERE migration_name = $2 AND rolled_back_at IS NULL AND " +
                            (failed_rows ? "finished_at IS NULL" : "finished_at IS NOT NULL"),
                        {m_conn.timestamp_value(std::chrono::system_clock::now()), name});
}

}  // namespace carrierdb
