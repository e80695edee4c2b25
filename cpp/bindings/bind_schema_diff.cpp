// Python face of `migrate diff`: two parsed schemas (or None, the empty database) in, the summary,
// warnings and SQL script out as a dict (pure computation); and the data-loss check of such a
// change, counted on a Database (its connection used without the GIL).
#include <pybind11/stl.h>

#include <functional>

#include "bindings.hpp"
#include "signal_watch.hpp"
#include "carrierdb/database.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/diff_data_loss.hpp"
#include "carrierdb/migrate/schema_diff.hpp"

namespace carrierdb::bindings {

namespace {

py::list findings_to_list(const std::vector<data_loss_finding> &findings) {
  using namespace pybind11::literals;
  py::list out;
  for (const auto &f : findings)
    out.append(py::dict("kind"_a = f.kind, "table"_a = f.table, "column"_a = f.column.empty() ? py::object(py::none()) : py::str(f.column),
                        "detail"_a = f.detail, "rows"_a = f.rows, "message"_a = f.message()));
  return out;
}

using rename_triples = std::vector<std::tuple<std::string, std::string, std::string>>;

std::vector<enum_value_rename> renames_of(const rename_triples &renames) {
  std::vector<enum_value_rename> out;
  for (const auto &[enum_name, old_value, new_value] : renames) out.push_back(enum_value_rename{enum_name, old_value, new_value});
  return out;
}

// What going from `a` to `b` loses in `db`, counted there without the GIL; Ctrl-C cancels the count
// (it only reads). `check` sees the findings first, with the GIL held, and may refuse them.
py::object counted_loss(database &db, const target_model &a, const target_model &b, const rename_triples &renames,
                        const std::function<void(const std::vector<data_loss_finding> &)> &check) {
  return run_watched([&] { return db.with_connection([&](connection &c) { return find_data_loss(a, b, c, renames_of(renames)); }); },
                     [&](const std::vector<data_loss_finding> &findings) {
                       check(findings);
                       return finished_work{"the data-loss count had finished (it only reads: nothing was changed)", false,
                                            findings_to_list(findings)};
                     });
}

py::object data_loss_on(database &db, const std::shared_ptr<schema> &from, const std::shared_ptr<schema> &to, const rename_triples &renames,
                        const std::function<void(const std::vector<data_loss_finding> &)> &check) {
  const target_model empty{db.kind(), {}, {}};
  const target_model a = from ? target_model::of(*from, db.kind()) : empty;
  const target_model b = to ? target_model::of(*to, db.kind()) : empty;
  return counted_loss(db, a, b, renames, check);
}

backend_kind dialect_of(const std::string &provider) {
  if (provider != "postgresql" && provider != "sqlite")
    throw configuration_error("migrate diff: unknown provider '" + provider + "'; use postgresql or sqlite");
  return provider == "sqlite" ? backend_kind::sqlite : backend_kind::postgresql;
}

py::dict diff_dict(const schema_diff &d) {
  using namespace pybind11::literals;
  return py::dict("summary"_a = d.summary, "warnings"_a = d.warnings, "script"_a = d.script, "warnings_comment"_a = d.warnings_comment(),
                  "concurrent_script"_a = d.concurrent_script);
}

}  // namespace

void init_schema_diff(py::module_ &m) {
  using namespace pybind11::literals;
  m.def(
      "diff_schemas",
      [](const std::shared_ptr<schema> &from, const std::shared_ptr<schema> &to, const std::string &provider,
         const rename_triples &renames, bool online) {
        diff_options options;
        options.online = online;
        return diff_dict(diff_schemas(from.get(), to.get(), dialect_of(provider), renames_of(renames), options));
      },
      "from_schema"_a, "to_schema"_a, "provider"_a, "renames"_a = rename_triples{}, "online"_a = false,
      "The difference between two schemas (None: the empty database) on one provider: summary, warnings, SQL script. "
      "renames: (enum, old value, new value) triples, database names. online: PostgreSQL's lock-safe forms (concurrent_script).");
  m.def(
      "find_data_loss",
      [](database &db, const std::shared_ptr<schema> &from, const std::shared_ptr<schema> &to, const rename_triples &renames) {
        return data_loss_on(db, from, to, renames, [](const auto &) {});
      },
      "db"_a.none(false), "from_schema"_a, "to_schema"_a, "renames"_a = rename_triples{},
      "What changing `db` from `from_schema` (what it holds) to `to_schema` would lose or fail on, with the rows it holds: "
      "a list of {kind, table, column, detail, rows, message}.");
  m.def(
      "check_data_loss",
      [](database &db, const std::shared_ptr<schema> &from, const std::shared_ptr<schema> &to, bool accept_data_loss, const std::string &operation,
         const rename_triples &renames) {
        return data_loss_on(db, from, to, renames, [&](const auto &findings) {
          if (!accept_data_loss) refuse_schema_data_loss(findings, operation + " on " + db.url().display());
        });
      },
      "db"_a.none(false), "from_schema"_a, "to_schema"_a, py::kw_only(), "accept_data_loss"_a = false, "operation"_a = "the schema change",
      "renames"_a = rename_triples{},
      "find_data_loss(), raising DataLossError (nothing changed) when it finds anything and accept_data_loss is false.");
  m.def(
      "data_loss_between",
      [](database &db, const std::shared_ptr<target_model> &from, const std::shared_ptr<target_model> &to, const rename_triples &renames,
         bool accept_data_loss, const std::string &operation) {
        return counted_loss(db, *from, *to, renames, [&](const auto &findings) {
          if (!accept_data_loss) refuse_schema_data_loss(findings, operation + " on " + db.url().display());
        });
      },
      "db"_a.none(false), "from_model"_a.none(false), "to_model"_a.none(false), "renames"_a = rename_triples{}, py::kw_only(), "accept_data_loss"_a = false,
      "operation"_a = "the schema change",
      "What changing `db` (which holds `from_model`) to `to_model` would lose or fail on, counted there; raises DataLossError "
      "(nothing changed) when that is anything and accept_data_loss is false.");
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
      [](const std::shared_ptr<target_model> &from, const std::shared_ptr<target_model> &to, const rename_triples &renames, bool online) {
        if (from->backend != to->backend)
          throw configuration_error(std::string("migrate diff: cannot compare a ") + to_string(from->backend) + " database with a " +
                                    to_string(to->backend) + " one; give both sides the same provider");
        diff_options options;
        options.online = online;
        return diff_dict(diff_models(*from, *to, renames_of(renames), options));
      },
      "from_model"_a.none(false), "to_model"_a.none(false), "renames"_a = rename_triples{}, "online"_a = false, "The difference between two TargetModels of one backend: summary, warnings, SQL script.");
}

}  // namespace carrierdb::bindings
