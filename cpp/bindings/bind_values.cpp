// Conversion between Python objects and SQL values, in both directions.
#include <ctime>
#include <limits>

#include "carrierdb/schema/validation.hpp"
#include "carrierdb/time.hpp"

#include "bindings.hpp"
// After Python.h (through bindings.hpp), as the C API requires.
#include <datetime.h>

namespace carrierdb::bindings {

namespace {

// Python types and functions looked up once. Leaked on purpose: they must outlive every
// caller, and destroying them at exit without the GIL would crash.
struct python_types {
  py::object decimal, datetime, date, time, timezone_utc, json_dumps, json_loads;
  py::object datetime_fromisoformat, date_fromisoformat, datetime_fromtimestamp;
};

python_types *g_types = nullptr;

const python_types &types() { return *g_types; }

python_types *build_types() {
  return [] {
    auto *p = new python_types();
    py::module_ dt = py::module_::import("datetime");
    py::module_ json = py::module_::import("json");
    p->decimal = py::module_::import("decimal").attr("Decimal");
    p->datetime = dt.attr("datetime");
    p->date = dt.attr("date");
    p->time = dt.attr("time");
    p->timezone_utc = dt.attr("timezone").attr("utc");
    p->json_dumps = json.attr("dumps");
    p->json_loads = json.attr("loads");
    p->datetime_fromisoformat = p->datetime.attr("fromisoformat");
    p->date_fromisoformat = p->date.attr("fromisoformat");
    p->datetime_fromtimestamp = p->datetime.attr("fromtimestamp");
    return p;
  }();
}

// PostgreSQL prints "+00" offsets and 1-6 fractional digits; Python before 3.11 wants "+00:00"
// and exactly 3 or 6 digits. Normalise to what every supported Python accepts.
std::string normalise_timestamp(std::string s) {
  if (s.size() > 10 && s[10] == 'T') s[10] = ' ';
  if (!s.empty() && s.back() == 'Z') s.replace(s.size() - 1, 1, "+00:00");
  const auto sign = s.find_last_of("+-");
  std::string offset;
  if (sign != std::string::npos && sign > 10) {
    offset = s.substr(sign);
    s.resize(sign);
    if (offset.size() == 3) offset += ":00";
  }
  const auto dot = s.find('.');
  if (dot != std::string::npos) {
    std::string frac = s.substr(dot + 1);
    frac = frac.size() > 6 ? frac.substr(0, 6) : frac + std::string(6 - frac.size(), '0');
    s = s.substr(0, dot + 1) + frac;
  }
  return s + offset;
}

}  // namespace

void init_values(py::module_ &) {
  // Built here, at import, under the GIL: a lazily built static could deadlock when the
  // import inside it lets another thread run into the same initialisation.
  if (!g_types) g_types = build_types();
  PyDateTime_IMPORT;
}

namespace {

// A naive UTC datetime straight from the C API: a result row carries two timestamps per carrier,
// and going through datetime.fromisoformat() costs several times more.
py::object naive_utc_datetime(std::int64_t unix_ms) {
  const utc_time u = utc_from_unix_ms(unix_ms);
  PyObject *o = PyDateTime_FromDateAndTime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.millisecond * 1000);
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

// "YYYY-MM-DD HH:MM:SS[.ffffff]" without an offset, as PostgreSQL prints timestamp(n).
bool plain_timestamp(const std::string &s, py::object &out) {
  if (s.size() < 19 || s.size() > 26 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
    return false;
  int micros = 0;
  if (s.size() > 19) {
    if (s[19] != '.') return false;
    std::string frac = s.substr(20);
    if (frac.find_first_not_of("0123456789") != std::string::npos) return false;
    frac.resize(6, '0');
    micros = std::stoi(frac);
  }
  const auto num = [&](std::size_t at, std::size_t len) { return std::stoi(s.substr(at, len)); };
  PyObject *o = PyDateTime_FromDateAndTime(num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2), micros);
  if (!o) {
    PyErr_Clear();
    return false;
  }
  out = py::reinterpret_steal<py::object>(o);
  return true;
}

}  // namespace

std::string utf8_of(const py::handle &text) {
  Py_ssize_t size = 0;
  if (const char *data = PyUnicode_AsUTF8AndSize(text.ptr(), &size)) return std::string(data, static_cast<std::size_t>(size));
  if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) throw py::error_already_set();
  PyErr_Clear();
  // U+DC80..U+DCFF stand for the bytes surrogateescape decoded them from: those bytes come back,
  // so the report shows what the file held. Other surrogates keep their 3-byte form.
  PyObject *bytes = PyUnicode_AsEncodedString(text.ptr(), "utf-8", "surrogateescape");
  if (!bytes) {
    PyErr_Clear();
    bytes = PyUnicode_AsEncodedString(text.ptr(), "utf-8", "surrogatepass");
  }
  if (!bytes) throw py::error_already_set();
  std::string out(PyBytes_AS_STRING(bytes), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes)));
  Py_DECREF(bytes);
  return out;
}

