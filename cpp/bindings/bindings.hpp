// Shared declarations of the binding files: one init_<concept>() per file, plus value conversion.
#pragma once

#include <pybind11/pybind11.h>

#include "carrierdb/base/value.hpp"
#include "carrierdb/repo/document.hpp"
#include "carrierdb/repo/repository.hpp"
#include "carrierdb/schema/validation.hpp"

#include <csignal>
#include <memory>

#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"
#include "signal_watch.hpp"

namespace carrierdb::bindings {
namespace py = pybind11;

void init_errors(py::module_ &m);
void init_values(py::module_ &m);
void init_logging(py::module_ &m);
void init_database(py::module_ &m);
void init_reports(py::module_ &m);
void init_schema(py::module_ &m);
void init_migrations(py::module_ &m);
void init_schema_diff(py::module_ &m);
void init_lint(py::module_ &m);
void init_introspect(py::module_ &m);
void init_schema_push(py::module_ &m);
void init_repository(py::module_ &m);
void init_includes(py::module_ &m);
void init_seeding(py::module_ &m);

/// Python sequence -> statement parameters. Call with the GIL held.
params to_params(const py::handle &seq);
/// One Python object -> one SQL value (None, bool, int, float, str, bytes/bytearray/memoryview,
/// Decimal, datetime, date, dict/list as JSON). Raises TypeError for anything else.
value to_value(const py::handle &obj, std::size_t index);
/// A field's value (records): to_value(), except that a list or tuple of plain values becomes a
/// list value (a scalar list, or a Json field's array); one holding dicts stays JSON text.
value to_field_value(const py::handle &obj, std::size_t index);
/// A str as UTF-8 bytes. Lone surrogates, which a str can hold (text decoded with
/// errors="surrogateescape") and UTF-8 cannot, come through as bytes that are not UTF-8, so the
/// core's one check refuses them with their place instead of a bare UnicodeEncodeError here.
std::string utf8_of(const py::handle &text);
/// A Python dict of field values -> a record (field name, value) in the dict's order.
record to_record(const py::handle &obj);
/// Keeps a Python callable alive from C++; it is released under the GIL, whichever thread drops it.
std::shared_ptr<py::object> hold(py::object callable);
/// Calls a held Python callable from C++: takes the GIL, lets Ctrl-C stop the operation (as a
/// KeyboardInterrupt raised through the engine), then calls it.
template <class... Args>
void call_held(const std::shared_ptr<py::object> &callable, Args &&...args) {
  check_interrupt();  // no report after a stop was asked for
  py::gil_scoped_acquire gil;
  // Ctrl-C seen here first, or raised inside the callback (tqdm redrawing, a nested operation's
  // carrierdb.Interrupted): a stop like any other, so the engine rolls back and says what it did.
  const int signal = take_keyboard_interrupt(interrupt_signal());
  if (signal > 0) throw interrupted_error("interrupted", signal);
  if (signal < 0) throw py::error_already_set();
  try {
    (*callable)(std::forward<Args>(args)...);
  } catch (py::error_already_set &e) {
    if (!e.matches(PyExc_KeyboardInterrupt)) throw;
    throw interrupted_error("interrupted", interrupt_signal() ? interrupt_signal() : SIGINT);
  }
}
/// One validation issue as the dict Python sees ({path, code, message, ...}), in
/// ValidationError.issues and in Schema.validate() alike.
py::dict issue_to_dict(const validation_issue &issue);
/// A Python filter (dicts, lists, scalars) -> a document.
document to_document(const py::handle &obj);
/// find_many's arguments (where, orderBy, skip, take, cursor, distinct) as the repository takes them.
find_options find_arguments(const py::object &where, const py::object &order_by, const py::object &skip, const py::object &take,
                            const py::object &cursor, const py::object &distinct);
/// A result -> list of dicts keyed by column name, values typed by column kind.
py::list rows_to_dicts(const result &r);
/// A result -> list of tuples in column order (DB-API rows: duplicate column names survive).
py::list rows_to_tuples(const result &r);
/// One cell -> a Python object, typed by its column kind.
py::object to_python(const value &v, column_kind kind);

}  // namespace carrierdb::bindings
