// lock_tracer: the locks each statement of a dry run acquired, from pg_locks for this backend.
#include "lock_tracer.hpp"

#include "carrierdb/migrate/lock_modes.hpp"

namespace carrierdb::migrate_internal {

namespace {

// System catalogs are locked and released inside DDL as PostgreSQL needs: not the user's tables.
constexpr const char *k_user_relations =
    "c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)";

std::string text(const value &v) {
  const auto *s = std::get_if<std::string>(&v);
  return s ? *s : "";
}

}  // namespace

lock_tracer::lock_tracer(connection &conn) : m_conn(conn) {
  for (const auto &row : m_conn.query(std::string("SELECT c.oid::text, c.oid::regclass::text FROM pg_class c WHERE ") + k_user_relations).rows) {
    m_existing.insert(text(row[0]));
    m_names[text(row[0])] = text(row[1]);  // kept for a relation a statement drops
  }
}

lock_tracer::lock_set lock_tracer::snapshot() {
  lock_set locks;
  // A relation the statement dropped has no pg_class row any more, yet its lock (DROP TABLE's ACCESS
  // EXCLUSIVE) is the one that matters: kept, under the name it had.
  const result r = m_conn.query(std::string("SELECT l.relation::text, c.oid IS NOT NULL, l.relation::regclass::text, l.mode FROM pg_locks l "
                                            "LEFT JOIN pg_class c ON c.oid = l.relation "
                                            "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted "
                                            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                                            "AND (c.oid IS NULL OR ") +
                                k_user_relations + ")");
  for (const auto &row : r.rows) {
    const std::string oid = text(row[0]);
    const auto *present = std::get_if<bool>(&row[1]);
    if (present && *present) m_names[oid] = text(row[2]);
    else if (!m_names.count(oid)) m_names[oid] = "relation " + oid + " (dropped)";
    locks.insert({oid, text(row[3])});
  }
  return locks;
}

void lock_tracer::begin(const std::string &migration, const std::string &file) {
  m_current = migration_locks{};
  m_current.migration = migration;
  m_current.file = file;
  m_started.clear();
  m_open = false;
}

void lock_tracer::close_statement() {
  const lock_set after = snapshot();
  if (m_open) {
    for (const auto &[oid, mode] : after) {
      if (m_before.count({oid, mode})) continue;
      m_current.statements.back().locks.push_back(traced_lock{m_names[oid], mode, lock_mode_blocks(mode), m_existing.count(oid) == 0});
    }
  }
  m_before = after;
  m_open = false;
}

void lock_tracer::before_statement(const script_statement &statement) {
  close_statement();
  statement_locks s;
  s.line = statement.line;
  s.statement = std::string(statement.text.substr(0, statement.text.find('\n')));
  if (s.statement.size() > 120) s.statement = s.statement.substr(0, 117) + "...";
  m_current.statements.push_back(std::move(s));
  m_started.push_back(std::chrono::steady_clock::now());
  m_open = true;
}

migration_locks lock_tracer::end(const std::string &failure) {
  if (failure.empty()) {
    close_statement();
  } else {
    // The failing statement's locks went with its savepoint: it is listed without any.
    m_current.traced = false;
    m_current.not_traced = failure;
    m_open = false;
  }
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < m_current.statements.size(); ++k)
    m_current.statements[k].held_seconds = std::chrono::duration<double>(now - m_started[k]).count();
  return std::move(m_current);
}

}  // namespace carrierdb::migrate_internal
