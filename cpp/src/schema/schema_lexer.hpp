// schema_lexer: splits a schema.prisma file into tokens for the schema parser.
#pragma once

#include <string>
#include <vector>

namespace carrierdb::schema_lexing {

enum class tok { ident, string, number, punct, newline, doc, end };

struct token {
  tok kind = tok::end;
  std::string text;
  int line = 1;
  int column = 1;
};

/// How a token reads in an error message ("'model'", "end of line", ...).
std::string describe(const token &t);

// Splits the file into tokens. Newlines are tokens: a field ends at the end of its line.
class lexer {
public:
  lexer(const std::string &text, const std::string &file) : m_text(text), m_file(file) {}

  /// Every token, ending with one of kind `end`. Throws schema_error at an unexpected character
  /// or an unterminated string.
  std::vector<token> run();

private:
  static std::string hex(unsigned char b) {
    static const char digits[] = "0123456789abcdef";
    return {digits[b >> 4], digits[b & 0xF]};
  }
  char peek(std::size_t ahead) const { return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0'; }
  void advance() {
    if (m_text[m_pos] == '\n') {
      ++m_line;
      m_column = 1;
    } else {
      ++m_column;
    }
    ++m_pos;
  }

  const std::string &m_text;
  const std::string &m_file;
  std::size_t m_pos = 0;
  int m_line = 1;
  int m_column = 1;
};

}  // namespace carrierdb::schema_lexing
