// keyword_options: the one check that every keyword of an options call names a known option.
#include "keyword_options.hpp"

#include <algorithm>

#include "carrierdb/error.hpp"

namespace carrierdb::bindings {

keyword_options::keyword_options(std::string what, const py::kwargs &kwargs) : m_what(std::move(what)), m_kwargs(kwargs) {}

void keyword_options::finish() const {
  if (m_taken == py::len(m_kwargs)) return;
  std::string unknown, known;
  for (auto item : m_kwargs) {
    const std::string name = py::str(item.first);
    if (std::find(m_known.begin(), m_known.end(), name) != m_known.end()) continue;
    unknown += (unknown.empty() ? "" : ", ") + name;
  }
  for (const auto &name : m_known) known += (known.empty() ? "" : ", ") + name;
  throw configuration_error("unknown " + m_what + " option(s): " + unknown + "; known: " + known);
}

void keyword_options::wrong_type(const char *name, const char *expected, const py::object &given) const {
  throw configuration_error(m_what + " option " + name + " takes " + expected + ", not " +
                            std::string(py::str(given.get_type().attr("__name__"))) + " " + std::string(py::repr(given)));
}

}  // namespace carrierdb::bindings
