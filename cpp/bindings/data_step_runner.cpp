// data_step_runner: runs migration.py's up(db)/down(db) from inside the migrator, on the migrator's
// connection and transaction, with the GIL taken back for the call.
#include "data_step_runner.hpp"

#include <pybind11/stl.h>

#include <csignal>
#include <optional>
#include <tuple>

#include "bindings.hpp"
#include "signal_watch.hpp"

namespace carrierdb::bindings {

data_step_runner python_data_steps(const py::object &run, std::shared_ptr<database> db) {
  if (run.is_none()) return {};
  auto holder = hold(run);
  return [holder, db](const migration_file &m, data_step_direction direction, connection &conn) {
    // Lent before the GIL is taken: every statement the Python code runs on this thread, through
    // any part of the Database, goes to `conn`, so it sees the migration's SQL and holds no second
    // connection that would wait on the migration's locks.
    std::optional<lent_transaction> loan;
    try {
      loan.emplace(*db, conn);
    } catch (const database_error &e) {
      throw data_step_error(e.what(), *m.data_step_path, 0);
    }
    check_interrupt();
    py::gil_scoped_acquire gil;
    const int signal = take_keyboard_interrupt(interrupt_signal());
    if (signal > 0) throw interrupted_error("interrupted", signal);
    py::object outcome;
    try {
      if (signal < 0) throw py::error_already_set();
      outcome = (*holder)(*m.data_step_path, direction == data_step_direction::up ? "up" : "down");
    } catch (py::error_already_set &e) {
      // Ctrl-C in up() (raised by Python's handler, or carrierdb.Interrupted from a statement it
      // ran) is a stop like any other: the migrator rolls back and says so.
      if (e.matches(PyExc_KeyboardInterrupt)) throw interrupted_error("interrupted", interrupt_signal() ? interrupt_signal() : SIGINT);
      throw data_step_error(e.what(), *m.data_step_path, 0);  // BaseException the runner lets through (SystemExit)
    }
    if (outcome.is_none()) return;
    const auto failure = outcome.cast<std::tuple<std::string, int, std::string>>();
    throw data_step_error(std::get<0>(failure), *m.data_step_path, std::get<1>(failure), std::get<2>(failure));
  };
}

}  // namespace carrierdb::bindings
