// sqlite_table_sql: a small tokenizer over CREATE TABLE text, enough to find CONSTRAINT "name"
// FOREIGN KEY (...) and CHECK (col IN ('a', ...)). See sqlite_table_sql.hpp.
#include "sqlite_table_sql.hpp"

#include <cctype>
#include <cstddef>

namespace carrierdb::internal {

namespace {

struct token {
  enum class kind { word, name, text, punct } what;  // word: bare (keyword or identifier); name: quoted identifier
  std::string text;
};

// Reads a quoted run ending at `close`, a doubled `close` standing for itself.
std::string read_quoted(const std::string &s, std::size_t &i, char close) {
  std::string out;
  for (++i; i < s.size(); ++i) {
    if (s[i] != close) {
      out += s[i];
      continue;
    }
    if (close != ']' && i + 1 < s.size() && s[i + 1] == close) {
      out += close;
      ++i;
      continue;
    }
    ++i;
    break;
  }
  return out;
}

std::vector<token> tokenize(const std::string &s) {
  std::vector<token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      const std::size_t end = s.find("*/", i + 2);
      i = end == std::string::npos ? s.size() : end + 2;
    } else if (c == '"' || c == '`' || c == '[') {
      out.push_back({token::kind::name, read_quoted(s, i, c == '[' ? ']' : c)});
    } else if (c == '\'') {
      out.push_back({token::kind::text, read_quoted(s, i, '\'')});
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      std::string word;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '$')) word += s[i++];
      out.push_back({token::kind::word, word});
    } else {
      out.push_back({token::kind::punct, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

bool is_keyword(const token &t, const char *keyword) {
  if (t.what != token::kind::word) return false;
  std::size_t k = 0;
  for (; keyword[k] && k < t.text.size(); ++k)
    if (std::toupper(static_cast<unsigned char>(t.text[k])) != keyword[k]) return false;
  return !keyword[k] && k == t.text.size();
}

bool is_identifier(const token &t) { return t.what == token::kind::name || t.what == token::kind::word; }
bool is_punct(const token &t, char c) { return t.what == token::kind::punct && t.text[0] == c; }

// A parenthesised, comma-separated list of tokens accepted by `item`, from `i` (at the "(");
// on success `i` is past the ")".
template <class Accept>
bool read_list(const std::vector<token> &t, std::size_t &i, Accept item, std::vector<std::string> &out) {
  if (i >= t.size() || !is_punct(t[i], '(')) return false;
  for (++i; i < t.size(); ++i) {
    if (!item(t[i])) return false;
    out.push_back(t[i].text);
    if (++i >= t.size()) return false;
    if (is_punct(t[i], ')')) {
      ++i;
      return true;
    }
    if (!is_punct(t[i], ',')) return false;
  }
  return false;
}

}  // namespace

table_sql_facts read_table_sql(const std::string &create_sql) {
  const std::vector<token> t = tokenize(create_sql);
  table_sql_facts out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (is_keyword(t[i], "AUTOINCREMENT")) out.autoincrement = true;
    // CONSTRAINT name FOREIGN KEY (columns)
    if (is_keyword(t[i], "CONSTRAINT") && i + 3 < t.size() && is_identifier(t[i + 1]) && is_keyword(t[i + 2], "FOREIGN") &&
        is_keyword(t[i + 3], "KEY")) {
      std::size_t at = i + 4;
      std::vector<std::string> columns;
      if (read_list(t, at, is_identifier, columns)) out.foreign_key_names.emplace_back(columns, t[i + 1].text);
      continue;
    }
    // CHECK ( column IN ('a', 'b') )
    if (is_keyword(t[i], "CHECK") && i + 4 < t.size() && is_punct(t[i + 1], '(') && is_identifier(t[i + 2]) &&
        is_keyword(t[i + 3], "IN")) {
      std::size_t at = i + 4;
      std::vector<std::string> values;
      const auto is_text = [](const token &x) { return x.what == token::kind::text; };
      if (read_list(t, at, is_text, values) && at < t.size() && is_punct(t[at], ')'))
        out.value_lists.emplace_back(t[i + 2].text, values);
    }
  }
  return out;
}

}  // namespace carrierdb::internal
