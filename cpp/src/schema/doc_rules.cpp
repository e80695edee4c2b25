// doc_rules: the rules schema.prisma carries in /// comments: zod's (zod-prisma-types convention)
// and carrierdb's normalisers, read and checked when the schema is parsed.
#include "doc_rules.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "carrierdb/error.hpp"
#include "pattern.hpp"

namespace carrierdb {

namespace {

// The `message: "..."` entry of a zod options object, unescaped; nullopt when there is none.
std::optional<std::string> message_option(const std::string &body) {
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

// Arguments of one rule: numbers, "strings", /regex/flags, { message: "..." }.
void parse_rule_args(const std::string &text, std::size_t &p, field_rule &rule, const source_location &at) {
  const std::string &file = at.file;
  const auto error_here = [&](const std::string &what) {
    return schema_error(what + " in ." + rule.name + "(...)", file, at.line, at.column + static_cast<int>(p));
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

void check_rule(const std::string &kind, field_rule &rule) {
  const std::string &file = rule.where.file;
  static const std::set<std::string> string_rules = {"min", "max", "length", "regex", "email", "url", "uuid", "cuid",
                                                     "startsWith", "endsWith", "includes", "trim", "toLowerCase",
                                                     "toUpperCase", "nonempty"};
  static const std::set<std::string> number_rules = {"int", "min", "max", "gt", "gte", "lt", "lte", "positive",
                                                     "nonnegative", "negative", "nonpositive", "multipleOf", "finite"};
  const auto &allowed = kind == "string" ? string_rules : number_rules;
  if (!allowed.count(rule.name)) {
    std::string list;
    for (const auto &r : allowed) list += (list.empty() ? "" : ", ") + r;
    throw schema_error("unknown rule ." + rule.name + "() for @zod." + kind, file, rule.where.line, rule.where.column,
                       "supported: " + list);
  }
  const bool needs_number = rule.name == "min" || rule.name == "max" || rule.name == "length" || rule.name == "gt" ||
                            rule.name == "gte" || rule.name == "lt" || rule.name == "lte" || rule.name == "multipleOf";
  if (needs_number && (rule.args.empty() || rule.args[0].empty() ||
                       rule.args[0].find_first_not_of("-0123456789.e_") != std::string::npos))
    throw schema_error("." + rule.name + "() needs a number", file, rule.where.line, rule.where.column);
  if (rule.name == "regex") {
    if (rule.args.empty()) throw schema_error(".regex() needs /pattern/", file, rule.where.line, rule.where.column);
    try {
      rule.compiled = pattern::compile(rule.args[0], rule.args.size() > 1 ? rule.args[1] : "");
    } catch (const pattern_syntax_error &e) {
      throw schema_error("invalid regular expression /" + rule.args[0] + "/" + (rule.args.size() > 1 ? rule.args[1] : "") +
                             ": " + e.what() + " at offset " + std::to_string(e.offset()),
                         file, rule.where.line, rule.where.column, "write the pattern as a JavaScript regex, as zod does");
    }
  }
  if ((rule.name == "startsWith" || rule.name == "endsWith" || rule.name == "includes") && rule.args.empty())
    throw schema_error("." + rule.name + "() needs a string", file, rule.where.line, rule.where.column);
}

}  // namespace

void read_doc_comment(field_def &f, const std::string &raw, const source_location &where) {
  const std::string &file = where.file;
  std::size_t pos = raw.find_first_not_of(" \t");
  if (pos == std::string::npos) return;
  const std::string text = raw.substr(pos);
  source_location at = where;
  at.column += 3 + static_cast<int>(pos);
  if (text.rfind("@carrierdb.normalize(", 0) == 0) {
    const auto close = text.find(')');
    if (close == std::string::npos) throw schema_error("expected ')' in @carrierdb.normalize(...)", file, at.line, at.column);
    std::string name = text.substr(21, close - 21);
    name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return c == '"' || c == '\'' || c == ' '; }), name.end());
    static const std::set<std::string> known = {"mc_number", "trim", "upper", "lower", "collapse_spaces"};
    if (!known.count(name))
      throw schema_error("unknown normaliser '" + name + "'", file, at.line, at.column,
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
  if (!kinds.count(kind)) throw schema_error("unknown zod type '" + kind + "'", file, at.line, at.column + 5);
  if (kind == "custom" || kind == "date")
    throw schema_error("@zod." + kind + " rules are not supported yet", file, at.line, at.column,
                       "use @zod.string or @zod.number rules");
  while (p < text.size() && text[p] == '.') {
    ++p;
    field_rule rule;
    rule.kind = kind;
    rule.where = at;
    rule.where.column += static_cast<int>(p);
    rule.name = read_name();
    if (p >= text.size() || text[p] != '(')
      throw schema_error("expected '(' after ." + rule.name, file, at.line, at.column + static_cast<int>(p));
    ++p;
    parse_rule_args(text, p, rule, at);
    check_rule(kind, rule);
    f.rules.push_back(std::move(rule));
  }
  const auto rest = text.find_first_not_of(" \t", p);
  if (rest != std::string::npos)
    throw schema_error("unexpected text after the zod rules: '" + text.substr(rest) + "'", file, at.line, at.column + static_cast<int>(rest));
}

}  // namespace carrierdb
