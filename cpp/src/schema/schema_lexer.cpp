// schema_lexer: tokens of schema.prisma, with their line and column for error messages.
#include "schema_lexer.hpp"

#include <cctype>

#include "carrierdb/error.hpp"

namespace carrierdb::schema_lexing {

std::string describe(const token &t) {
  switch (t.kind) {
    case tok::ident: return "'" + t.text + "'";
    case tok::string: return "string \"" + t.text + "\"";
    case tok::number: return "number " + t.text;
    case tok::punct: return "'" + t.text + "'";
    case tok::newline: return "end of line";
    case tok::doc: return "doc comment";
    case tok::end: return "end of file";
  }
  return "?";
}

std::vector<token> lexer::run() {
  std::vector<token> out;
  while (m_pos < m_text.size()) {
    const char c = m_text[m_pos];
    token t;
    t.line = m_line;
    t.column = m_column;
    if (c == '\n') {
      t.kind = tok::newline;
      advance();
      out.push_back(t);
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      advance();
    } else if (c == '/' && peek(1) == '/') {
      const bool doc = peek(2) == '/';
      const std::size_t start = m_pos + (doc ? 3 : 2);
      while (m_pos < m_text.size() && m_text[m_pos] != '\n') advance();
      if (doc) {
        t.kind = tok::doc;
        t.text = m_text.substr(start, m_pos - start);
        out.push_back(t);
      }
    } else if (c == '"') {
      t.kind = tok::string;
      advance();
      std::string value;
      for (;;) {
        if (m_pos >= m_text.size() || m_text[m_pos] == '\n')
          throw schema_error("unterminated string", m_file, t.line, t.column, "close the string with \"");
        const char d = m_text[m_pos];
        if (d == '"') {
          advance();
          break;
        }
        if (d == '\\' && m_pos + 1 < m_text.size()) {
          advance();
          const char e = m_text[m_pos];
          value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          advance();
          continue;
        }
        value += d;
        advance();
      }
      t.text = value;
      out.push_back(t);
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      t.kind = tok::ident;
      const std::size_t start = m_pos;
      while (m_pos < m_text.size() && (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_')) advance();
      t.text = m_text.substr(start, m_pos - start);
      out.push_back(t);
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
      t.kind = tok::number;
      const std::size_t start = m_pos;
      advance();
      while (m_pos < m_text.size() && (std::isdigit(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '.')) advance();
      t.text = m_text.substr(start, m_pos - start);
      out.push_back(t);
    } else if (c == '@' && peek(1) == '@') {
      t.kind = tok::punct;
      t.text = "@@";
      advance();
      advance();
      out.push_back(t);
    } else if (std::string("{}()[],=?@:.").find(c) != std::string::npos) {
      t.kind = tok::punct;
      t.text = std::string(1, c);
      advance();
      out.push_back(t);
    } else {
      std::string shown = static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f
                              ? "byte 0x" + hex(static_cast<unsigned char>(c))
                              : std::string("'") + c + "'";
      throw schema_error("unexpected character " + shown, m_file, m_line, m_column);
    }
  }
  token end;
  end.kind = tok::end;
  end.line = m_line;
  end.column = m_column;
  out.push_back(end);
  return out;
}

}  // namespace carrierdb::schema_lexing
