// schema_parser: reads the data-model subset of Prisma's schema language, with zod rules in /// comments.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "pattern.hpp"

namespace carrierdb {

namespace {

enum class tok { ident, string, number, punct, newline, doc, end };

struct token {
  tok kind = tok::end;
  std::string text;
  int line = 1;
  int column = 1;
};

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

// Splits the file into tokens. Newlines are tokens: a field ends at the end of its line.
class lexer {
public:
  lexer(const std::string &text, const std::string &file) : m_text(text), m_file(file) {}

  std::vector<token> run() {
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

// An attribute argument or datasource value: "x", 3, IDENT, f(args), [a, b], name: value.
struct expr {
  enum class kind { string, number, ident, call, array } what = kind::ident;
  std::string text;            // string value, number, identifier or function name
  std::string label;           // for named arguments (name: value)
  std::vector<expr> items;     // call arguments or array elements
  int line = 0, column = 0;
};

struct attribute {
  std::string name;  // "id", "default", "db.VarChar", "map", ...
  std::vector<expr> args;
  int line = 0, column = 0;
};

const std::set<std::string> k_scalars = {"Int", "BigInt", "Float", "Decimal", "Boolean", "String", "DateTime", "Json", "Bytes"};

}  // namespace

class schema_parser {
public:
  schema_parser(const std::string &text, const std::string &file) : m_file(file), m_tokens(lexer(text, file).run()) {}

  schema run() {
    schema s;
    s.m_file = m_file;
    std::vector<std::pair<std::string, token>> pending_types;  // model field types to resolve at the end
    std::vector<std::string> docs;
    for (;;) {
      skip_newlines_collecting(docs);
      const token &t = peek();
      if (t.kind == tok::end) break;
      if (t.kind != tok::ident) fail(t, "a block (datasource, generator, model or enum)");
      if (t.text == "datasource") {
        next();
        parse_datasource(s);
      } else if (t.text == "generator") {
        next();
        expect_ident("a generator name");
        skip_block();
      } else if (t.text == "model") {
        next();
        s.m_models.push_back(parse_model(docs));
      } else if (t.text == "enum") {
        next();
        s.m_enums.push_back(parse_enum());
      } else if (t.text == "type" || t.text == "view") {
        throw schema_error("'" + t.text + "' blocks are not supported yet", m_file, t.line, t.column,
                           "carrierdb reads datasource, generator, model and enum blocks");
      } else {
        fail(t, "a block (datasource, generator, model or enum)");
      }
      docs.clear();
    }
    resolve(s);
    return s;
  }

private:
  // ---- token helpers -------------------------------------------------------------------------
  const token &peek(std::size_t ahead = 0) const { return m_tokens[std::min(m_index + ahead, m_tokens.size() - 1)]; }
  const token &next() { return m_tokens[std::min(m_index++, m_tokens.size() - 1)]; }
  [[noreturn]] void fail(const token &t, const std::string &expected) const {
    throw schema_error("expected " + expected + ", found " + describe(t), m_file, t.line, t.column);
  }
  bool at_punct(const char *p, std::size_t ahead = 0) const { return peek(ahead).kind == tok::punct && peek(ahead).text == p; }
  const token &expect_punct(const char *p, const std::string &what) {
    if (!at_punct(p)) fail(peek(), what);
    return next();
  }
  const token &expect_ident(const std::string &what) {
    if (peek().kind != tok::ident) fail(peek(), what);
    return next();
  }
  void skip_newlines() {
    while (peek().kind == tok::newline || peek().kind == tok::doc) next();
  }
  void skip_newlines_collecting(std::vector<std::string> &docs) {
    while (peek().kind == tok::newline || peek().kind == tok::doc) {
      if (peek().kind == tok::doc) docs.push_back(peek().text);
      next();
    }
  }
  void end_of_line(const std::string &after) {
    if (peek().kind == tok::newline || peek().kind == tok::end || at_punct("}")) return;
    fail(peek(), "end of line after " + after);
  }

