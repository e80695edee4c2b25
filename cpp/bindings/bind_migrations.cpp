// Python face of the migration engine. The GIL is released for every operation and taken back
// only to report progress (which also lets Ctrl-C stop a deploy between migrations).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "data_step_runner.hpp"
#include "reports.hpp"
#include "signal_watch.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migrator.hpp"

namespace carrierdb::bindings {

namespace {

/// The migrator and the database it runs on, whose URL its status report names.
struct bound_migrator {
  bound_migrator(std::shared_ptr<database> on, const migrator_options &options) : db(on), engine(std::move(on), options) {}
  std::shared_ptr<database> db;
  migrator engine;
};

progress_callback wrap_progress(const py::object &callback) {
  if (callback.is_none()) return {};
  auto holder = hold(callback);
  return [holder](const migration_progress &p) { call_held(holder, p.index, p.total, p.name, p.finished, p.seconds); };
}

// "2 migration(s) (a, b) applied and recorded", for a stop that came after the work was done.
std::string applied_list(const deploy_report &r, const std::string &done) {
  return r.migrations.empty() ? "there was nothing to do" : describe_migrations(r) + " " + done + " and recorded";
}

/// Runs one of deploy, rollback and reset and returns its DeployReport. `late_stop(report)` says
/// what a stop after it had finished leaves (what had happened, whether it is committed).
template <class Operation, class LateStop>
py::object run_operation(const char *name, Operation &&operation, LateStop &&late_stop) {
  return run_watched(std::forward<Operation>(operation), [&](deploy_report r) {
    finished_work work = late_stop(r);
    work.result = py::cast(operation_report{std::move(r), name});
    return work;
  });
}

}  // namespace

void init_migrations(py::module_ &m) {
  py::class_<bound_migrator>(m, "Migrator")
      .def(py::init([](std::shared_ptr<database> db, std::string directory, std::string table, double lock_timeout,
                       const py::object &data_steps) {
             migrator_options options;
             options.directory = std::move(directory);
             options.table = std::move(table);
             options.lock_timeout = std::chrono::milliseconds(static_cast<long long>(lock_timeout * 1000));
             options.data_steps = python_data_steps(data_steps, db);
             return std::make_unique<bound_migrator>(std::move(db), options);
           }),
           py::arg("db"), py::arg("directory"), py::arg("table"), py::arg("lock_timeout"), py::arg("data_steps") = py::none())
      .def_property_readonly("directory", [](const bound_migrator &mg) { return mg.engine.options().directory; })
      .def_property_readonly("table", [](const bound_migrator &mg) { return mg.engine.options().table; })
      .def("status", [](bound_migrator &mg) {
        migration_status s = without_gil([&] { return mg.engine.status(); });
        return status_report{std::move(s), mg.engine.options().directory, mg.db->url().display()};
      })
      .def(
          "deploy",
          [](bound_migrator &mg, bool dry_run, bool allow_edited, bool trace_locks, bool single_transaction, bool replay,
             const py::object &progress) {
            deploy_options options;
            options.single_transaction = single_transaction;
            options.replay = replay;
            options.dry_run = dry_run;
            options.allow_edited = allow_edited;
            options.trace_locks = trace_locks;
            options.progress = wrap_progress(progress);
            return run_operation("deploy", [&] { return mg.engine.deploy(options); }, [&](const deploy_report &r) {
              if (dry_run) return finished_work{"the dry run had finished when the interrupt arrived; it changed nothing"};
              return finished_work{"deploy had finished when the interrupt arrived: " + applied_list(r, "applied"), !r.migrations.empty()};
            });
          },
          py::kw_only(), py::arg("dry_run") = false, py::arg("allow_edited") = false, py::arg("trace_locks") = false, py::arg("single_transaction") = false, py::arg("replay") = false,
          py::arg("progress") = py::none())
      .def(
          "rollback",
          [](bound_migrator &mg, int steps, const std::string &to, bool accept_data_loss, const py::object &progress) {
            rollback_options options;
            options.steps = steps;
            options.to = to;
            options.accept_data_loss = accept_data_loss;
            options.progress = wrap_progress(progress);
            return run_operation("rollback", [&] { return mg.engine.rollback(options); }, [](const deploy_report &r) {
              return finished_work{"rollback had finished when the interrupt arrived: " + applied_list(r, "rolled back"),
                                   !r.migrations.empty()};
            });
          },
          py::kw_only(), py::arg("steps") = 1, py::arg("to") = "", py::arg("accept_data_loss") = false, py::arg("progress") = py::none())
      .def("resolve_applied", [](bound_migrator &mg, const std::string &name) { mg.engine.resolve_applied(name); }, py::arg("name"),
           py::call_guard<py::gil_scoped_release>())
      .def("resolve_rolled_back", [](bound_migrator &mg, const std::string &name) { mg.engine.resolve_rolled_back(name); },
           py::arg("name"), py::call_guard<py::gil_scoped_release>())
      .def(
          "reset",
          [](bound_migrator &mg, const std::string &environment, bool allow_production, bool replay, const py::object &progress) {
            reset_options options;
            options.environment = environment;
            options.allow_production = allow_production;
            options.replay = replay;
            options.progress = wrap_progress(progress);
            return run_operation("reset", [&] { return mg.engine.reset(options); }, [](const deploy_report &r) {
              return finished_work{"reset had finished when the interrupt arrived: " + applied_list(r, "reapplied"), true};
            });
          },
          py::arg("environment"), py::kw_only(), py::arg("allow_production") = false, py::arg("replay") = false,
          py::arg("progress") = py::none());

  m.def(
      "create_migration",
      [](const std::string &directory, const std::string &name, const std::string &provider, const py::object &backend) {
        const auto kind = [](const std::string &n) { return n == "sqlite" ? backend_kind::sqlite : backend_kind::postgresql; };
        return create_migration(directory, name, kind(provider), kind(backend.is_none() ? provider : backend.cast<std::string>()));
      },
      py::arg("directory"), py::arg("name"), py::arg("provider"), py::arg("backend") = py::none());
  m.def("sha256_hex", [](const py::bytes &data) { return sha256_hex(std::string(data)); }, py::arg("data"));
}

}  // namespace carrierdb::bindings
