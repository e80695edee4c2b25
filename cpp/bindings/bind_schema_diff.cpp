// Python face of `migrate diff`: two parsed schemas (or None, the empty database) in, the summary,
// warnings and SQL script out as a dict. Pure computation: nothing here touches a database.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/schema_diff.hpp"

namespace carrierdb::bindings {

namespace {

backend_kind dialect_of(const std::string &provider) {
  if (provider != "postgresql" && provider != "sqlite")
    throw configuration_error("migrate diff: unknown provider '" + provider + "'; use postgresql or sqlite");
  return provider == "sqlite" ? backend_kind::sqlite : backend_kind::postgresql;
}

py::dict diff_dict(const schema_diff &d) {
  using namespace pybind11::literals;
  return py::dict("summary"_a = d.summary, "warnings"_a = d.warnings, "script"_a = d.script, "warnings_comment"_a = d.warnings_comment());
}

}  // namespace

void init_schema_diff(py::module_ &m) {
  using namespace pybind11::literals;
  m.def(
      "diff_schemas",
      [](const std::shared_ptr<schema> &from, const std::shared_ptr<schema> &to, const std::string &provider) {
        return diff_dict(diff_schemas(from.get(), to.get(), dialect_of(provider)));
      },
      "from_schema"_a, "to_schema"_a, "provider"_a,
      "The difference between two schemas (None: the empty database) on one provider: summary, warnings, SQL script.");
  // Databases read back (read_target_model, bind_introspect.cpp) meet schemas as target models.
  m.def(
      "target_model_of",
      [](const std::shared_ptr<schema> &s, const std::string &provider) {
        const backend_kind dialect = dialect_of(provider);
        return std::make_shared<target_model>(s ? target_model::of(*s, dialect) : target_model{dialect, {}, {}});
      },
      "schema"_a, "provider"_a, "The database `schema` describes on `provider` (None: the empty database), as a TargetModel.");
  m.def(
      "diff_target_models",
      [](const std::shared_ptr<target_model> &from, const std::shared_ptr<target_model> &to) {
        if (from->backend != to->backend)
          throw configuration_error(std::string("migrate diff: cannot compare a ") + to_string(from->backend) + " database with a " +
                                    to_string(to->backend) + " one; give both sides the same provider");
        return diff_dict(diff_models(*from, *to));
      },
      "from_model"_a, "to_model"_a, "The difference between two TargetModels of one backend: summary, warnings, SQL script.");
}

}  // namespace carrierdb::bindings