  // ---- expressions ---------------------------------------------------------------------------
  expr parse_expr() {
    const token &t = peek();
    expr e;
    e.line = t.line;
    e.column = t.column;
    if (t.kind == tok::string) {
      e.what = expr::kind::string;
      e.text = next().text;
    } else if (t.kind == tok::number) {
      e.what = expr::kind::number;
      e.text = next().text;
    } else if (t.kind == tok::ident) {
      e.text = next().text;
      if (at_punct("(")) {
        e.what = expr::kind::call;
        e.items = parse_args();
      } else {
        e.what = expr::kind::ident;
      }
    } else if (at_punct("[")) {
      next();
      e.what = expr::kind::array;
      skip_newlines();
      while (!at_punct("]")) {
        e.items.push_back(parse_expr());
        skip_newlines();
        if (at_punct(",")) {
          next();
          skip_newlines();
        } else if (!at_punct("]")) {
          fail(peek(), "',' or ']'");
        }
      }
      next();
    } else {
      fail(t, "a value (string, number, name, function call or list)");
    }
    return e;
  }

  std::vector<expr> parse_args() {
    expect_punct("(", "'('");
    std::vector<expr> args;
    while (!at_punct(")")) {
      std::string label;
      if (peek().kind == tok::ident && at_punct(":", 1)) {
        label = next().text;
        next();
      }
      expr e = parse_expr();
      e.label = label;
      args.push_back(std::move(e));
      if (at_punct(",")) next();
      else if (!at_punct(")")) fail(peek(), "',' or ')'");
    }
    next();
    return args;
  }

  attribute parse_attribute_name(const token &at) {
    attribute a;
    a.line = at.line;
    a.column = at.column;
    a.name = expect_ident("an attribute name").text;
    while (at_punct(".")) {
      next();
      a.name += "." + expect_ident("an attribute name after '.'").text;
    }
    if (at_punct("(")) a.args = parse_args();
    return a;
  }

  std::string string_arg(const attribute &a, const std::string &label = "") {
    for (const auto &e : a.args)
      if (e.label == label && e.what == expr::kind::string) return e.text;
    throw schema_error("@" + a.name + " expects a string argument" + (label.empty() ? "" : " '" + label + "'"), m_file, a.line,
                       a.column, "e.g. @" + a.name + "(\"name\")");
  }

  std::vector<std::string> field_list(const attribute &a) {
    for (const auto &e : a.args) {
      if ((e.label.empty() || e.label == "fields") && e.what == expr::kind::array) {
        std::vector<std::string> out;
        for (const auto &item : e.items) {
          if (item.what != expr::kind::ident && item.what != expr::kind::call)
            throw schema_error("expected a field name in @@" + a.name, m_file, item.line, item.column);
          out.push_back(item.text);
        }
        return out;
      }
    }
    throw schema_error("@@" + a.name + " expects a list of fields", m_file, a.line, a.column, "e.g. @@" + a.name + "([a, b])");
  }

  // ---- blocks --------------------------------------------------------------------------------
  void skip_block() {
    skip_newlines();
    expect_punct("{", "'{'");
    int depth = 1;
    while (depth > 0) {
      const token &t = next();
      if (t.kind == tok::end) throw schema_error("unterminated block: missing '}'", m_file, t.line, t.column);
      if (t.kind == tok::punct && t.text == "{") ++depth;
      if (t.kind == tok::punct && t.text == "}") --depth;
    }
  }

  void parse_datasource(schema &s) {
    expect_ident("a datasource name");
    skip_newlines();
    expect_punct("{", "'{'");
    for (;;) {
      skip_newlines();
      if (at_punct("}")) {
        next();
        return;
      }
      const token &key = expect_ident("a datasource setting or '}'");
      expect_punct("=", "'=' after " + key.text);
      const expr value = parse_expr();
      end_of_line(key.text);
      if (key.text == "provider") {
        if (value.what != expr::kind::string) throw schema_error("provider must be a string", m_file, value.line, value.column);
        s.m_provider = value.text;
        if (s.m_provider == "postgres") s.m_provider = "postgresql";
      } else if (key.text == "url" && value.what == expr::kind::call && value.text == "env" && !value.items.empty()) {
        s.m_url_env = value.items[0].text;
      }
    }
  }

