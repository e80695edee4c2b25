// The carrierdb._core extension module: calls every init_<concept>() in dependency order.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "carrierdb's C++ core. Import the `carrierdb` package instead of this module.";
  // Errors first: every later binding may raise them.
  carrierdb::bindings::init_errors(m);
  carrierdb::bindings::init_values(m);
  carrierdb::bindings::init_logging(m);
  carrierdb::bindings::init_database(m);
  // The reports and the parsed schema, then the engine parts, which take a Database and a Schema.
  carrierdb::bindings::init_reports(m);
  carrierdb::bindings::init_schema(m);
  carrierdb::bindings::init_migrations(m);
  carrierdb::bindings::init_schema_diff(m);
  carrierdb::bindings::init_lint(m);
  carrierdb::bindings::init_introspect(m);  // TargetModel, read from a database
  carrierdb::bindings::init_schema_push(m);
  carrierdb::bindings::init_repository(m);
  carrierdb::bindings::init_includes(m);  // adds include/select reads to Repository
  carrierdb::bindings::init_seeding(m);
}
