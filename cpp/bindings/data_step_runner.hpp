// data_step_runner: the migrator's hook for migration.py, backed by a Python function.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "carrierdb/database.hpp"
#include "carrierdb/migrate/data_steps.hpp"

namespace carrierdb::bindings {
namespace py = pybind11;

/// The runner that calls `run(path, direction)` ("up" or "down") for a folder's migration.py with
/// `db`'s statements (and so the Python Database's, repository and all) lent the migrator's
/// connection, inside its transaction. `run` returns None on success, or (message, line, traceback)
/// for what up()/down() raised. Empty when `run` is None.
data_step_runner python_data_steps(const py::object &run, std::shared_ptr<database> db);

}  // namespace carrierdb::bindings
