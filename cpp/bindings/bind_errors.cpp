// The one place C++ errors become Python exceptions (the carrierdb.CarrierDBError tree).
#include <pybind11/stl.h>

#include <functional>
#include <vector>

#include "bindings.hpp"
#include "carrierdb/error.hpp"
#include "signal_watch.hpp"

namespace carrierdb::bindings {

namespace {

struct mapping {
  std::function<bool(const error &)> matches;
  PyObject *type;  // owned by the module for the life of the process
};

// Most derived first: the first match decides the Python class.
std::vector<mapping> &mappings() {
  static auto *table = new std::vector<mapping>();  // leaked on purpose: outlives interpreter teardown
  return *table;
}

PyObject *g_interrupted = nullptr;  // carrierdb.Interrupted, owned by the module

template <class E>
bool is(const error &e) { return dynamic_cast<const E *>(&e) != nullptr; }

PyObject *make_class(py::module_ &m, const char *name, py::tuple bases, const char *doc) {
  const std::string qualified = std::string("carrierdb.") + name;
  PyObject *type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!type) throw py::error_already_set();
  m.add_object(name, py::handle(type));
  return type;
}

// Text from a database or a migration file need not be UTF-8: never let decoding hide the error.
py::str text(const std::string &s) {
  PyObject *o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::list to_list(const std::vector<std::string> &items) {
  py::list out;
  for (const auto &s : items) out.append(text(s));
  return out;
}

void raise(PyObject *type, const error &e) {
  std::string full = e.what();
  if (!e.hint().empty()) full += "\nhint: " + e.hint();
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallFunctionObjArgs(type, text(full).ptr(), nullptr));
  if (!exc) return;  // the constructor raised; that error stands
  exc.attr("message") = text(e.what());
  exc.attr("hint") = e.hint().empty() ? py::object(py::none()) : py::object(text(e.hint()));
  if (const auto *db = dynamic_cast<const database_error *>(&e)) {
    const diagnostics &d = db->diag();
    const auto opt = [](const std::string &s) { return s.empty() ? py::object(py::none()) : py::object(text(s)); };
    exc.attr("sqlstate") = opt(d.sqlstate);
    exc.attr("native_code") = d.native_code ? py::object(py::int_(d.native_code)) : py::object(py::none());
    exc.attr("server_message") = opt(d.server_message);
    exc.attr("detail") = opt(d.detail);
    exc.attr("constraint") = opt(d.constraint);
    exc.attr("table") = opt(d.table);
    exc.attr("columns") = to_list(d.columns);
    exc.attr("values") = to_list(d.values);
    exc.attr("fields") = to_list(d.fields);
    exc.attr("position") = d.position ? py::object(py::int_(d.position)) : py::object(py::none());
    exc.attr("statement") = opt(d.statement);
    exc.attr("statement_line") = d.statement_line ? py::object(py::int_(d.statement_line)) : py::object(py::none());
  }
  if (const auto *mig = dynamic_cast<const migration_error *>(&e)) {
    const migration_context &c = mig->context();
    const auto opt = [](const std::string &s) { return s.empty() ? py::object(py::none()) : py::object(text(s)); };
    exc.attr("migration") = opt(c.migration);
    exc.attr("file") = opt(c.file);
    exc.attr("line") = c.line ? py::object(py::int_(c.line)) : py::object(py::none());
    exc.attr("stored_checksum") = opt(c.stored_checksum);
    exc.attr("current_checksum") = opt(c.current_checksum);
    exc.attr("sqlstate") = opt(c.cause.sqlstate);
    exc.attr("statement") = opt(c.cause.statement);
  }
  if (const auto *loss = dynamic_cast<const data_loss_error *>(&e)) {
    py::list losses;
    for (const auto &l : loss->losses()) {
      py::dict d;
      d["migration"] = text(l.migration);
      d["table"] = text(l.table);
      d["column"] = l.column.empty() ? py::object(py::none()) : py::object(text(l.column));
      d["rows"] = l.rows;
      losses.append(d);
    }
    exc.attr("losses") = losses;
  }
  if (const auto *v = dynamic_cast<const validation_error *>(&e)) {
    py::list issues;
    for (const auto &i : v->issues()) issues.append(issue_to_dict(i));
    exc.attr("issues") = issues;
    exc.attr("model") = v->model();
  }
  if (const auto *se = dynamic_cast<const schema_error *>(&e)) {
    exc.attr("file") = text(se->file());
    exc.attr("line") = se->line();
    exc.attr("column") = se->column();
  }
  PyErr_SetObject(type, exc.ptr());
}

}  // namespace

