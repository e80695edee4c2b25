// find_dropped_objects(): the tables and columns a script drops, read from its statements.
#include "carrierdb/migrate/data_loss.hpp"

#include <algorithm>
#include <cctype>

#include "backend/sql_script.hpp"

namespace carrierdb {

namespace {

// A token of one statement. Only names and punctuation matter here; literals are kept as
// opaque tokens so a quoted 'DROP' in a string is never read as a keyword.
struct token {
  enum kind_t { word, quoted, literal, punct } kind;
  std::string text;  // word: lower-cased; quoted: the name unescaped; punct: the character
};

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// Tokens of one statement (the splitter has already removed what lies between statements).
std::vector<token> tokenize(std::string_view s) {
  std::vector<token> out;
  const std::size_t n = s.size();
  std::size_t i = 0;
  // Reads a quoted run closed by `close`, a doubled `close` standing for one.
  const auto quoted_run = [&](char close) {
    std::string text;
    ++i;
    while (i < n) {
      if (s[i] == close) {
        if (i + 1 < n && s[i + 1] == close && close != ']') {
          text += close;
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      text += s[i++];
    }
    return text;
  };
  while (i < n) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      while (i < n && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      int depth = 0;
      while (i < n) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else if (c == '"' || c == '`' || c == '[') {
      // "..." everywhere; `...` and [...] are SQLite's other identifier quotes.
      out.push_back({token::quoted, quoted_run(c == '[' ? ']' : c)});
    } else if (c == '\'') {
      out.push_back({token::literal, quoted_run('\'')});
    } else if (c == '$' && i + 1 < n && (s[i + 1] == '$' || std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '_')) {
      std::size_t j = i + 1;
      while (j < n && s[j] != '$' && ident_char(s[j])) ++j;
      if (j < n && s[j] == '$') {
        const std::string_view tag = s.substr(i, j - i + 1);
        const std::size_t close = s.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
        out.push_back({token::literal, {}});
      } else {
        out.push_back({token::punct, "$"});
        ++i;
      }
    } else if (ident_char(c)) {
      std::string word;
      while (i < n && ident_char(s[i])) word += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i++])));
      out.push_back({token::word, std::move(word)});
    } else {
      out.push_back({token::punct, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

// A cursor over one statement's tokens.
class reader {
public:
  explicit reader(std::vector<token> tokens) : m_tokens(std::move(tokens)) {}
  bool done() const { return m_at >= m_tokens.size(); }
  bool is_word(const char *w, std::size_t ahead = 0) const {
    return m_at + ahead < m_tokens.size() && m_tokens[m_at + ahead].kind == token::word && m_tokens[m_at + ahead].text == w;
  }
  bool is_punct(char c) const { return !done() && m_tokens[m_at].kind == token::punct && m_tokens[m_at].text[0] == c; }
  void skip() { ++m_at; }
  bool accept_word(const char *w) {
    if (!is_word(w)) return false;
    ++m_at;
    return true;
  }
  bool accept_punct(char c) {
    if (!is_punct(c)) return false;
    ++m_at;
    return true;
  }
  bool accept_if_exists() {
    if (!is_word("if") || !is_word("exists", 1)) return false;
    m_at += 2;
    return true;
  }
  /// A name (unquoted or quoted), or nullptr.
  const std::string *name() {
    if (done() || (m_tokens[m_at].kind != token::word && m_tokens[m_at].kind != token::quoted)) return nullptr;
    return &m_tokens[m_at++].text;
  }
  /// `[[catalog.]schema.]table` into `out`; false when no name follows.
  bool qualified_name(dropped_object &out) {
    std::vector<std::string> parts;
    const std::string *part = name();
    if (!part) return false;
    parts.push_back(*part);
    while (accept_punct('.')) {
      part = name();
      if (!part) break;
      parts.push_back(*part);
    }
    out.table = parts.back();
    out.schema = parts.size() > 1 ? parts[parts.size() - 2] : std::string();
    return true;
  }
  /// Skips to the next top-level comma (consumed) or the end; false at the end.
  bool next_item() {
    int depth = 0;
    while (!done()) {
      if (is_punct('(')) ++depth;
      else if (is_punct(')')) --depth;
      else if (depth == 0 && is_punct(',')) {
        ++m_at;
        return true;
      }
      ++m_at;
    }
    return false;
  }

private:
  std::vector<token> m_tokens;
  std::size_t m_at = 0;
};

// DROP TABLE [IF EXISTS] name [, name ...] [CASCADE | RESTRICT]
void drop_table(reader &r, std::vector<dropped_object> &out) {
  r.accept_if_exists();
  do {
    dropped_object o;
    if (!r.qualified_name(o)) return;
    out.push_back(std::move(o));
  } while (r.accept_punct(','));
}

// ALTER TABLE [IF EXISTS] [ONLY] name [*] action [, action ...]; the actions that drop data
// are DROP [COLUMN] [IF EXISTS] column (DROP CONSTRAINT drops none).
void alter_table(reader &r, std::vector<dropped_object> &out) {
  r.accept_if_exists();
  r.accept_word("only");
  dropped_object table;
  if (!r.qualified_name(table)) return;
  r.accept_punct('*');
  do {
    if (!r.accept_word("drop") || r.is_word("constraint")) continue;
    r.accept_word("column");
    r.accept_if_exists();
    if (const std::string *column = r.name()) {
      dropped_object o = table;
      o.column = *column;
      out.push_back(std::move(o));
    }
  } while (r.next_item());
}

// INSERT INTO target [(...)] SELECT ... FROM source: the first table after the top-level FROM.
void copied_from(reader &r, std::vector<dropped_object> &sources) {
  int depth = 0;
  bool selecting = false;
  while (!r.done()) {
    if (r.is_punct('(')) {
      ++depth;
    } else if (r.is_punct(')')) {
      --depth;
    } else if (depth == 0 && r.is_word("select")) {
      selecting = true;
    } else if (depth == 0 && selecting && r.accept_word("from")) {
      dropped_object source;
      if (r.qualified_name(source)) sources.push_back(std::move(source));
      return;
    }
    r.skip();
  }
}

}  // namespace

std::vector<dropped_object> find_dropped_objects(std::string_view sql) {
  std::vector<dropped_object> drops;
  std::vector<dropped_object> copied;  // tables whose rows were copied out before any drop
  for (const auto &span : internal::split_postgres_script(sql)) {
    reader r(tokenize(sql.substr(span.offset, span.length)));
    if (r.is_word("drop") && r.is_word("table", 1)) {
      r.accept_word("drop");
      r.accept_word("table");
      std::vector<dropped_object> found;
      drop_table(r, found);
      for (auto &o : found) {
        const bool kept = std::any_of(copied.begin(), copied.end(), [&](const dropped_object &c) {
          return c.table == o.table && (c.schema.empty() || o.schema.empty() || c.schema == o.schema);
        });
        if (!kept) drops.push_back(std::move(o));
      }
    } else if (r.is_word("alter") && r.is_word("table", 1)) {
      r.accept_word("alter");
      r.accept_word("table");
      alter_table(r, drops);
    } else if (r.is_word("insert") && r.is_word("into", 1)) {
      copied_from(r, copied);
    }
  }
  return drops;
}

}  // namespace carrierdb