  model_def parse_model(const std::vector<std::string> &docs) {
    (void)docs;
    model_def m;
    const token &name = expect_ident("a model name");
    m.name = name.text;
    m.table = name.text;
    m.where = {m_file, name.line, name.column};
    skip_newlines();
    expect_punct("{", "'{' after model " + m.name);
    std::vector<std::string> field_docs;
    std::vector<source_location> doc_where;
    for (;;) {
      while (peek().kind == tok::newline || peek().kind == tok::doc) {
        if (peek().kind == tok::doc) {
          field_docs.push_back(peek().text);
          doc_where.push_back({m_file, peek().line, peek().column});
        }
        next();
      }
      if (at_punct("}")) {
        next();
        break;
      }
      if (peek().kind == tok::end) fail(peek(), "'}' to close model " + m.name);
      if (at_punct("@@")) {
        const token &at = next();
        const attribute a = parse_attribute_name(at);
        end_of_line("@@" + a.name);
        if (a.name == "map") m.table = string_arg(a);
        else if (a.name == "unique") m.uniques.push_back(field_list(a));
        else if (a.name == "index") m.indexes.push_back(field_list(a));
        else if (a.name == "id") m.id_fields = field_list(a);
        else
          throw schema_error("block attribute @@" + a.name + " is not supported yet", m_file, a.line, a.column,
                             "supported: @@map, @@unique, @@index, @@id");
        field_docs.clear();
        doc_where.clear();
        continue;
      }
      m.fields.push_back(parse_field(m, field_docs, doc_where));
      field_docs.clear();
      doc_where.clear();
    }
    for (const auto &f : m.fields)
      if (f.id) m.id_fields = {f.name};
    return m;
  }

  field_def parse_field(const model_def &m, const std::vector<std::string> &docs, const std::vector<source_location> &doc_where) {
    field_def f;
    const token &name = expect_ident("a field name or '}'");
    f.name = name.text;
    f.column = name.text;
    f.where = {m_file, name.line, name.column};
    for (const auto &existing : m.fields)
      if (existing.name == f.name)
        throw schema_error("field " + f.name + " is defined twice in model " + m.name, m_file, name.line, name.column);
    const token &type = expect_ident("a type after field " + f.name);
    f.type_name = type.text;
    if (type.text == "Unsupported")
      throw schema_error("Unsupported(...) fields are not supported", m_file, type.line, type.column);
    if (at_punct("?")) {
      next();
      f.optional = true;
    } else if (at_punct("[")) {
      next();
      expect_punct("]", "']'");
      throw schema_error("list fields (" + type.text + "[]) are not supported yet", m_file, type.line, type.column,
                         "use a scalar field, or a Json field for a list of values");
    }
    while (at_punct("@")) {
      const token &at = next();
      apply_field_attribute(f, parse_attribute_name(at));
    }
    end_of_line("field " + f.name);
    for (std::size_t k = 0; k < docs.size(); ++k) parse_doc(f, docs[k], doc_where[k]);
    return f;
  }

