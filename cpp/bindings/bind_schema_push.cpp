// Python face of `db push`: the script run in one transaction (the GIL released, Ctrl-C watched).
#include "bindings.hpp"
#include "signal_watch.hpp"
#include "carrierdb/migrate/schema_push.hpp"

namespace carrierdb::bindings {

void init_schema_push(py::module_ &m) {
  using namespace pybind11::literals;
  m.def(
      "push_script",
      [](const std::shared_ptr<database> &db, const std::string &script) {
        return run_watched([&] { return push_script(*db, script); }, [](std::int64_t steps) {
          return finished_work{"db push had finished when the interrupt arrived: its changes are committed", true, py::int_(steps)};
        });
      },
      "db"_a.none(false), "script"_a, "Runs `script` in one transaction (db push); returns the statement count.");
}

}  // namespace carrierdb::bindings
