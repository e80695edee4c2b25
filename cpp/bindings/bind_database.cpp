// Python face of carrierdb::database: connect, statements, transactions. The GIL is released
// around every round trip; Python objects are built after it is re-acquired.
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"
#include "keyword_options.hpp"
#include "signal_watch.hpp"
#include "carrierdb/database.hpp"
#include "carrierdb/base/environment.hpp"
#include "carrierdb/error.hpp"

namespace carrierdb::bindings {

namespace {

std::chrono::milliseconds seconds_to_ms(double seconds, const char *name) {
  if (!std::isfinite(seconds) || seconds < 0)
    throw configuration_error(std::string(name) + " must be a non-negative number of seconds");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
}

/// connect()'s options (durations in seconds) -> connection_options; an unknown name is an error.
connection_options to_options(const py::kwargs &kwargs) {
  connection_options out;
  keyword_options kw("connect()", kwargs);
  const auto seconds = [&](const char *name, std::chrono::milliseconds &field) {
    if (const auto given = kw.get<double>(name)) field = seconds_to_ms(*given, name);
  };
  kw.take("pool_size", out.pool_size);
  seconds("connect_timeout", out.connect_timeout);
  seconds("statement_timeout", out.statement_timeout);
  seconds("pool_timeout", out.pool_timeout);
  seconds("busy_timeout", out.busy_timeout);
  kw.take("connect_retries", out.connect_retries);
  seconds("retry_initial_delay", out.retry_initial_delay);
  seconds("retry_max_delay", out.retry_max_delay);
  kw.take("application_name", out.application_name);
  kw.take("prepare_threshold", out.prepare_threshold);
  kw.take("create", out.create);
  kw.finish();
  return out;
}

// What a stop after a statement had run leaves: committed by itself, or done inside the caller's
// open transaction (which the KeyboardInterrupt will most likely roll back).
std::string completed_statement(const std::string &what, bool autocommit) {
  return "the " + what + " had completed when the interrupt arrived" +
         (autocommit ? ": its changes are committed" : ", inside your open transaction: nothing of it is committed yet");
}

const char *kind_name(column_kind kind) {
  switch (kind) {
    case column_kind::text: return "text";
    case column_kind::integer: return "integer";
    case column_kind::real: return "real";
    case column_kind::boolean: return "boolean";
    case column_kind::numeric: return "numeric";
    case column_kind::timestamp: return "timestamp";
    case column_kind::timestamptz: return "timestamptz";
    case column_kind::date: return "date";
    case column_kind::json: return "json";
    case column_kind::bytes: return "bytes";
    case column_kind::other: break;
  }
  return "other";
}

// (rows, columns, affected_rows): the columns (name, kind, PostgreSQL type oid, is_list) are there
// even when no row came back, so an empty DataFrame or a DB-API description still has its types.
py::tuple described(const result &r, bool tuples) {
  py::list columns;
  for (const auto &c : r.columns) columns.append(py::make_tuple(c.name, kind_name(c.kind), c.type_oid, c.is_list));
  return py::make_tuple(tuples ? rows_to_tuples(r) : rows_to_dicts(r), columns, r.affected_rows);
}

}  // namespace

void init_database(py::module_ &m) {
  py::class_<database, std::shared_ptr<database>>(m, "Database")
      .def_static(
          "open",
          [](const std::string &url, const py::kwargs &options) {
            const connection_options parsed = to_options(options);
            return without_gil([&] { return database::open(url, parsed); });
          },
          py::arg("url"))
      .def_property_readonly("backend", [](const database &db) { return std::string(to_string(db.kind())); })
      .def_property_readonly("url", [](const database &db) { return db.url().display(); })
      .def_property_readonly("sqlite_path", [](const database &db) -> py::object {
        if (db.kind() != backend_kind::sqlite || db.url().sqlite_in_memory()) return py::none();
        return py::str(db.url().sqlite_path());
      })
      .def_property_readonly("server_version", [](database &db) { return without_gil([&] { return db.server_version(); }); })
      .def_property_readonly("transaction_depth", &database::transaction_depth)
      .def_property_readonly("pool_size", [](database &db) { return db.pool().max_size(); })
      .def_property_readonly("open_connections", [](database &db) { return db.pool().open_count(); })
      .def_property_readonly("statements_run", &database::statements_run)
      .def_property_readonly("capabilities", [](database &db) {
        static const std::pair<const char *, bool capabilities::*> flags[] = {
            {"transactional_ddl", &capabilities::transactional_ddl}, {"advisory_locks", &capabilities::advisory_locks},
            {"returning", &capabilities::returning}, {"copy", &capabilities::copy}, {"schemas", &capabilities::schemas},
            {"enum_types", &capabilities::enum_types}, {"transaction_locks", &capabilities::transaction_locks},
            {"behind_pooler", &capabilities::behind_pooler}};
        const capabilities c = without_gil([&] { return db.caps(); });
        py::dict d;
        for (const auto &[name, flag] : flags) d[name] = c.*flag;
        return d;
      })
      .def(
          "query",
          [](database &db, const std::string &sql, const py::object &args) {
            const params p = to_params(args);
            // Ctrl-C cancels a long query on the server.
            return run_watched([&] { return db.query(sql, p); }, [](const result &r) {
              return finished_work{"the query had completed when the interrupt arrived", false, rows_to_dicts(r)};
            });
          },
          py::arg("sql"), py::arg("params") = py::none())
      .def(
          "query_described",
          [](database &db, const std::string &sql, const py::object &args, bool tuples) {
            const params p = to_params(args);
            const bool autocommit = db.transaction_depth() == 0;
            return run_watched([&] { return db.query(sql, p); }, [&](const result &r) {
              return finished_work{completed_statement("statement", autocommit), autocommit, described(r, tuples)};
            });
          },
          py::arg("sql"), py::arg("params") = py::none(), py::arg("tuples") = false,
          "Like query(), returning (rows, columns, affected_rows); rows are dicts, or tuples with tuples=True.")
      .def(
          "execute",
          [](database &db, const std::string &sql, const py::object &args) {
            const params p = to_params(args);
            const bool autocommit = db.transaction_depth() == 0;
            return run_watched([&] { return db.execute(sql, p); }, [&](std::int64_t affected) {
              return finished_work{completed_statement("statement", autocommit), autocommit, py::int_(affected)};
            });
          },
          py::arg("sql"), py::arg("params") = py::none())
      .def("schema_snapshot",
           [](database &db) { return without_gil([&] { return db.with_connection([](connection &c) { return c.schema_snapshot(); }); }); })
      .def("table_names",
           [](database &db) { return without_gil([&] { return db.with_connection([](connection &c) { return c.table_names(); }); }); })
      .def(
          "execute_script",
          [](database &db, const std::string &sql) {
            const bool autocommit = db.transaction_depth() == 0;
            run_watched([&] { db.execute_script(sql); return true; }, [&](bool) {
              return finished_work{completed_statement("script", autocommit), autocommit, py::none()};
            });
          },
          py::arg("sql"))
      .def("begin", &database::begin, py::call_guard<py::gil_scoped_release>())
      .def("commit", &database::commit, py::call_guard<py::gil_scoped_release>())
      .def("rollback", &database::rollback, py::call_guard<py::gil_scoped_release>())
      .def("close", &database::close, py::call_guard<py::gil_scoped_release>());

  m.def("canonical_environment", &canonical_environment, py::arg("name"),
        "What an environment name stands for (test -> testing, dev -> development, prod -> production).");
  m.def("is_production_environment", &is_production_environment, py::arg("name"),
        "The production rule the engine's guards (seeding, reset) apply.");
  m.def("mask_url", [](const std::string &text) { return mask_secrets(text); }, py::arg("text"),
        "Replace any password in a URL or keyword string with ****.");
  m.def(
      "parse_url",
      [](const std::string &text) {
        const database_url url = database_url::parse(text);
        py::dict d;
        d["backend"] = to_string(url.kind());
        d["display"] = url.display();
        if (url.kind() == backend_kind::sqlite) {
          d["path"] = url.sqlite_in_memory() ? py::object(py::none()) : py::object(py::str(url.sqlite_path()));
        } else {
          d["host"] = url.pg_option("host");
          d["port"] = url.pg_option("port");
          d["dbname"] = url.pg_option("dbname");
          d["user"] = url.pg_option("user");
        }
        return d;
      },
      py::arg("url"), "Parse and validate a database URL (no connection); the result holds no password.");
}

}  // namespace carrierdb::bindings