  void apply_field_attribute(field_def &f, const attribute &a) {
    if (a.name == "id") {
      f.id = true;
    } else if (a.name == "unique") {
      f.unique = true;
    } else if (a.name == "updatedAt") {
      f.updated_at = true;
    } else if (a.name == "map") {
      f.column = string_arg(a);
    } else if (a.name == "default") {
      if (a.args.empty()) throw schema_error("@default needs a value", m_file, a.line, a.column);
      const expr &v = a.args[0];
      default_value d;
      if (v.what == expr::kind::call) {
        if (v.text == "autoincrement") d.what = default_value::kind::autoincrement;
        else if (v.text == "now") d.what = default_value::kind::now;
        else if (v.text == "uuid") d.what = default_value::kind::uuid;
        else if (v.text == "cuid") d.what = default_value::kind::cuid;
        else
          throw schema_error("@default(" + v.text + "()) is not supported yet", m_file, v.line, v.column,
                             "supported: autoincrement(), now(), uuid(), cuid(), a literal or an enum value");
      } else if (v.what == expr::kind::ident && (v.text == "true" || v.text == "false")) {
        d.what = default_value::kind::literal;
        d.text = v.text;
      } else if (v.what == expr::kind::ident) {
        d.what = default_value::kind::enum_value;
        d.text = v.text;
      } else if (v.what == expr::kind::string || v.what == expr::kind::number) {
        d.what = default_value::kind::literal;
        d.text = v.text;
      } else {
        throw schema_error("unsupported @default value", m_file, v.line, v.column);
      }
      f.default_ = d;
    } else if (a.name.rfind("db.", 0) == 0) {
      f.native_type = a.name.substr(3);
      for (const auto &arg : a.args) f.native_args.push_back(arg.text);
    } else if (a.name == "relation") {
      throw schema_error("relations are not supported yet (@relation on " + f.name + ")", m_file, a.line, a.column,
                         "model the foreign key as a scalar field for now");
    } else {
      throw schema_error("field attribute @" + a.name + " is not supported yet", m_file, a.line, a.column,
                         "supported: @id, @default, @unique, @map, @updatedAt, @db.*");
    }
  }

  enum_def parse_enum() {
    enum_def e;
    const token &name = expect_ident("an enum name");
    e.name = name.text;
    e.db_name = name.text;
    e.where = {m_file, name.line, name.column};
    skip_newlines();
    expect_punct("{", "'{' after enum " + e.name);
    for (;;) {
      skip_newlines();
      if (at_punct("}")) {
        next();
        break;
      }
      if (at_punct("@@")) {
        const token &at = next();
        const attribute a = parse_attribute_name(at);
        if (a.name != "map") throw schema_error("@@" + a.name + " is not supported on enums", m_file, a.line, a.column);
        e.db_name = string_arg(a);
        continue;
      }
      const token &value = expect_ident("an enum value or '}'");
      if (at_punct("@"))
        throw schema_error("attributes on enum values (@map) are not supported yet", m_file, peek().line, peek().column);
      if (e.contains(value.text)) throw schema_error("enum value " + value.text + " is listed twice", m_file, value.line, value.column);
      e.values.push_back(value.text);
      end_of_line("enum value " + value.text);
    }
    if (e.values.empty()) throw schema_error("enum " + e.name + " has no values", m_file, name.line, name.column);
    return e;
  }

