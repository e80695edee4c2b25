// Python face of carrierdb::database: connect, statements, transactions. The GIL is released
// around every round trip; Python objects are built after it is re-acquired.
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"
#include "signal_watch.hpp"
#include "carrierdb/database.hpp"
#include "carrierdb/error.hpp"

namespace carrierdb::bindings {

namespace {

std::chrono::milliseconds seconds_to_ms(double seconds, const char *name) {
  if (!std::isfinite(seconds) || seconds < 0)
    throw configuration_error(std::string(name) + " must be a non-negative number of seconds");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
}

double ms_to_seconds(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

}  // namespace

namespace {

// What a stop after a statement had run leaves: committed by itself, or done inside the caller's
// open transaction (which the KeyboardInterrupt will most likely roll back).
std::string completed_statement(const std::string &what, bool autocommit) {
  return "the " + what + " had completed when the interrupt arrived" +
         (autocommit ? ": its changes are committed" : ", inside your open transaction: nothing of it is committed yet");
}

}  // namespace

void init_database(py::module_ &m) {
  py::class_<connection_options>(m, "ConnectionOptions", "Pool, timeout and retry settings of a Database.")
      .def(py::init<>())
      .def_readwrite("pool_size", &connection_options::pool_size)
      .def_readwrite("connect_retries", &connection_options::connect_retries)
      .def_readwrite("application_name", &connection_options::application_name)
      .def_readwrite("prepare_threshold", &connection_options::prepare_threshold)
      .def_readwrite("create", &connection_options::create)
#define CARRIERDB_SECONDS(field)                                                                         \
  def_property(                                                                                          \
      #field, [](const connection_options &o) { return ms_to_seconds(o.field); },                        \
      [](connection_options &o, double s) { o.field = seconds_to_ms(s, #field); })
      .CARRIERDB_SECONDS(connect_timeout)
      .CARRIERDB_SECONDS(statement_timeout)
      .CARRIERDB_SECONDS(pool_timeout)
      .CARRIERDB_SECONDS(busy_timeout)
      .CARRIERDB_SECONDS(retry_initial_delay)
      .CARRIERDB_SECONDS(retry_max_delay);
#undef CARRIERDB_SECONDS

  py::class_<database, std::shared_ptr<database>>(m, "Database")
      .def_static(
          "open",
          [](const std::string &url, const connection_options &options) {
            py::gil_scoped_release release;
            return database::open(url, options);
          },
          py::arg("url"), py::arg("options"))
      .def_property_readonly("backend", [](const database &db) { return std::string(to_string(db.kind())); })
      .def_property_readonly("url", [](const database &db) { return db.url().display(); })
      .def_property_readonly("sqlite_path", [](const database &db) -> py::object {
        if (db.kind() != backend_kind::sqlite || db.url().sqlite_in_memory()) return py::none();
        return py::str(db.url().sqlite_path());
      })
      .def_property_readonly("server_version", [](database &db) {
        py::gil_scoped_release release;
        return db.server_version();
      })
      .def_property_readonly("transaction_depth", &database::transaction_depth)
      .def_property_readonly("pool_size", [](database &db) { return db.pool().max_size(); })
      .def_property_readonly("open_connections", [](database &db) { return db.pool().open_count(); })
      .def_property_readonly("capabilities", [](database &db) {
        capabilities c;
        {
          py::gil_scoped_release release;
          c = db.caps();
        }
        py::dict d;
        d["transactional_ddl"] = c.transactional_ddl;
        d["advisory_locks"] = c.advisory_locks;
        d["returning"] = c.returning;
        d["copy"] = c.copy;
        d["schemas"] = c.schemas;
        d["enum_types"] = c.enum_types;
        d["transaction_locks"] = c.transaction_locks;
        d["behind_pooler"] = c.behind_pooler;
        return d;
      })
      .def(
          "query",
          [](database &db, const std::string &sql, const py::object &args) {
            params p = to_params(args);
            result r;
            signal_watch watch;  // Ctrl-C cancels a long query on the server
            {
              py::gil_scoped_release release;
              r = db.query(sql, p);
            }
            return watch.finish(rows_to_dicts(r), "the query had completed when the interrupt arrived", false);
          },
          py::arg("sql"), py::arg("params") = py::none())
      .def(
          "execute",
          [](database &db, const std::string &sql, const py::object &args) {
            params p = to_params(args);
            std::int64_t affected;
            const bool autocommit = db.transaction_depth() == 0;
            signal_watch watch;
            {
              py::gil_scoped_release release;
              affected = db.execute(sql, p);
            }
            return watch.finish(py::int_(affected), completed_statement("statement", autocommit), autocommit);
          },
          py::arg("sql"), py::arg("params") = py::none())
      .def("schema_snapshot",
           [](database &db) {
             py::gil_scoped_release release;
             return db.with_connection([](connection &c) { return c.schema_snapshot(); });
           })
      .def("table_names",
           [](database &db) {
             py::gil_scoped_release release;
             return db.with_connection([](connection &c) { return c.table_names(); });
           })
      .def(
          "execute_script",
          [](database &db, const std::string &sql) {
            const bool autocommit = db.transaction_depth() == 0;
            signal_watch watch;
            {
              py::gil_scoped_release release;
              db.execute_script(sql);
            }
            watch.finish(py::none(), completed_statement("script", autocommit), autocommit);
          },
          py::arg("sql"))
      .def("begin", &database::begin, py::call_guard<py::gil_scoped_release>())
      .def("commit", &database::commit, py::call_guard<py::gil_scoped_release>())
      .def("rollback", &database::rollback, py::call_guard<py::gil_scoped_release>())
      .def("close", &database::close, py::call_guard<py::gil_scoped_release>());

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
