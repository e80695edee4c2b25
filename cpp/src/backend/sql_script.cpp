// split_postgres_script(): a small lexer that finds statement boundaries in PostgreSQL SQL.
#include "sql_script.hpp"

#include <cctype>
#include <string>

namespace carrierdb::internal {

namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }

bool word_at(std::string_view sql, std::size_t i, std::string_view word) {
  if (i + word.size() > sql.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (std::toupper(static_cast<unsigned char>(sql[i + k])) != word[k]) return false;
  if (i > 0 && ident_char(sql[i - 1])) return false;
  return i + word.size() == sql.size() || !ident_char(sql[i + word.size()]);
}

}  // namespace

std::vector<statement_span> split_postgres_script(std::string_view sql) {
  std::vector<statement_span> out;
  const std::size_t n = sql.size();
  std::size_t i = 0;
  int line = 1;
  bool have_start = false;    // seen a significant character in the current statement
  statement_span current;
  int atomic_depth = 0;       // inside BEGIN ATOMIC ... END, or a CREATE TRIGGER ... BEGIN ... END body
  bool saw_begin = false;     // previous word was BEGIN (waiting for ATOMIC)
  int paren_depth = 0;        // psql splits only outside parentheses (CREATE RULE ... DO (a; b))
  int words = 0;              // words seen in the current statement
  bool trigger = false;       // the statement is CREATE [TEMP] TRIGGER (SQLite bodies use BEGIN ... END)

  const auto mark_start = [&] {
    if (!have_start) {
      have_start = true;
      current.offset = i;
      current.line = line;
    }
  };
  const auto advance = [&](std::size_t count) {
    for (std::size_t k = 0; k < count && i < n; ++k, ++i)
      if (sql[i] == '\n') ++line;
  };

  while (i < n) {
    const char c = sql[i];
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;
      while (i < n) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
          ++depth;
          advance(2);
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
          advance(2);
          if (--depth == 0) break;
        } else {
          advance(1);
        }
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      advance(1);
      continue;
    }
    if (c == ';' && atomic_depth == 0 && paren_depth == 0) {
      if (have_start) {
        current.length = i - current.offset;
        while (current.length > 0 && std::isspace(static_cast<unsigned char>(sql[current.offset + current.length - 1])))
          --current.length;
        out.push_back(current);
      }
      have_start = false;
      saw_begin = false;
      words = 0;
      trigger = false;
      advance(1);
      continue;
    }
    mark_start();
    if (c == '(') ++paren_depth;
    if (c == ')' && paren_depth > 0) --paren_depth;
    if (c == '\'' || c == '"') {
      // E'...' strings take backslash escapes; standard strings and identifiers do not.
      const bool escapes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                           (i < 2 || !ident_char(sql[i - 2]));
      advance(1);
      while (i < n) {
        if (escapes && sql[i] == '\\') {
          advance(2);
        } else if (sql[i] == c) {
          if (i + 1 < n && sql[i + 1] == c) {
            advance(2);
          } else {
            advance(1);
            break;
          }
        } else {
          advance(1);
        }
      }
      saw_begin = false;
      continue;
    }
    if (c == '$' && (i == 0 || !ident_char(sql[i - 1]))) {
      // $tag$ where tag is empty or an identifier not starting with a digit ($1 is a parameter).
      std::size_t j = i + 1;
      if (j < n && !std::isdigit(static_cast<unsigned char>(sql[j]))) {
        while (j < n && ident_char(sql[j]) && sql[j] != '$') ++j;
        if (j < n && sql[j] == '$') {
          const std::string_view tag = sql.substr(i, j - i + 1);
          const std::size_t close = sql.find(tag, j + 1);
          const std::size_t end = close == std::string_view::npos ? n : close + tag.size();
          advance(end - i);
          saw_begin = false;
          continue;
        }
      }
      advance(1);
      continue;
    }
    if (ident_char(c)) {
      std::size_t j = i;
      while (j < n && ident_char(sql[j])) ++j;
      ++words;
      if (words <= 3 && word_at(sql, i, "TRIGGER")) trigger = true;
      if (saw_begin && word_at(sql, i, "ATOMIC")) {
        ++atomic_depth;
      } else if (trigger && atomic_depth == 0 && word_at(sql, i, "BEGIN")) {
        ++atomic_depth;
      } else if (atomic_depth > 0 && word_at(sql, i, "CASE")) {
        ++atomic_depth;
      } else if (atomic_depth > 0 && word_at(sql, i, "END")) {
        --atomic_depth;
      }
      saw_begin = word_at(sql, i, "BEGIN");
      advance(j - i);
      continue;
    }
    saw_begin = false;
    advance(1);
  }
  if (have_start) {
    current.length = n - current.offset;
    // Trailing blanks are not part of the statement.
    while (current.length > 0 && std::isspace(static_cast<unsigned char>(sql[current.offset + current.length - 1])))
      --current.length;
    out.push_back(current);
  }
  return out;
}

bool is_transaction_control(std::string_view statement) {
  std::size_t i = 0;
  const auto next_word = [&]() {
    while (i < statement.size() && !std::isalpha(static_cast<unsigned char>(statement[i]))) ++i;
    std::string word;
    while (i < statement.size() && std::isalpha(static_cast<unsigned char>(statement[i])))
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i++])));
    return word;
  };
  const std::string first = next_word();
  if (first == "BEGIN") return next_word() != "ATOMIC";
  if (first == "START") return next_word() == "TRANSACTION";
  if (first == "COMMIT" || first == "END" || first == "ABORT") return true;
  if (first == "ROLLBACK") {
    const std::string second = next_word();
    return second != "TO" && !(second == "TRANSACTION" && next_word() == "TO") && !(second == "WORK" && next_word() == "TO");
  }
  return false;
}

std::vector<std::string> squeezed_statements(std::string_view sql) {
  std::vector<std::string> out;
  for (const statement_span &span : split_postgres_script(sql)) {
    std::string squeezed;
    for (char c : sql.substr(span.offset, span.length))
      if (!std::isspace(static_cast<unsigned char>(c))) squeezed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(std::move(squeezed));
  }
  return out;
}

}  // namespace carrierdb::internal
