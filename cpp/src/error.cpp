// Constructors of the carrierdb error hierarchy.
#include "carrierdb/error.hpp"

#include <type_traits>

namespace carrierdb {

error::error(const std::string &message, std::string hint)
    : std::runtime_error(message), m_hint(std::move(hint)) {}

database_error::database_error(const std::string &message, diagnostics diag, std::string hint)
    : error(message, std::move(hint)), m_diag(std::move(diag)) {}

migration_error::migration_error(const std::string &message, migration_context ctx, std::string hint)
    : error(message, std::move(hint)), m_ctx(std::move(ctx)) {}

data_loss_error::data_loss_error(const std::string &message, migration_context ctx, std::vector<data_loss_entry> losses, std::string hint)
    : migration_error(message, std::move(ctx), std::move(hint)), m_losses(std::move(losses)) {}

schema_error::schema_error(const std::string &message, std::string file, int line, int column, std::string hint)
    : error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message, std::move(hint)),
      m_file(std::move(file)), m_line(line), m_column(column) {}

interrupted_error::interrupted_error(const std::string &message, int signal, bool committed, std::string hint)
    : error(message, std::move(hint)), m_signal(signal), m_committed(committed) {}

namespace {
// A seed row's offending value, quoted so blanks show; long values are cut, as the report is
// read on a terminal (the whole value is in the issue's `value`).
std::string shown_value(const std::string &value) {
  constexpr std::size_t k_max = 80;
  if (value.size() <= k_max) return "\"" + value + "\"";
  std::size_t cut = k_max;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return "\"" + value.substr(0, cut) + "...\" (" + std::to_string(value.size()) + " bytes)";
}

std::string describe_issues(const std::string &model, const std::vector<validation_issue> &issues) {
  std::string text = std::to_string(issues.size()) + " validation issue" + (issues.size() == 1 ? "" : "s") + " for " + model + ":";
  for (const auto &issue : issues) {
    std::string path;
    for (const auto &p : issue.path) path += (path.empty() ? "" : ".") + p;
    text += "\n  - " + (issue.row.empty() ? "" : issue.row + ": ") + (path.empty() ? "(record)" : path) + ": " + issue.message + " [" + issue.code + "]";
    if (!issue.value.empty()) text += " (value: " + shown_value(issue.value) + ")";
  }
  return text;
}
}  // namespace

validation_error::validation_error(const std::string &model, std::vector<validation_issue> issues)
    : error(describe_issues(model, issues), "fix the listed fields; every issue is reported, not only the first"),
      m_model(model), m_issues(std::move(issues)) {}

namespace {

// Throws `e`'s message and diagnostics anew as the first of `Classes` that `e` is an instance of,
// or as a plain database_error.
template <class... Classes>
[[noreturn]] void rethrow_as_first_match(const database_error &e, const std::string &message, diagnostics &diag) {
  const auto rethrow_if = [&](auto *tag) {
    using cls = std::remove_pointer_t<decltype(tag)>;
    if (dynamic_cast<const cls *>(&e)) throw cls(message, std::move(diag), e.hint());
  };
  (rethrow_if(static_cast<Classes *>(nullptr)), ...);
  throw database_error(message, std::move(diag), e.hint());
}

}  // namespace

void rethrow_with_context(const database_error &e, const std::string &message, diagnostics diag) {
  // Most derived first: the first match decides the class.
  rethrow_as_first_match<unique_violation, foreign_key_violation, not_null_violation, check_violation, integrity_error,
                         timeout_error, connection_error, read_only_error, operational_error, programming_error, data_error,
                         internal_error>(e, message, diag);
}

}  // namespace carrierdb