  // ---- /// doc comments: zod rules and carrierdb normalisers ----------------------------------
  void parse_doc(field_def &f, const std::string &raw, const source_location &where) {
    std::size_t pos = raw.find_first_not_of(" \t");
    if (pos == std::string::npos) return;
    const std::string text = raw.substr(pos);
    source_location at = where;
    at.column += 3 + static_cast<int>(pos);
    if (text.rfind("@carrierdb.normalize(", 0) == 0) {
      const auto close = text.find(')');
      if (close == std::string::npos) throw schema_error("expected ')' in @carrierdb.normalize(...)", m_file, at.line, at.column);
      std::string name = text.substr(21, close - 21);
      name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return c == '"' || c == '\'' || c == ' '; }), name.end());
      static const std::set<std::string> known = {"mc_number", "trim", "upper", "lower", "collapse_spaces"};
      if (!known.count(name))
        throw schema_error("unknown normaliser '" + name + "'", m_file, at.line, at.column,
                           "known: mc_number, trim, upper, lower, collapse_spaces");
      f.normalizers.push_back(name);
      return;
    }
    if (text.rfind("@zod.", 0) != 0) {
      f.doc.push_back(text);
      return;
    }
    // @zod.<kind>.<rule>(args).<rule>(args)...
    std::size_t p = 5;
    const auto read_name = [&] {
      const std::size_t start = p;
      while (p < text.size() && (std::isalnum(static_cast<unsigned char>(text[p])) || text[p] == '_')) ++p;
      return text.substr(start, p - start);
    };
    const std::string kind = read_name();
    static const std::set<std::string> kinds = {"string", "number", "bigint", "date", "custom"};
    if (!kinds.count(kind)) throw schema_error("unknown zod type '" + kind + "'", m_file, at.line, at.column + 5);
    if (kind == "custom" || kind == "date")
      throw schema_error("@zod." + kind + " rules are not supported yet", m_file, at.line, at.column,
                         "use @zod.string or @zod.number rules");
    while (p < text.size() && text[p] == '.') {
      ++p;
      field_rule rule;
      rule.kind = kind;
      rule.where = at;
      rule.where.column += static_cast<int>(p);
      rule.name = read_name();
      if (p >= text.size() || text[p] != '(')
        throw schema_error("expected '(' after ." + rule.name, m_file, at.line, at.column + static_cast<int>(p));
      ++p;
      parse_rule_args(text, p, rule, at);
      check_rule(f, kind, rule);
      f.rules.push_back(std::move(rule));
    }
    const auto rest = text.find_first_not_of(" \t", p);
    if (rest != std::string::npos)
      throw schema_error("unexpected text after the zod rules: '" + text.substr(rest) + "'", m_file, at.line, at.column + static_cast<int>(rest));
  }

  // Arguments of one rule: numbers, "strings", /regex/flags, { message: "..." }.
  void parse_rule_args(const std::string &text, std::size_t &p, field_rule &rule, const source_location &at) {
    const auto error_here = [&](const std::string &what) {
      return schema_error(what + " in ." + rule.name + "(...)", m_file, at.line, at.column + static_cast<int>(p));
    };
    for (;;) {
      while (p < text.size() && text[p] == ' ') ++p;
      if (p >= text.size()) throw error_here("expected ')'");
      const char c = text[p];
      if (c == ')') {
        ++p;
        return;
      }
      if (c == ',') {
        ++p;
        continue;
      }
      if (c == '/') {
        // A JavaScript regex literal: up to the next unescaped '/', then flags.
        std::size_t q = p + 1;
        bool in_class = false;
        for (; q < text.size(); ++q) {
          if (text[q] == '\\') {
            ++q;
            continue;
          }
          if (text[q] == '[') in_class = true;
          else if (text[q] == ']') in_class = false;
          else if (text[q] == '/' && !in_class) break;
        }
        if (q >= text.size()) throw error_here("unterminated regular expression");
        rule.args.push_back(text.substr(p + 1, q - p - 1));
        p = q + 1;
        std::string flags;
        while (p < text.size() && std::isalpha(static_cast<unsigned char>(text[p]))) flags += text[p++];
        rule.args.push_back(flags);
      } else if (c == '"' || c == '\'') {
        std::size_t q = p + 1;
        std::string value;
        for (; q < text.size() && text[q] != c; ++q) {
          if (text[q] == '\\' && q + 1 < text.size()) ++q;
          value += text[q];
        }
        if (q >= text.size()) throw error_here("unterminated string");
        rule.args.push_back(value);
        p = q + 1;
      } else if (c == '{') {
        const auto close = text.find('}', p);
        if (close == std::string::npos) throw error_here("expected '}'");
        const std::string body = text.substr(p + 1, close - p - 1);
        if (auto message = message_option(body)) rule.message = *message;
        p = close + 1;
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.') {
        std::size_t q = p + 1;
        while (q < text.size() && (std::isdigit(static_cast<unsigned char>(text[q])) || text[q] == '.' || text[q] == 'e' || text[q] == '_')) ++q;
        rule.args.push_back(text.substr(p, q - p));
        p = q;
      } else {
        throw error_here(std::string("unexpected '") + c + "'");
      }
    }
  }

