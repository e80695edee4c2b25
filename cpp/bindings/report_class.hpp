// report_class: binds a C++ report struct as a read-only Python class whose fields are listed once.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>

namespace carrierdb::bindings {
namespace py = pybind11;

/// A pybind11 class for a report (what an operation returns): every field read-only, and the
/// field names, in the order they are bound, kept as the class attribute `__fields__`. That tuple
/// is the one list of the report's fields: python/carrierdb/reports.py derives `to_json()`,
/// `repr()` and `==` from it, so a field added here shows everywhere without being named again.
/// A field whose JSON key differs from its attribute name records it in `__json_names__`.
/// No constructor is bound: reports come from the engine only.
template <class T>
class report_class {
public:
  report_class(py::handle scope, const char *name, const char *doc) : m_class(scope, name, doc) {
    m_class.attr("__json_names__") = py::dict();
  }

  /// A data member of T (or of a base of T), as it is.
  template <class D, class C>
  report_class &field(const char *name, D C::*member, const char *json_key = nullptr) {
    m_class.def_readonly(name, member);
    return record(name, json_key);
  }

  /// A value computed from T (a member function, a derived figure, a name for an enum).
  template <class Getter>
  report_class &field(const char *name, Getter &&get, const char *json_key = nullptr) {
    m_class.def_property_readonly(name, std::forward<Getter>(get));
    return record(name, json_key);
  }

  /// A text member where empty means "none": None in Python, null in JSON.
  template <class C>
  report_class &optional_field(const char *name, std::string C::*member) {
    return field(name, [member](const T &report) -> py::object {
      const std::string &text = report.*member;
      return text.empty() ? py::object(py::none()) : py::object(py::str(text));
    });
  }

private:
  report_class &record(const char *name, const char *json_key) {
    m_fields.append(name);
    m_class.attr("__fields__") = py::tuple(m_fields);
    if (json_key) m_class.attr("__json_names__")[name] = json_key;
    return *this;
  }

  py::class_<T> m_class;
  py::list m_fields;
};

}  // namespace carrierdb::bindings
