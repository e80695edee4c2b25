// Python face of the migration engine. The GIL is released for every operation and taken back
// only to report progress (which also lets Ctrl-C stop a deploy between migrations).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "signal_watch.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migrator.hpp"

namespace carrierdb::bindings {

namespace {

progress_callback wrap_progress(const py::object &callback) {
  if (callback.is_none()) return {};
  auto holder = hold(callback);
  return [holder](const migration_progress &p) { call_held(holder, p.index, p.total, p.name, p.finished, p.seconds); };
}

py::dict report_to_dict(const deploy_report &r) {
  py::list migrations;
  for (const auto &m : r.migrations) {
    py::dict d;
    d["name"] = m.name;
    d["seconds"] = m.seconds;
    d["steps"] = m.steps;
    d["ok"] = m.ok;
    d["skipped"] = m.skipped;
    d["error"] = m.error.empty() ? py::object(py::none()) : py::object(py::str(m.error));
    migrations.append(d);
  }
  py::dict out;
  out["dry_run"] = r.dry_run;
  out["migrations"] = migrations;
  out["warnings"] = r.warnings;
  out["seconds"] = r.seconds;
  return out;
}

// "2 migration(s) (a, b) applied and recorded", for a stop that came after the work was done.
std::string applied_list(const deploy_report &r, const std::string &done) {
  return r.migrations.empty() ? "there was nothing to do" : describe_migrations(r) + " " + done + " and recorded";
}

py::dict status_to_dict(const migration_status &s) {
  const auto opt = [](const std::string &v) { return v.empty() ? py::object(py::none()) : py::object(py::str(v)); };
  py::list entries;
  for (const auto &e : s.entries) {
    py::dict d;
    d["name"] = e.name;
    d["state"] = to_string(e.state);
    d["local"] = e.local;
    d["has_down"] = e.has_down;
    d["transactional"] = e.transactional;
    d["applied_at"] = opt(e.applied_at);
    d["rolled_back_at"] = opt(e.rolled_back_at);
    d["stored_checksum"] = opt(e.stored_checksum);
    d["current_checksum"] = opt(e.current_checksum);
    d["logs"] = opt(e.logs);
    d["attempts"] = e.attempts;
    entries.append(d);
  }
  py::dict out;
  out["history_exists"] = s.history_exists;
  out["table"] = s.table;
  out["entries"] = entries;
  out["needs_action"] = s.needs_action();
  return out;
}

}  // namespace

void init_migrations(py::module_ &m) {
  py::class_<migrator>(m, "Migrator")
      .def(py::init([](std::shared_ptr<database> db, std::string directory, std::string table, double lock_timeout) {
             migrator_options options;
             options.directory = std::move(directory);
             options.table = std::move(table);
             options.lock_timeout = std::chrono::milliseconds(static_cast<long long>(lock_timeout * 1000));
             return std::make_unique<migrator>(std::move(db), options);
           }),
           py::arg("db"), py::arg("directory"), py::arg("table"), py::arg("lock_timeout"))
      .def_property_readonly("directory", [](const migrator &mg) { return mg.options().directory; })
      .def_property_readonly("table", [](const migrator &mg) { return mg.options().table; })
      .def("status", [](migrator &mg) {
        migration_status s;
        {
          py::gil_scoped_release release;
          s = mg.status();
        }
        return status_to_dict(s);
      })
      .def(
          "deploy",
          [](migrator &mg, bool dry_run, bool allow_edited, const py::object &progress) {
            deploy_options options;
            options.dry_run = dry_run;
            options.allow_edited = allow_edited;
            options.progress = wrap_progress(progress);
            deploy_report r;
            signal_watch watch;
            {
              py::gil_scoped_release release;
              r = mg.deploy(options);
            }
            return watch.finish(report_to_dict(r),
                                dry_run ? "the dry run had finished when the interrupt arrived; it changed nothing"
                                        : "deploy had finished when the interrupt arrived: " + applied_list(r, "applied"),
                                !dry_run && !r.migrations.empty());
          },
          py::arg("dry_run") = false, py::arg("allow_edited") = false, py::arg("progress") = py::none())
      .def(
          "rollback",
          [](migrator &mg, int steps, const std::string &to, bool accept_data_loss, const py::object &progress) {
            rollback_options options;
            options.steps = steps;
            options.to = to;
            options.accept_data_loss = accept_data_loss;
            options.progress = wrap_progress(progress);
            deploy_report r;
            signal_watch watch;
            {
              py::gil_scoped_release release;
              r = mg.rollback(options);
            }
            return watch.finish(report_to_dict(r), "rollback had finished when the interrupt arrived: " + applied_list(r, "rolled back"),
                                !r.migrations.empty());
          },
          py::arg("steps") = 1, py::arg("to") = "", py::arg("accept_data_loss") = false, py::arg("progress") = py::none())
      .def("resolve_applied", &migrator::resolve_applied, py::arg("name"), py::call_guard<py::gil_scoped_release>())
      .def("resolve_rolled_back", &migrator::resolve_rolled_back, py::arg("name"), py::call_guard<py::gil_scoped_release>())
      .def(
          "reset",
          [](migrator &mg, const std::string &environment, bool allow_production, const py::object &progress) {
            reset_options options;
            options.environment = environment;
            options.allow_production = allow_production;
            options.progress = wrap_progress(progress);
            deploy_report r;
            signal_watch watch;
            {
              py::gil_scoped_release release;
              r = mg.reset(options);
            }
            return watch.finish(report_to_dict(r), "reset had finished when the interrupt arrived: " + applied_list(r, "reapplied"), true);
          },
          py::arg("environment"), py::arg("allow_production") = false, py::arg("progress") = py::none());

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
