// tokenize() and token_cursor: just enough lexing of PostgreSQL for the lint rules.
#include "sql_tokens.hpp"

#include <cctype>

namespace carrierdb::lint_internal {

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

const sql_token k_end{};

}  // namespace

std::vector<sql_token> tokenize(std::string_view sql) {
  std::vector<sql_token> out;
  const std::size_t n = sql.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;
      do {
        if (sql.compare(i, 2, "/*") == 0) ++depth, i += 2;
        else if (sql.compare(i, 2, "*/") == 0) --depth, i += 2;
        else ++i;
      } while (i < n && depth > 0);
    } else if (c == '"') {
      sql_token t{sql_token::kind::quoted, {}, {}};
      for (++i; i < n; ++i) {
        if (sql[i] == '"' && i + 1 < n && sql[i + 1] == '"') t.name += sql[i++];
        else if (sql[i] == '"') break;
        else t.name += sql[i];
      }
      ++i;
      out.push_back(std::move(t));
    } else if (c == '\'') {
      // The text of E'..' keeps its escapes: the rules only compare short settings like '5s'.
      const bool escapes = !out.empty() && out.back().is("E");
      if (escapes) out.pop_back();
      sql_token t{sql_token::kind::literal, {}, {}};
      for (++i; i < n; ++i) {
        if (escapes && sql[i] == '\\') ++i;
        else if (sql[i] == '\'' && i + 1 < n && sql[i + 1] == '\'') ++i;
        else if (sql[i] == '\'') break;
        if (i < n) t.name += sql[i];
      }
      ++i;
      out.push_back(std::move(t));
    } else if (c == '$' && i + 1 < n && !std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      std::size_t j = i + 1;
      while (j < n && ident_char(sql[j]) && sql[j] != '$') ++j;
      if (j < n && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j - i + 1);
        const std::size_t close = sql.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
        out.push_back(sql_token{sql_token::kind::literal, {}, {}});
      } else {
        out.push_back(sql_token{sql_token::kind::symbol, "$", {}});
        ++i;
      }
    } else if (ident_start(c)) {
      sql_token t{sql_token::kind::word, {}, {}};
      for (; i < n && ident_char(sql[i]); ++i) {
        t.upper += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
        t.name += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i])));
      }
      out.push_back(std::move(t));
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      sql_token t{sql_token::kind::number, {}, {}};
      for (; i < n && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '.'); ++i) t.upper += sql[i];
      out.push_back(std::move(t));
    } else {
      out.push_back(sql_token{sql_token::kind::symbol, std::string(1, c), {}});
      ++i;
    }
  }
  return out;
}

token_cursor::token_cursor(const std::vector<sql_token> &tokens, std::size_t from, std::size_t to)
    : m_tokens(tokens), m_pos(from), m_end(to < tokens.size() ? to : tokens.size()) {}

const sql_token &token_cursor::peek(std::size_t ahead) const { return m_pos + ahead < m_end ? m_tokens[m_pos + ahead] : k_end; }

bool token_cursor::accept(std::initializer_list<std::string_view> keywords) {
  std::size_t k = 0;
  for (const auto &word : keywords)
    if (!peek(k++).is(word)) return false;
  m_pos += keywords.size();
  return true;
}

bool token_cursor::accept_symbol(char c) {
  if (!peek().is_symbol(c)) return false;
  ++m_pos;
  return true;
}

std::string token_cursor::name() {
  std::string last;
  while (peek().names_something()) {
    last = peek().name;
    ++m_pos;
    if (!accept_symbol('.')) break;
  }
  return last;
}

std::vector<sql_token> token_cursor::group() {
  std::vector<sql_token> inside;
  if (!accept_symbol('(')) return inside;
  for (int depth = 1; !done(); ++m_pos) {
    if (peek().is_symbol('(')) ++depth;
    if (peek().is_symbol(')') && --depth == 0) {
      ++m_pos;
      break;
    }
    inside.push_back(peek());
  }
  return inside;
}

std::vector<sql_token> token_cursor::until_comma() {
  std::vector<sql_token> part;
  for (int depth = 0; !done(); ++m_pos) {
    if (peek().is_symbol('(')) ++depth;
    if (peek().is_symbol(')')) --depth;
    if (depth == 0 && peek().is_symbol(',')) break;
    part.push_back(peek());
  }
  return part;
}

std::string type_spelling(const std::vector<sql_token> &tokens) {
  std::string out;
  for (const auto &t : tokens) {
    if (t.type == sql_token::kind::quoted) out += t.name;
    else if (t.type == sql_token::kind::word) out += (out.empty() || out.back() == '(' || out.back() == ',' ? "" : " ") + t.upper;
    else out += t.upper;
  }
  // PostgreSQL's own spellings and Prisma's are the same types.
  const auto replace = [&](const std::string &from, const std::string &to) {
    if (out.rfind(from, 0) == 0 && (out.size() == from.size() || !std::isalpha(static_cast<unsigned char>(out[from.size()]))))
      out = to + out.substr(from.size());
  };
  replace("CHARACTER VARYING", "VARCHAR");
  replace("DECIMAL", "NUMERIC");
  replace("INT4", "INTEGER");
  replace("INT", "INTEGER");
  replace("INT8", "BIGINT");
  return out;
}

}  // namespace carrierdb::lint_internal