  // The `message: "..."` entry of a zod options object, unescaped; nullopt when there is none.
  static std::optional<std::string> message_option(const std::string &body) {
    for (std::size_t at = body.find("message"); at != std::string::npos; at = body.find("message", at + 1)) {
      std::size_t p = body.find_first_not_of(" \t", at + 7);
      if (p == std::string::npos || body[p] != ':') continue;
      p = body.find_first_not_of(" \t", p + 1);
      if (p == std::string::npos || (body[p] != '"' && body[p] != '\'')) continue;
      const char quote = body[p];
      std::string value;
      for (++p; p < body.size() && body[p] != quote; ++p) {
        if (body[p] == '\\' && p + 1 < body.size()) ++p;
        value += body[p];
      }
      if (p < body.size()) return value;
    }
    return std::nullopt;
  }

  void check_rule(const field_def &f, const std::string &kind, field_rule &rule) {
    static const std::set<std::string> string_rules = {"min", "max", "length", "regex", "email", "url", "uuid", "cuid",
                                                       "startsWith", "endsWith", "includes", "trim", "toLowerCase",
                                                       "toUpperCase", "nonempty"};
    static const std::set<std::string> number_rules = {"int", "min", "max", "gt", "gte", "lt", "lte", "positive",
                                                       "nonnegative", "negative", "nonpositive", "multipleOf", "finite"};
    const auto &allowed = kind == "string" ? string_rules : number_rules;
    if (!allowed.count(rule.name)) {
      std::string list;
      for (const auto &r : allowed) list += (list.empty() ? "" : ", ") + r;
      throw schema_error("unknown rule ." + rule.name + "() for @zod." + kind, m_file, rule.where.line, rule.where.column,
                         "supported: " + list);
    }
    const bool needs_number = rule.name == "min" || rule.name == "max" || rule.name == "length" || rule.name == "gt" ||
                              rule.name == "gte" || rule.name == "lt" || rule.name == "lte" || rule.name == "multipleOf";
    if (needs_number && (rule.args.empty() || rule.args[0].empty() ||
                         rule.args[0].find_first_not_of("-0123456789.e_") != std::string::npos))
      throw schema_error("." + rule.name + "() needs a number", m_file, rule.where.line, rule.where.column);
    if (rule.name == "regex") {
      if (rule.args.empty()) throw schema_error(".regex() needs /pattern/", m_file, rule.where.line, rule.where.column);
      try {
        rule.compiled = pattern::compile(rule.args[0], rule.args.size() > 1 ? rule.args[1] : "");
      } catch (const pattern_syntax_error &e) {
        throw schema_error("invalid regular expression /" + rule.args[0] + "/" + (rule.args.size() > 1 ? rule.args[1] : "") +
                               ": " + e.what() + " at offset " + std::to_string(e.offset()),
                           m_file, rule.where.line, rule.where.column, "write the pattern as a JavaScript regex, as zod does");
      }
    }
    if ((rule.name == "startsWith" || rule.name == "endsWith" || rule.name == "includes") && rule.args.empty())
      throw schema_error("." + rule.name + "() needs a string", m_file, rule.where.line, rule.where.column);
    (void)f;
  }