void raise_interrupted(const std::string &message, const std::string &hint, bool committed, int signal, py::object result) {
  std::string full = message;
  if (!hint.empty()) full += "\nhint: " + hint;
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallFunctionObjArgs(g_interrupted, text(full).ptr(), nullptr));
  if (!exc) return;
  exc.attr("message") = text(message);
  exc.attr("hint") = hint.empty() ? py::object(py::none()) : py::object(text(hint));
  exc.attr("committed") = committed;
  exc.attr("signal") = signal ? py::object(py::int_(signal)) : py::object(py::none());
  exc.attr("result") = result;
  PyErr_SetObject(g_interrupted, exc.ptr());
}

int take_keyboard_interrupt(int known) {
  if (PyErr_CheckSignals() == 0) return 0;
  if (!PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) return -1;
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  py::object raised = py::reinterpret_steal<py::object>(value);
  Py_XDECREF(type);
  Py_XDECREF(traceback);
  if (known) return known;
  // The CLI's SIGTERM handler raises KeyboardInterrupt("SIGTERM").
  const bool sigterm = raised && py::len(raised.attr("args")) == 1 && py::str(raised.attr("args")[0]).cast<std::string>() == "SIGTERM";
  return sigterm ? SIGTERM : SIGINT;
}

py::object signal_watch::finish(py::object result, const std::string &what_happened, bool committed) {
  // Python's flag, not the token, is what counts: the watcher may not have seen the byte yet.
  const int signal = take_keyboard_interrupt(m_token.signal());
  if (signal == 0) return result;  // no stop, or Python's handler chose to carry on
  if (signal > 0) raise_interrupted(what_happened, "", committed, signal, result);
  throw py::error_already_set();
}

py::dict issue_to_dict(const validation_issue &i) {
  py::dict d;
  py::list path;
  for (const auto &p : i.path) path.append(text(p));
  d["path"] = path;
  d["code"] = i.code;
  d["message"] = text(i.message);
  if (!i.expected.empty()) d["expected"] = i.expected;
  if (!i.received.empty()) d["received"] = i.received;
  if (!i.validation.empty()) d["validation"] = i.validation;
  if (!i.limit.empty()) d["limit"] = i.limit;
  if (!i.options.empty()) d["options"] = to_list(i.options);
  if (!i.row.empty()) d["row"] = text(i.row);
  if (!i.value.empty()) d["value"] = text(i.value);
  return d;
}

