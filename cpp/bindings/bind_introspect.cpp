// Python face of introspection: a live database read back as a target model (TargetModel, opaque
// to Python), which `migrate diff --from-url/--to-url` and `db pull` hand to the differ and the writer.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "signal_watch.hpp"
#include "carrierdb/database.hpp"
#include "carrierdb/introspect/catalog_model.hpp"
#include "carrierdb/introspect/schema_writer.hpp"

namespace carrierdb::bindings {

void init_introspect(py::module_ &m) {
  using namespace pybind11::literals;
  py::class_<target_model, std::shared_ptr<target_model>>(m, "TargetModel",
                                                          "The database a schema describes, or one read back from a catalog, on one backend.")
      .def_property_readonly("backend", [](const target_model &t) { return to_string(t.backend); })
      .def_property_readonly("table_names", [](const target_model &t) {
        std::vector<std::string> out;
        for (const auto &table : t.tables) out.push_back(table.name);
        return out;
      });
  m.def(
      "read_target_model",
      [](std::shared_ptr<database> db, const std::vector<std::string> &ignore) {
        // Ctrl-C cancels the catalog read (it only reads).
        return run_watched([&] { return db->with_connection([&](connection &c) { return read_target_model(c, ignore); }); },
                           [](target_model model) {
                             return finished_work{"the catalog read had finished (it only reads: nothing was changed)", false,
                                                  py::cast(std::make_shared<target_model>(std::move(model)))};
                           });
      },
      "db"_a.none(false), "ignore_tables"_a, "The database behind `db` as a target model; tables in `ignore_tables` left out. Reads only.");
  m.def(
      "write_schema",
      [](const std::shared_ptr<target_model> &model, const std::shared_ptr<schema> &existing, const std::string &text) {
        return write_schema(*model, pull_basis{existing.get(), text});
      },
      "model"_a.none(false), "existing"_a, "text"_a,
      "schema.prisma text describing `model` (db pull), keeping the names, /// comments and order of `existing` (None: a new file).");
}

}  // namespace carrierdb::bindings
