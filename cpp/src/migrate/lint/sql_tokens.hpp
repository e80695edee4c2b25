// sql_tokens: one PostgreSQL statement as words, identifiers, literals and symbols, and a cursor
// over them, for the lint rules (which need keywords and names, never a full parse tree).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace carrierdb::lint_internal {

struct sql_token {
  enum class kind { word, quoted, literal, number, symbol };
  kind type = kind::symbol;
  std::string upper;  // word: upper-cased; symbol: the character(s); otherwise empty
  std::string name;   // word: lower-cased (PostgreSQL folds unquoted names); quoted, '...' literal: as written
  bool is(std::string_view keyword) const { return type == kind::word && upper == keyword; }
  bool is_symbol(char c) const { return type == kind::symbol && upper.size() == 1 && upper[0] == c; }
  bool names_something() const { return type == kind::word || type == kind::quoted; }
};

/// Comments are dropped; strings and dollar-quoted bodies become one literal token each.
std::vector<sql_token> tokenize(std::string_view statement);

/// Reads a token list front to back. Every accessor is safe at the end (it sees an empty symbol).
class token_cursor {
public:
  token_cursor(const std::vector<sql_token> &tokens, std::size_t from = 0, std::size_t to = std::string::npos);
  bool done() const { return m_pos >= m_end; }
  const sql_token &peek(std::size_t ahead = 0) const;
  /// Consumes the keywords if they come next, in order; otherwise consumes nothing.
  bool accept(std::initializer_list<std::string_view> keywords);
  bool accept_symbol(char c);
  /// A possibly schema-qualified name: its last part (folded as PostgreSQL folds it); "" if none.
  std::string name();
  /// Skips a parenthesised group (the cursor on its '('), returning the tokens inside it.
  std::vector<sql_token> group();
  /// Tokens up to the next top-level ',' (not consumed) or the end.
  std::vector<sql_token> until_comma();
  void skip() { ++m_pos; }
  std::size_t position() const { return m_pos; }

private:
  const std::vector<sql_token> &m_tokens;
  std::size_t m_pos;
  std::size_t m_end;
};

/// "VARCHAR(255)", "NUMERIC(10,2)", "TEXT": a type's tokens as one comparable spelling.
std::string type_spelling(const std::vector<sql_token> &tokens);

}  // namespace carrierdb::lint_internal
