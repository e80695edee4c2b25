// Python face of the seeder: seed sets from manifests, records (or DataFrames) by natural key,
// the seed history. The GIL is released for the whole load and taken back only for progress.
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"
#include "signal_watch.hpp"
#include "carrierdb/seed/exporter.hpp"
#include "carrierdb/seed/seeder.hpp"

namespace carrierdb::bindings {

namespace {

seed_options to_options(const py::dict &o) {
  seed_options out;
  const auto get = [&](const char *key) -> py::object { return o.contains(key) ? py::object(o[key]) : py::object(py::none()); };
  if (!get("environment").is_none()) out.environment = get("environment").cast<std::string>();
  if (!get("dry_run").is_none()) out.dry_run = get("dry_run").cast<bool>();
  if (!get("lenient").is_none()) out.lenient = get("lenient").cast<bool>();
  if (!get("rejects_path").is_none()) out.rejects_path = get("rejects_path").cast<std::string>();
  if (!get("allow_production").is_none()) out.allow_production = get("allow_production").cast<bool>();
  if (!get("prune").is_none()) out.prune = get("prune").cast<bool>();
  if (!get("force").is_none()) out.force = get("force").cast<bool>();
  if (!get("applied_by").is_none()) out.applied_by = get("applied_by").cast<std::string>();
  py::object progress = get("progress");
  if (!progress.is_none()) {
    auto holder = hold(progress);
    out.progress = [holder](const seed_progress &p) { call_held(holder, p.file, p.bytes, p.total_bytes, p.rows, p.finished); };
  }
  return out;
}

// What a stop that arrived after the seed's commit leaves: the seed, complete and recorded.
std::string committed_seed(const seed_result &r, const std::string &table) {
  if (r.dry_run || r.skipped) return "the seed had finished when the interrupt arrived; it changed nothing";
  return "the seed had been committed when the interrupt arrived: its rows are in the database (" + std::to_string(r.inserted()) +
         " inserted, " + std::to_string(r.updated()) + " updated) and the run is recorded in " + table;
}

py::dict result_to_dict(const seed_result &r) {
  py::list files;
  for (const auto &f : r.files) {
    py::dict d;
    d["file"] = f.file;
    d["model"] = f.model;
    d["rows"] = f.rows;
    d["inserted"] = f.inserted;
    d["updated"] = f.updated;
    d["unchanged"] = f.unchanged;
    d["rejected"] = f.rejected;
    d["not_sent"] = f.not_sent;
    files.append(d);
  }
  py::list issues;
  for (const auto &i : r.issues) {
    py::dict d;
    d["row"] = i.row;
    d["field"] = i.path.empty() ? std::string() : i.path.front();
    d["code"] = i.code;
    d["message"] = i.message;
    d["value"] = i.value;
    issues.append(d);
  }
  py::dict out;
  out["environment"] = r.environment;
  out["seed_set"] = r.seed_set;
  out["version"] = r.version;
  out["checksum"] = r.checksum;
  out["dry_run"] = r.dry_run;
  out["skipped"] = r.skipped;
  out["files"] = files;
  out["inserted"] = r.inserted();
  out["updated"] = r.updated();
  out["unchanged"] = r.unchanged();
  out["rejected"] = r.rejected;
  out["prune_candidates"] = r.prune_candidates;
  out["pruned"] = r.pruned;
  out["issues"] = issues;
  out["seconds"] = r.seconds;
  return out;
}


}  // namespace

void init_seeding(py::module_ &m) {
  py::class_<seeder>(m, "Seeder")
      .def(py::init([](std::shared_ptr<database> db, std::shared_ptr<schema> s, const std::string &table) {
             return std::make_unique<seeder>(std::move(db), std::move(s), table);
           }),
           py::arg("db"), py::arg("schema"), py::arg("table") = "_carrierdb_seeds")
      .def("apply", [](seeder &sd, const std::string &manifest_path, const py::dict &options) {
        const seed_manifest manifest = seed_manifest::load(manifest_path);
        const seed_options opts = to_options(options);
        seed_result r;
        signal_watch watch;
        {
          py::gil_scoped_release release;
          r = sd.apply(manifest, opts);
        }
        return watch.finish(result_to_dict(r), committed_seed(r, sd.history_table()), !r.dry_run && !r.skipped);
      }, py::arg("manifest"), py::arg("options"))
      .def("apply_records", [](seeder &sd, const std::string &model, const py::iterable &rows, const std::vector<std::string> &key,
                               const std::string &label, const py::dict &options) {
        std::vector<record> input;
        for (auto row : rows) input.push_back(to_record(row));
        const seed_options opts = to_options(options);
        seed_result r;
        signal_watch watch;
        {
          py::gil_scoped_release release;
          r = sd.apply_records(model, input, key, label, opts);
        }
        return watch.finish(result_to_dict(r), committed_seed(r, sd.history_table()), !r.dry_run && !r.skipped);
      }, py::arg("model"), py::arg("rows"), py::arg("key"), py::arg("label"), py::arg("options"))
      .def("apply_columns", [](seeder &sd, const std::string &model, const std::vector<std::string> &names, const py::list &columns,
                               const std::vector<std::string> &key, const std::string &label, const py::dict &options) {
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
        seed_result res;
        signal_watch watch;
        {
          py::gil_scoped_release release;
          res = sd.apply_stream(model, [&](std::vector<record> &chunk) {
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
        }
        return watch.finish(result_to_dict(res), committed_seed(res, sd.history_table()), !res.dry_run && !res.skipped);
      }, py::arg("model"), py::arg("names"), py::arg("columns"), py::arg("key"), py::arg("label"), py::arg("options"))
      .def("history", [](seeder &sd) {
        std::vector<seed_history_row> rows;
        {
          py::gil_scoped_release release;
          rows = sd.history();
        }
        py::list out;
        for (const auto &h : rows) {
          py::dict d;
          d["environment"] = h.environment;
          d["seed_set"] = h.seed_set;
          d["version"] = h.version;
          d["checksum"] = h.checksum;
          d["applied_at"] = h.applied_at;
          d["applied_by"] = h.applied_by;
          d["inserted"] = h.inserted;
          d["updated"] = h.updated;
          d["unchanged"] = h.unchanged;
          d["rejected"] = h.rejected;
          d["pruned"] = h.pruned;
          d["seconds"] = h.seconds;
          out.append(d);
        }
        return out;
      });
  m.def("export_csv", [](std::shared_ptr<database> db, std::shared_ptr<schema> s, const std::string &model, const std::string &path,
                         const py::object &where, const std::vector<std::string> &anonymize, const std::string &salt) {
    export_options options;
    options.where = to_document(where);
    options.anonymize = anonymize;
    if (!salt.empty()) options.salt = salt;
    signal_watch watch;
    std::int64_t rows;
    {
      py::gil_scoped_release release;
      rows = export_csv(db, s, model, path, options);
    }
    return watch.finish(py::int_(rows), "the export had finished when the interrupt arrived: " + path + " holds all " +
                                            std::to_string(rows) + " row(s)", false);
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
