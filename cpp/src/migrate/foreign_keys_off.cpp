// foreign_keys_off: foreign key enforcement off around a migration that asks for it, where the
// connection can switch it per session (capabilities::foreign_keys_pragma), and the check after.
#include "foreign_keys_off.hpp"

#include <cctype>

#include "backend/sql_script.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"

namespace carrierdb::internal {

bool turns_foreign_keys_off(const std::string &script) {
  for (const std::string &statement : squeezed_statements(script))
    for (const char *off : {"pragmaforeign_keys=off", "pragmaforeign_keys=0", "pragmaforeign_keys=false", "pragmaforeign_keys=no"})
      if (statement == off || statement == std::string("pragmamain.") + (off + 6)) return true;
  return false;
}

foreign_keys_off::foreign_keys_off(connection &conn, const std::string &script) : m_conn(conn) {
  if (!conn.caps().foreign_keys_pragma || !turns_foreign_keys_off(script)) return;
  m_conn.execute("PRAGMA foreign_keys = OFF");
  m_active = true;
}

foreign_keys_off::~foreign_keys_off() {
  if (!m_active) return;
  interrupt_shield shield;  // a pending Ctrl-C must not leave enforcement off on a pooled connection
  try {
    m_conn.execute("PRAGMA foreign_keys = ON");
  } catch (...) {
    m_conn.discard();  // never pooled with foreign keys off
  }
}

void foreign_keys_off::check() {
  if (!m_active) return;
  const result r = m_conn.query("PRAGMA foreign_key_check");
  if (r.rows.empty()) return;
  const auto text = [](const value &v) {
    if (const auto *s = std::get_if<std::string>(&v)) return *s;
    if (const auto *i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return std::string("NULL");
  };
  const auto &row = r.rows.front();  // table, rowid, parent, fkid
  diagnostics d;
  d.table = text(row.at(0));
  d.server_message = "PRAGMA foreign_key_check: row " + text(row.at(1)) + " of " + d.table + " references a missing row of " + text(row.at(2));
  throw foreign_key_violation("after the migration, " + std::to_string(r.rows.size()) + " row(s) reference rows that do not exist (first: row " +
                                  text(row.at(1)) + " of table " + d.table + ", referencing " + text(row.at(2)) + ")",
                              d, "fix the migration so every reference still has its row, or delete those rows in it");
}

}  // namespace carrierdb::internal
