// postgres_errors: SQLSTATE codes and the server's message fields mapped to the error tree.
#include "postgres_errors.hpp"

#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "carrierdb/interrupt.hpp"
#include "pattern.hpp"

namespace carrierdb::internal {

void parse_server_message(const std::string &message, diagnostics &diag, std::string &server_hint) {
  diag.server_message = message;
  while (!diag.server_message.empty() && diag.server_message.back() == '\n') diag.server_message.pop_back();
  std::size_t pos = 0;
  while (pos < message.size()) {
    const auto end = message.find('\n', pos);
    const std::string line = message.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (line.rfind("DETAIL:", 0) == 0) diag.detail = line.substr(line.find_first_not_of(' ', 7));
    if (line.rfind("HINT:", 0) == 0) server_hint = line.substr(line.find_first_not_of(' ', 5));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  static const auto constraint_re = pattern::compile(R"re(constraint "([^"]+)")re", "", pattern::unit::bytes);
  static const auto relation_re = pattern::compile(R"re(relation "([^"]+)")re", "", pattern::unit::bytes);
  static const auto key_re = pattern::compile(R"(Key \((.*)\)=\((.*)\) (already exists|is not present))", "", pattern::unit::bytes);
  static const auto column_re = pattern::compile(R"re(column "([^"]+)")re", "", pattern::unit::bytes);
  std::vector<std::optional<std::string_view>> m;
  if (constraint_re->search(message, m)) diag.constraint = std::string(*m[1]);
  if (relation_re->search(message, m)) diag.table = std::string(*m[1]);
  // DETAIL:  Key (a, b)=(x, y) already exists.   (unique and foreign-key violations)
  if (key_re->search(diag.detail, m)) {
    const auto split = [](std::string_view s) {
      std::vector<std::string> parts;
      std::size_t start = 0;
      for (std::size_t k; (k = s.find(", ", start)) != std::string_view::npos; start = k + 2) parts.emplace_back(s.substr(start, k - start));
      parts.emplace_back(s.substr(start));
      return parts;
    };
    diag.columns = split(*m[1]);
    diag.values = split(*m[2]);
    // A value containing ", " makes the split ambiguous: keep the values as one string.
    if (diag.values.size() != diag.columns.size()) diag.values = {std::string(*m[2])};
  }
  // CONTEXT:  COPY t, line 3[, column c: "..."]: in a binary COPY too, the 3rd row sent.
  static const auto copy_line_re = pattern::compile(R"(\nCONTEXT:  COPY .*?, line (\d+))", "", pattern::unit::bytes);
  if (copy_line_re->search(message, m)) diag.copy_row = std::strtoll(std::string(*m[1]).c_str(), nullptr, 10);
  // not-null violations: null value in column "name" of relation "carriers"
  if (diag.columns.empty() && column_re->search(message, m)) diag.columns = {std::string(*m[1])};
}

[[noreturn]] void throw_sql_error(const std::string &message, const std::string &sqlstate, diagnostics diag, const connection &conn) {
  std::string server_hint;
  parse_server_message(message, diag, server_hint);
  diag.sqlstate = sqlstate;
  std::string text = diag.server_message;
  if (text.rfind("ERROR:", 0) == 0) text = text.substr(text.find_first_not_of(' ', 6));
  text = mask_secrets(text);
  const std::string cls = sqlstate.substr(0, 2);
  if (sqlstate == "23505") throw unique_violation(text, diag, server_hint);
  if (sqlstate == "23503") throw foreign_key_violation(text, diag, server_hint);
  if (sqlstate == "23502") throw not_null_violation(text, diag, server_hint);
  if (sqlstate == "23514") throw check_violation(text, diag, server_hint);
  if (cls == "23") throw integrity_error(text, diag, server_hint);
  // Cancelled on our own request (Ctrl-C, SIGTERM), not by statement_timeout.
  if (sqlstate == "57014" && interrupt_requested())
    throw interrupted_error("interrupted: the server cancelled the running statement", interrupt_signal());
  if (sqlstate == "25006") {  // read_only_sql_transaction
    read_only_state state = conn.read_only_reason();
    if (!state)
      state = {"the transaction is read-only (BEGIN READ ONLY, or transaction_read_only set in it)",
               "run writes in a read-write transaction, or point DATABASE_URL at a writable primary server"};
    conn.throw_read_only(state, text, diag);
  }
  if (sqlstate == "57014") throw timeout_error(text, diag, server_hint.empty() ? "raise statement_timeout, or make the statement cheaper" : server_hint);
  if (sqlstate == "55P03") throw timeout_error(text, diag, server_hint);
  if (sqlstate == "08P01" && text.find("bind message supplies") != std::string::npos)
    throw programming_error("wrong number of parameters: " + text, diag, "pass one value per $n placeholder");
  if (cls == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03")
    throw connection_error(text, diag, server_hint);
  if (cls == "42" || cls == "0A" || cls == "26" || cls == "34" || cls == "3D" || cls == "3F")
    throw programming_error(text, diag, server_hint);
  if (cls == "22") throw data_error(text, diag, server_hint);
  if (cls == "40" || cls == "53" || cls == "54" || cls == "55" || cls == "57" || cls == "58")
    throw operational_error(text, diag, server_hint);
  if (cls == "XX") throw internal_error(text, diag, server_hint);
  throw database_error(text, diag, server_hint);
}

}  // namespace carrierdb::internal
