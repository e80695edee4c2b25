// Routes the core's log messages to Python's `logging` (logger "carrierdb").
#include <pybind11/functional.h>

#include "bindings.hpp"
#include "carrierdb/log.hpp"

namespace carrierdb::bindings {

void init_logging(py::module_ &m) {
  m.def(
      "set_log_sink",
      [](py::object callback, int level) {
        if (callback.is_none()) {
          set_log_sink({}, log_level::error);
          return;
        }
        auto holder = hold(std::move(callback));
        set_log_sink(
            [holder](log_level lvl, const std::string &message) {
              if (!Py_IsInitialized()) return;
              py::gil_scoped_acquire gil;
              try {
                (*holder)(static_cast<int>(lvl), message);
              } catch (py::error_already_set &e) {
                e.discard_as_unraisable("carrierdb log sink");
              }
            },
            static_cast<log_level>(level));
      },
      py::arg("callback"), py::arg("level"), "Install the callable(level, message) that receives core log messages.");
  m.def("set_log_level", [](int level) { set_log_level(static_cast<log_level>(level)); }, py::arg("level"));
}

}  // namespace carrierdb::bindings