value to_value(const py::handle &obj, std::size_t index) {
  if (obj.is_none()) return std::monostate{};
  if (PyBool_Check(obj.ptr())) return obj.ptr() == Py_True;
  if (PyLong_Check(obj.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow) return py::str(obj).cast<std::string>();  // beyond int64: let the server parse it as numeric
    return static_cast<std::int64_t>(v);
  }
  if (PyFloat_Check(obj.ptr())) return PyFloat_AS_DOUBLE(obj.ptr());
  if (PyUnicode_Check(obj.ptr())) return utf8_of(obj);
  const python_types &t = types();
  if (py::isinstance(obj, t.decimal)) return py::str(obj).cast<std::string>();
  if (py::isinstance(obj, t.datetime)) {
    // Aware datetimes are stored in UTC; naive ones are taken as they are.
    py::object v = py::reinterpret_borrow<py::object>(obj);
    if (!v.attr("tzinfo").is_none()) v = v.attr("astimezone")(t.timezone_utc).attr("replace")(py::arg("tzinfo") = py::none());
    return v.attr("isoformat")(py::str(" "), py::str("milliseconds")).cast<std::string>();
  }
  if (py::isinstance(obj, t.date)) return obj.attr("isoformat")().cast<std::string>();
  if (PyBytes_Check(obj.ptr()) || PyByteArray_Check(obj.ptr()) || PyMemoryView_Check(obj.ptr()))
  {
    PyObject *copy = PyBytes_FromObject(obj.ptr());  // bytearray and memoryview (buffer protocol) too
    if (!copy) throw py::error_already_set();
    byte_string out{std::string(PyBytes_AS_STRING(copy), static_cast<std::size_t>(PyBytes_GET_SIZE(copy)))};
    Py_DECREF(copy);
    return out;
  }
  if (PyDict_Check(obj.ptr()) || PyList_Check(obj.ptr())) return t.json_dumps(obj).cast<std::string>();
  throw py::type_error("parameter $" + std::to_string(index + 1) + ": cannot pass a " +
                       std::string(py::str(py::type::handle_of(obj).attr("__name__"))) +
                       " to SQL (use None, bool, int, float, str, bytes, Decimal, datetime, date, dict or list)");
}

namespace {

// Whether a list holds a dict anywhere: then it is a JSON document, not a list of plain values.
bool holds_dict(const py::handle &seq) {
  for (auto item : py::reinterpret_borrow<py::sequence>(seq)) {
    if (PyDict_Check(item.ptr())) return true;
    if ((PyList_Check(item.ptr()) || PyTuple_Check(item.ptr())) && holds_dict(item)) return true;
  }
  return false;
}

}  // namespace

value to_field_value(const py::handle &obj, std::size_t index) {
  // A list of plain values stays a list: a scalar list field takes it element by element, a Json
  // field as a JSON array. One holding dicts is JSON text, as before lists had a value type.
  if ((PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) && !holds_dict(obj)) {
    value_list out;
    const auto n = PySequence_Size(obj.ptr());
    out.items.reserve(static_cast<std::size_t>(n));
    for (auto item : py::reinterpret_borrow<py::sequence>(obj)) out.items.push_back(to_field_value(item, index));
    return out;
  }
  return to_value(obj, index);
}

record to_record(const py::handle &obj) {
  if (!PyDict_Check(obj.ptr())) throw py::type_error("expected a dict of field values");
  record out;
  std::size_t k = 0;
  for (auto item : py::reinterpret_borrow<py::dict>(obj)) {
    if (!PyUnicode_Check(item.first.ptr())) throw py::type_error("field names must be strings");
    out.emplace_back(utf8_of(item.first), to_field_value(item.second, k++));
  }
  return out;
}

