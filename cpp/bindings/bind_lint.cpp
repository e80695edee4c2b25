// Python face of `migrate lint`: the findings of the static lock-hazard rules over a migrations
// folder. Reads files only: no database.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "report_class.hpp"
#include "carrierdb/migrate/lint.hpp"

#define CARRIERDB_FIELD(type, member) field(#member, &type::member)

namespace carrierdb::bindings {

void init_lint(py::module_ &m) {
  using namespace pybind11::literals;
  report_class<lint_finding>(m, "LintFinding",
                             "One lock hazard in one statement: rule, severity (error or warning), file:line, the lock it takes, "
                             "what that blocks, and the safe rewrite.")
      .CARRIERDB_FIELD(lint_finding, rule).CARRIERDB_FIELD(lint_finding, severity)
      .CARRIERDB_FIELD(lint_finding, migration).CARRIERDB_FIELD(lint_finding, file).CARRIERDB_FIELD(lint_finding, line)
      .CARRIERDB_FIELD(lint_finding, statement).CARRIERDB_FIELD(lint_finding, lock).CARRIERDB_FIELD(lint_finding, blocks)
      .CARRIERDB_FIELD(lint_finding, message).CARRIERDB_FIELD(lint_finding, rewrite);
  m.def(
      "lint_migrations",
      [](const std::string &directory, const std::vector<std::string> &selected) {
        const lint_result r = lint_migrations(directory, selected);
        return py::dict("findings"_a = r.findings, "linted"_a = r.linted, "notes"_a = r.notes);
      },
      "directory"_a, "selected"_a = std::vector<std::string>{},
      "Lints the PostgreSQL migration files of `directory` (`selected` names; empty: all): findings, linted, notes.");
  m.attr("lint_rule_names") = lint_rule_names();
}

}  // namespace carrierdb::bindings

#undef CARRIERDB_FIELD
