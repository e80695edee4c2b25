// Splitting a PostgreSQL script into statements, the way psql does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace carrierdb::internal {

struct statement_span {
  std::size_t offset = 0;  // first significant character (comments before it excluded)
  std::size_t length = 0;  // up to, not including, the terminating ';'
  int line = 1;            // 1-based line of `offset`
};

/// Splits on top-level semicolons, honouring quotes ('...', E'...', "..."), dollar quotes
/// ($$...$$, $tag$...$tag$), line and nested block comments, and BEGIN ATOMIC ... END bodies.
/// Statements made only of comments and blanks are dropped. Never throws on malformed input:
/// an unterminated quote or comment runs to the end and reaches the server, which reports it.
std::vector<statement_span> split_postgres_script(std::string_view sql);

/// Each statement of `sql` (as split_postgres_script finds them: comments and strings do not make
/// one) without whitespace and in lowercase, for recognising a statement's form ("pragmaforeign_keys=off").
std::vector<std::string> squeezed_statements(std::string_view sql);

/// True when the statement controls the transaction itself (BEGIN, START TRANSACTION, COMMIT,
/// END, ROLLBACK, ABORT; not ROLLBACK TO SAVEPOINT): such a script cannot run inside a
/// transaction of ours without ending it.
bool is_transaction_control(std::string_view statement);

}  // namespace carrierdb::internal
