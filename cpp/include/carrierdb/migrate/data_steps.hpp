// Data steps: a migration folder's migration.py, run by the host (the Python package) inside the
// migration's transaction, on the migrator's own connection.
#pragma once

#include <functional>
#include <string>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migration_files.hpp"

namespace carrierdb {

enum class data_step_direction { up, down };

/// Runs `migration`'s data step (up(db) after its SQL, or down(db) before its down SQL) on `conn`,
/// inside the transaction the migrator holds open there. Throws data_step_error when the step
/// fails, interrupted_error when it was stopped. The engine knows no Python: the binding supplies it.
using data_step_runner = std::function<void(const migration_file &migration, data_step_direction direction, connection &conn)>;

/// A data step raised: the exception's message, where it was raised in migration.py, and the
/// traceback for the history's logs.
class data_step_error : public error {
public:
  data_step_error(const std::string &message, std::string file, int line, std::string traceback = {})
      : error(message), m_file(std::move(file)), m_line(line), m_traceback(std::move(traceback)) {}
  const std::string &file() const noexcept { return m_file; }
  int line() const noexcept { return m_line; }
  const std::string &traceback() const noexcept { return m_traceback; }

private:
  std::string m_file;
  int m_line;
  std::string m_traceback;
};

}  // namespace carrierdb