  // ---- after all blocks: types, keys -------------------------------------------------------------
  void resolve(schema &s) {
    std::set<std::string> model_names, enum_names;
    for (const auto &m : s.m_models) {
      if (!model_names.insert(m.name).second)
        throw schema_error("model " + m.name + " is defined twice", m_file, m.where.line, m.where.column);
    }
    for (const auto &e : s.m_enums) {
      if (!enum_names.insert(e.name).second || model_names.count(e.name))
        throw schema_error("enum " + e.name + " clashes with another model or enum", m_file, e.where.line, e.where.column);
    }
    for (auto &m : s.m_models) {
      for (auto &f : m.fields) {
        const std::string &t = f.type_name;
        const source_location &w = f.where;
        if (model_names.count(t))
          throw schema_error("relation field " + f.name + " (" + t + ") is not supported yet", m_file, w.line, w.column,
                             "model the foreign key as a scalar field for now");
        if (enum_names.count(t)) {
          f.type = scalar_type::enum_;
        } else if (t == "Int") f.type = scalar_type::int_;
        else if (t == "BigInt") f.type = scalar_type::bigint;
        else if (t == "Float") f.type = scalar_type::float_;
        else if (t == "Decimal") f.type = scalar_type::decimal;
        else if (t == "Boolean") f.type = scalar_type::boolean;
        else if (t == "String") f.type = scalar_type::string;
        else if (t == "DateTime") f.type = scalar_type::datetime;
        else if (t == "Json") f.type = scalar_type::json;
        else if (t == "Bytes")
          throw schema_error("Bytes fields are not supported yet", m_file, w.line, w.column);
        else
          throw schema_error("unknown type '" + t + "' for field " + f.name, m_file, w.line, w.column,
                             "use a scalar type (Int, BigInt, Float, Decimal, Boolean, String, DateTime, Json) or an enum");
        const bool numeric = f.type == scalar_type::int_ || f.type == scalar_type::bigint || f.type == scalar_type::float_ ||
                             f.type == scalar_type::decimal;
        for (const auto &rule : f.rules) {
          if ((rule.kind == "string" && f.type != scalar_type::string) || (rule.kind != "string" && !numeric))
            throw schema_error("@zod." + rule.kind + " rules on field " + f.name + " of type " + t, m_file, rule.where.line,
                               rule.where.column, "use @zod.string rules on String fields and @zod.number rules on numeric fields");
        }
        if (f.default_ && f.default_->what == default_value::kind::enum_value) {
          const enum_def *e = s.enumeration(t);
          if (!e || !e->contains(f.default_->text))
            throw schema_error("@default(" + f.default_->text + ") is not a value of " + t, m_file, w.line, w.column);
        }
        if (f.default_ && f.default_->what == default_value::kind::autoincrement && f.type != scalar_type::int_ &&
            f.type != scalar_type::bigint)
          throw schema_error("autoincrement() needs an Int or BigInt field", m_file, w.line, w.column);
        if (f.updated_at && f.type != scalar_type::datetime)
          throw schema_error("@updatedAt needs a DateTime field", m_file, w.line, w.column);
        // As Prisma: now() fills DateTime fields only, uuid() and cuid() String fields only.
        if (f.default_ && f.default_->what == default_value::kind::now && f.type != scalar_type::datetime)
          throw schema_error("now() needs a DateTime field (" + f.name + " is " + t + ")", m_file, w.line, w.column);
        if (f.default_ && (f.default_->what == default_value::kind::uuid || f.default_->what == default_value::kind::cuid) &&
            f.type != scalar_type::string)
          throw schema_error(std::string(f.default_->what == default_value::kind::uuid ? "uuid()" : "cuid()") + " needs a String field (" +
                                 f.name + " is " + t + ")",
                             m_file, w.line, w.column);
      }
      for (const auto &list : {m.uniques, m.indexes})
        for (const auto &fields : list)
          for (const auto &name : fields)
            if (!m.field(name))
              throw schema_error("model " + m.name + " has no field " + name, m_file, m.where.line, m.where.column);
      for (const auto &name : m.id_fields)
        if (!m.field(name)) throw schema_error("model " + m.name + " has no field " + name + " for @@id", m_file, m.where.line, m.where.column);
      if (m.id_fields.empty())
        throw schema_error("model " + m.name + " has no @id field", m_file, m.where.line, m.where.column,
                           "mark one field with @id (e.g. id Int @id @default(autoincrement()))");
    }
  }

  std::string m_file;
  std::vector<token> m_tokens;
  std::size_t m_index = 0;
};

schema schema::parse(const std::string &text, const std::string &file) { return schema_parser(text, file).run(); }

schema schema::load(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw schema_error("cannot read the schema file", path, 0, 0, "create schema.prisma, or pass its path");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

}  // namespace carrierdb