void init_errors(py::module_ &m) {
  const auto bases = [](std::initializer_list<py::handle> items) {
    py::tuple t(items.size());
    std::size_t k = 0;
    for (auto h : items) t[k++] = py::reinterpret_borrow<py::object>(h);
    return t;
  };
  PyObject *root = make_class(m, "CarrierDBError", bases({PyExc_Exception}),
                              "Root of every carrierdb error (DB-API's `Error`). `hint` says what to do.");
  // Sibling of DatabaseError, as in DB-API: the problem is in what was asked, not in the database.
  PyObject *interface = make_class(m, "InterfaceError", bases({root}), "carrierdb was used wrongly, before any database was involved.");
  PyObject *configuration = make_class(m, "ConfigurationError", bases({interface, PyExc_ValueError}),
                                       "Malformed URL, unknown scheme or bad option. Also a ValueError.");
  PyObject *database = make_class(m, "DatabaseError", bases({root}), "An error reported by, or while talking to, a database.");
  PyObject *operational = make_class(m, "OperationalError", bases({database}), "The database could not do the work: connection, timeouts, locks.");
  // Also builtin ConnectionError / TimeoutError, so generic retry code catches them.
  PyObject *connection = make_class(m, "ConnectionFailed", bases({operational, PyExc_ConnectionError}),
                                    "The database could not be reached or refused the connection.");
  PyObject *timeout = make_class(m, "OperationTimeout", bases({operational, PyExc_TimeoutError}),
                                 "A statement, lock wait or pool checkout ran past its time limit.");
  // Not a ConnectionFailed: the server answered, and retrying against it cannot help.
  PyObject *read_only = make_class(m, "ReadOnlyError", bases({operational}),
                                   "The target cannot be written (a hot standby, a read-only session, file or directory); nothing was changed.");
  PyObject *programming = make_class(m, "ProgrammingError", bases({database}), "The statement is wrong: syntax, unknown name, parameter count.");
  PyObject *data = make_class(m, "DataError", bases({database}), "A value the database cannot store or convert.");
  PyObject *integrity = make_class(m, "IntegrityError", bases({database}), "A constraint refused the change.");
  PyObject *unique = make_class(m, "UniqueViolation", bases({integrity}), "A unique constraint refused a duplicate; `columns`/`values` name it.");
  PyObject *foreign = make_class(m, "ForeignKeyViolation", bases({integrity}), "A foreign key refused the change.");
  PyObject *not_null = make_class(m, "NotNullViolation", bases({integrity}), "A NOT NULL column was given no value.");
  PyObject *check = make_class(m, "CheckViolation", bases({integrity}), "A CHECK constraint refused the value.");
  PyObject *internal = make_class(m, "InternalError", bases({database}), "The database reported an internal error.");
  // Migration errors are siblings of DatabaseError, not children: most (a changed file, a
  // failed attempt on record) are about the project's history, not a database's answer.
  PyObject *migration = make_class(m, "MigrationError", bases({root}), "A migration could not be read, applied, rolled back or recorded.");
  PyObject *migration_file = make_class(m, "MigrationFileError", bases({migration}), "A migrations folder or file is malformed.");
  PyObject *provider = make_class(m, "ProviderMismatch", bases({migration}), "migration_lock.toml names another provider (Prisma P3019).");
  PyObject *baseline = make_class(m, "BaselineRequired", bases({migration}), "The database has tables but no history (Prisma P3005).");
  PyObject *failed = make_class(m, "FailedMigrationPending", bases({migration}), "A failed migration is recorded (Prisma P3009).");
  PyObject *checksum = make_class(m, "ChecksumMismatch", bases({migration}), "An applied migration's file changed since it was applied.");
  PyObject *migration_failed = make_class(m, "MigrationFailed", bases({migration}), "A migration's SQL failed; its changes were rolled back.");
  PyObject *missing_down = make_class(m, "DownMigrationMissing", bases({migration}), "A rollback needs a down.sql that does not exist.");
  PyObject *data_loss = make_class(m, "DataLossError", bases({migration}),
                                   "A rollback would drop tables or columns holding rows; `losses` lists them. Nothing changed.");
  PyObject *state = make_class(m, "MigrationStateError", bases({migration}), "The history does not allow this (Prisma P3008, P3011, P3012).");
  // Validation and lookups are about the caller's data, not a database's answer: siblings of
  // DatabaseError. Each also derives from the builtin a generic caller would catch.
  PyObject *validation = make_class(m, "ValidationError", bases({root, PyExc_ValueError}),
                                    "Data broke the schema's rules; `issues` lists every problem (zod's codes).");
  PyObject *schema_err = make_class(m, "SchemaError", bases({root, PyExc_ValueError}),
                                    "schema.prisma could not be read; `file`, `line`, `column` say where.");
  PyObject *not_found = make_class(m, "NotFound", bases({root, PyExc_LookupError}), "No record matched a unique lookup (Prisma P2025).");
  // A KeyboardInterrupt, not a CarrierDBError: `except Exception` must never swallow Ctrl-C.
  g_interrupted = make_class(m, "Interrupted", bases({PyExc_KeyboardInterrupt}),
                             "Ctrl-C or SIGTERM stopped an operation. `message` says what was rolled back; `committed` is true "
                             "when work had been committed before the stop (`result` then holds the operation's report).");

  auto &table = mappings();
  table = {
      {is<unique_violation>, unique},       {is<foreign_key_violation>, foreign}, {is<not_null_violation>, not_null},
      {is<check_violation>, check},         {is<integrity_error>, integrity},     {is<connection_error>, connection},
      {is<timeout_error>, timeout},         {is<read_only_error>, read_only},     {is<operational_error>, operational}, {is<programming_error>, programming},
      {is<data_error>, data},               {is<internal_error>, internal},       {is<database_error>, database},
      {is<configuration_error>, configuration},
      {is<migration_file_error>, migration_file}, {is<provider_mismatch_error>, provider}, {is<baseline_required_error>, baseline},
      {is<failed_migration_error>, failed},       {is<checksum_mismatch_error>, checksum}, {is<migration_failed_error>, migration_failed},
      {is<missing_down_migration_error>, missing_down}, {is<data_loss_error>, data_loss}, {is<migration_state_error>, state},
      {is<migration_error>, migration},
      {is<validation_error>, validation}, {is<schema_error>, schema_err}, {is<not_found_error>, not_found},
      {is<error>, root},
  };

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const interrupted_error &e) {
      // Python's handler runs now; unless it raised something else, the stop stands as Interrupted.
      // A stop seen on a worker thread (a seed's COPY) carries no signal: the one Python's handler
      // names (the CLI's SIGTERM handler raises KeyboardInterrupt("SIGTERM")) is the one to report.
      const int taken = take_keyboard_interrupt(e.signal());
      if (taken >= 0) raise_interrupted(e.what(), e.hint(), e.committed(), taken > 0 ? taken : e.signal() ? e.signal() : SIGINT, py::none());
    } catch (const error &e) {
      for (const auto &entry : mappings()) {
        if (entry.matches(e)) {
          raise(entry.type, e);
          return;
        }
      }
    }
  });
}

}  // namespace carrierdb::bindings
