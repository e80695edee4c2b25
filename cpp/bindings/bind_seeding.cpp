// Python face of the seeder: seed sets from manifests, records (or DataFrames) by natural key,
// the seed history. The GIL is released for the whole load and taken back only for progress.
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"
#include "keyword_options.hpp"
#include "reports.hpp"
#include "signal_watch.hpp"
#include "carrierdb/export/exporter.hpp"
#include "carrierdb/seed/seeder.hpp"

namespace carrierdb::bindings {

namespace {

seed_options to_options(const py::kwargs &kwargs) {
  seed_options out;
  keyword_options kw("seed", kwargs);
  kw.take("environment", out.environment);
  kw.take("dry_run", out.dry_run);
  kw.take("lenient", out.lenient);
  kw.take("rejects_path", out.rejects_path);
  kw.take("allow_production", out.allow_production);
  kw.take("prune", out.prune);
  kw.take("force", out.force);
  kw.take("applied_by", out.applied_by);
  kw.take_with("progress", [&](const py::object &progress) {
    auto holder = hold(progress);
    out.progress = [holder](const seed_progress &p) { call_held(holder, p.file, p.bytes, p.total_bytes, p.rows, p.finished); };
  });
  kw.finish();
  return out;
}

/// Runs one seed without the GIL and returns its SeedReport; a stop that came after the commit
/// says the seed is complete and recorded.
template <class Seed>
py::object run_seed(const seeder &sd, const seed_options &options, Seed &&seed) {
  return run_watched(std::forward<Seed>(seed), [&](seed_result r) {
    const bool changed = !r.dry_run && !r.skipped;
    std::string what_happened = "the seed had finished when the interrupt arrived; it changed nothing";
    if (changed)
      what_happened = "the seed had been committed when the interrupt arrived: its rows are in the database (" +
                      std::to_string(r.inserted()) + " inserted, " + std::to_string(r.updated()) + " updated) and the run is recorded in " +
                      sd.history_table();
    return finished_work{what_happened, changed, py::cast(seed_report{std::move(r), options.lenient ? options.rejects_path : ""})};
  });
}

}  // namespace

void init_seeding(py::module_ &m) {
  py::class_<seeder>(m, "Seeder")
      .def(py::init([](std::shared_ptr<database> db, std::shared_ptr<schema> s, const std::string &table) {
             return std::make_unique<seeder>(std::move(db), std::move(s), table);
           }),
           py::arg("db"), py::arg("schema"), py::arg("table") = "_carrierdb_seeds")
      .def("apply", [](seeder &sd, const std::string &manifest_path, const py::kwargs &options) {
        const seed_manifest manifest = seed_manifest::load(manifest_path);
        const seed_options opts = to_options(options);
        return run_seed(sd, opts, [&] { return sd.apply(manifest, opts); });
      }, py::arg("manifest"))
      .def("apply_records", [](seeder &sd, const std::string &model, const py::iterable &rows, const std::vector<std::string> &key,
                               const std::string &label, const py::kwargs &options) {
        std::vector<record> input;
        for (auto row : rows) input.push_back(to_record(row));
        const seed_options opts = to_options(options);
        return run_seed(sd, opts, [&] { return sd.apply_records(model, input, key, label, opts); });
      }, py::arg("model"), py::arg("rows"), py::arg("key"), py::arg("label"))
      .def("apply_columns", [](seeder &sd, const std::string &model, const std::vector<std::string> &names, const py::list &columns,
                               const std::vector<std::string> &key, const std::string &label, const py::kwargs &options) {
        // Column-wise input (a DataFrame's columns as lists): no dict per row. NaN is "missing".
        // Chunks are converted under the GIL while validation and the load run without it, so
        // the database takes one chunk while the next is converted.
        const std::size_t rows = columns.empty() ? 0 : py::len(columns[0]);
        std::vector<py::list> lists;
        for (std::size_t c = 0; c < names.size(); ++c) {
          lists.push_back(columns[c]);
          if (py::len(lists.back()) != rows) throw py::value_error("columns differ in length");
        }
        const seed_options opts = to_options(options);
        constexpr std::size_t chunk_rows = 4096;
        std::size_t next = 0;
        return run_seed(sd, opts, [&] {
          return sd.apply_stream(model, [&](std::vector<record> &chunk) {
            if (next >= rows) return false;
            py::gil_scoped_acquire gil;
            const std::size_t end = std::min(rows, next + chunk_rows);
            chunk.resize(end - next);
            for (auto &r : chunk) r.reserve(names.size());
            for (std::size_t c = 0; c < names.size(); ++c) {
              PyObject *column = lists[c].ptr();
              for (std::size_t r = next; r < end; ++r) {
                PyObject *cell = PyList_GET_ITEM(column, static_cast<Py_ssize_t>(r));
                if (PyFloat_Check(cell) && std::isnan(PyFloat_AS_DOUBLE(cell))) chunk[r - next].emplace_back(names[c], std::monostate{});
                else {
                  try {
                    chunk[r - next].emplace_back(names[c], to_value(cell, c));
                  } catch (const py::type_error &e) {
                    // to_value speaks of SQL parameters; a DataFrame user thinks in columns and rows.
                    const std::string what = e.what();
                    const auto colon = what.find(": ");
                    throw py::type_error("column '" + names[c] + "', row " + std::to_string(r + 1) + ": " +
                                         (colon == std::string::npos ? what : what.substr(colon + 2)));
                  }
                }
              }
            }
            next = end;
            return true;
          }, key, label, opts);
        });
      }, py::arg("model"), py::arg("names"), py::arg("columns"), py::arg("key"), py::arg("label"))
      .def("history", [](seeder &sd) { return without_gil([&] { return sd.history(); }); });
  m.def("export_csv", [](std::shared_ptr<database> db, std::shared_ptr<schema> s, const std::string &model, const std::string &path,
                         const py::object &where, const std::vector<std::string> &anonymize, const std::string &salt) {
    export_options options;
    options.where = to_document(where);
    options.anonymize = anonymize;
    if (!salt.empty()) options.salt = salt;
    return run_watched([&] { return export_csv(db, s, model, path, options); }, [&](std::int64_t rows) {
      return finished_work{"the export had finished when the interrupt arrived: " + path + " holds all " + std::to_string(rows) + " row(s)",
                           false, py::int_(rows)};
    });
  }, py::arg("db"), py::arg("schema"), py::arg("model"), py::arg("path"), py::arg("where"), py::arg("anonymize"), py::arg("salt"));
  m.def("pseudonym", &pseudonym, py::arg("text"), py::arg("field"), py::arg("salt") = "carrierdb");

  m.def("read_manifest", [](const std::string &path) {
    const seed_manifest mf = seed_manifest::load(path);
    py::dict d;
    d["name"] = mf.name;
    d["version"] = mf.version;
    py::list files;
    for (const auto &f : mf.files) {
      py::dict fd;
      fd["path"] = f.path;
      fd["resolved_path"] = f.resolved_path;
      fd["model"] = f.model;
      fd["key"] = f.key;
      files.append(fd);
    }
    d["files"] = files;
    return d;
  }, py::arg("path"));
}

}  // namespace carrierdb::bindings