std::shared_ptr<py::object> hold(py::object callable) {
  return std::shared_ptr<py::object>(new py::object(std::move(callable)), [](py::object *p) {
    if (!Py_IsInitialized()) return;  // interpreter gone: leak rather than crash at exit
    py::gil_scoped_acquire gil;
    delete p;
  });
}

params to_params(const py::handle &seq) {
  params out;
  if (seq.is_none()) return out;
  if (PyUnicode_Check(seq.ptr()) || PyBytes_Check(seq.ptr()) || !PySequence_Check(seq.ptr()))
    throw py::type_error("params must be a list or tuple of values, one per $n placeholder");
  const auto n = PySequence_Size(seq.ptr());
  out.reserve(static_cast<std::size_t>(n));
  py::sequence s = py::reinterpret_borrow<py::sequence>(seq);
  for (Py_ssize_t k = 0; k < n; ++k) out.push_back(to_value(s[k], static_cast<std::size_t>(k)));
  return out;
}

py::object to_python(const value &v, column_kind kind) {
  if (is_null(v)) return py::none();
  if (auto b = std::get_if<bool>(&v)) return py::bool_(*b);
  const python_types &t = types();
  if (auto i = std::get_if<std::int64_t>(&v)) {
    switch (kind) {
      case column_kind::boolean: return py::bool_(*i != 0);
      case column_kind::numeric: return t.decimal(py::int_(*i));
      case column_kind::timestamp: return naive_utc_datetime(*i);  // Prisma stores SQLite DateTime as Unix milliseconds
      case column_kind::timestamptz: {
        py::object aware = t.datetime_fromtimestamp(py::float_(static_cast<double>(*i) / 1000.0), t.timezone_utc);
        return aware;
      }
      default: return py::int_(*i);
    }
  }
  if (auto d = std::get_if<double>(&v)) {
    if (kind == column_kind::numeric) return t.decimal(py::str(py::float_(*d)));
    return py::float_(*d);
  }
  if (auto b = std::get_if<byte_string>(&v)) return py::bytes(b->octets);
  if (auto l = std::get_if<value_list>(&v)) {  // a scalar list: its elements typed by the column's kind
    py::list out(l->items.size());
    for (std::size_t k = 0; k < l->items.size(); ++k) out[k] = to_python(l->items[k], kind);
    return std::move(out);
  }
  const std::string &s = std::get<std::string>(v);
  try {
    switch (kind) {
      case column_kind::numeric: return t.decimal(py::str(s));
      case column_kind::timestamp:
      case column_kind::timestamptz: {
        py::object fast;
        if (kind == column_kind::timestamp && plain_timestamp(s, fast)) return fast;
        py::object parsed = t.datetime_fromisoformat(py::str(normalise_timestamp(s)));
        if (kind == column_kind::timestamp && !parsed.attr("tzinfo").is_none())
          parsed = parsed.attr("astimezone")(t.timezone_utc).attr("replace")(py::arg("tzinfo") = py::none());
        return parsed;
      }
      case column_kind::date: return t.date_fromisoformat(py::str(s));
      case column_kind::json: return t.json_loads(py::str(s));
      case column_kind::bytes:
        if (s.rfind("\\x", 0) == 0) return py::module_::import("builtins").attr("bytes").attr("fromhex")(py::str(s.substr(2)));
        return py::bytes(s);
      default: break;
    }
  } catch (const py::error_already_set &) {
    // "infinity", out-of-range years and other values Python cannot represent stay text.
  }
  PyObject *text = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape");
  if (!text) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(text);
}

py::list rows_to_dicts(const result &r) {
  std::vector<py::str> names;
  names.reserve(r.columns.size());
  for (const auto &c : r.columns) names.emplace_back(c.name);
  py::list out(r.rows.size());
  for (std::size_t k = 0; k < r.rows.size(); ++k) {
    py::dict row;
    const auto &cells = r.rows[k];
    for (std::size_t c = 0; c < cells.size(); ++c) row[names[c]] = to_python(cells[c], r.columns[c].kind);
    out[k] = std::move(row);
  }
  return out;
}

py::list rows_to_tuples(const result &r) {
  py::list out(r.rows.size());
  for (std::size_t k = 0; k < r.rows.size(); ++k) {
    const auto &cells = r.rows[k];
    py::tuple row(cells.size());
    for (std::size_t c = 0; c < cells.size(); ++c) row[c] = to_python(cells[c], r.columns[c].kind);
    out[k] = std::move(row);
  }
  return out;
}

}  // namespace carrierdb::bindings
