// Python face of `migrate diff`: two parsed schemas (or None, the empty database) in, the summary,
// warnings and SQL script out as a dict. Pure computation: nothing here touches a database.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/schema_diff.hpp"

namespace carrierdb::bindings {

void init_schema_diff(py::module_ &m) {
  using namespace pybind11::literals;
  m.def(
      "diff_schemas",
      [](const std::shared_ptr<schema> &from, const std::shared_ptr<schema> &to, const std::string &provider,
         const std::vector<std::tuple<std::string, std::string, std::string>> &renames, bool online) {
        if (provider != "postgresql" && provider != "sqlite")
          throw configuration_error("migrate diff: unknown provider '" + provider + "'; use postgresql or sqlite");
        const backend_kind dialect = provider == "sqlite" ? backend_kind::sqlite : backend_kind::postgresql;
        std::vector<enum_value_rename> renamed;
        for (const auto &[enum_name, old_value, new_value] : renames) renamed.push_back(enum_value_rename{enum_name, old_value, new_value});
        diff_options options;
        options.online = online;
        const schema_diff d = diff_schemas(from.get(), to.get(), dialect, renamed, options);
        return py::dict("summary"_a = d.summary, "warnings"_a = d.warnings, "script"_a = d.script,
                        "warnings_comment"_a = d.warnings_comment(), "concurrent_script"_a = d.concurrent_script);
      },
      "from_schema"_a, "to_schema"_a, "provider"_a, "renames"_a = std::vector<std::tuple<std::string, std::string, std::string>>{},
      "online"_a = false,
      "The difference between two schemas (None: the empty database) on one provider: summary, warnings, SQL script. "
      "renames: (enum, old value, new value) triples, database names. online: PostgreSQL's lock-safe forms (concurrent_script).");
}

}  // namespace carrierdb::bindings
