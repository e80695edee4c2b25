// postgres_arrays: PostgreSQL's text forms of arrays (`{a,"b c",NULL}`) and of bytea (`\x0a1b`),
// both ways, for parameters, COPY text and result cells.
#include "postgres_arrays.hpp"

#include <cctype>
#include <cstdlib>
#include <string_view>

#include "carrierdb/error.hpp"
#include "numbers.hpp"

namespace carrierdb::internal {

namespace {

constexpr char k_hex[] = "0123456789abcdef";

int hex_digit(char c) {
  const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::size_t at = lower ? std::string_view(k_hex).find(lower) : std::string_view::npos;
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// One element as its scalar text (what the element type's input function reads).
void append_element(std::string &out, const value &v) {
  if (is_null(v)) {
    out += "NULL";
    return;
  }
  if (append_plain_text(out, v)) return;
  if (auto l = std::get_if<value_list>(&v)) {
    append_array_literal(out, *l);
    return;
  }
  // Text and bytea are always quoted: an element may be empty, be "NULL", or hold braces,
  // commas, quotes, backslashes or blanks, which the array parser would otherwise read as syntax.
  const std::string text = std::holds_alternative<byte_string>(v) ? bytea_hex(std::get<byte_string>(v)) : std::get<std::string>(v);
  if (text.find('\0') != std::string::npos) {
    diagnostics diag;
    diag.sqlstate = "22021";
    throw data_error("a list element contains a NUL byte, which PostgreSQL text cannot store", diag, "remove NUL characters from the value");
  }
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// Element text -> a value typed like a cell of `kind`.
value element_value(std::string text, column_kind kind) {
  switch (kind) {
    case column_kind::boolean: return text == "t";
    case column_kind::integer: return static_cast<std::int64_t>(std::strtoll(text.c_str(), nullptr, 10));
    case column_kind::real: return parse_double(text.c_str());
    case column_kind::bytes: return bytea_from_hex(text);
    default: return value(std::move(text));
  }
}

}  // namespace

bool append_plain_text(std::string &out, const value &v) {
  if (auto b = std::get_if<bool>(&v)) out += *b ? 't' : 'f';
  else if (auto i = std::get_if<std::int64_t>(&v)) out += std::to_string(*i);
  else if (auto d = std::get_if<double>(&v)) append_double(out, *d);
  else return false;
  return true;
}

std::string bytea_hex(const byte_string &b) {
  std::string out;
  out.reserve(2 + b.octets.size() * 2);
  out += "\\x";
  for (const unsigned char c : b.octets) {
    out += k_hex[c >> 4];
    out += k_hex[c & 0xF];
  }
  return out;
}

value bytea_from_hex(const std::string &text) {
  // The server prints bytea in hex (bytea_output = hex, the default since 9.0). The escape form
  // of an older setting is passed on as text rather than decoded wrongly.
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return text;
  byte_string out;
  out.octets.reserve((text.size() - 2) / 2);
  for (std::size_t k = 2; k + 1 < text.size(); k += 2) {
    const int hi = hex_digit(text[k]), lo = hex_digit(text[k + 1]);
    if (hi < 0 || lo < 0) return text;
    out.octets += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

void append_array_literal(std::string &out, const value_list &list) {
  out += '{';
  for (std::size_t k = 0; k < list.items.size(); ++k) {
    if (k) out += ',';
    append_element(out, list.items[k]);
  }
  out += '}';
}

value parse_array_literal(const std::string &text, column_kind element_kind) {
  // What array_out prints: an optional dimension decoration ("[0:1]="), then {e1,e2,...}, each
  // element NULL, bare (no blanks, quotes, braces, commas or backslashes) or double-quoted with
  // backslash escapes. Anything else (a multi-dimensional array) is passed on as text.
  std::size_t at = 0;
  if (!text.empty() && text[0] == '[') {
    at = text.find('=');
    if (at == std::string::npos) return text;
    ++at;
  }
  if (at >= text.size() || text[at] != '{') return text;
  ++at;
  value_list out;
  if (at < text.size() && text[at] == '}') return at + 1 == text.size() ? value(out) : value(text);
  while (at < text.size()) {
    std::string element;
    bool quoted = false;
    if (text[at] == '{') return text;  // nested: not a Prisma scalar list
    if (text[at] == '"') {
      quoted = true;
      for (++at; at < text.size() && text[at] != '"'; ++at) {
        if (text[at] == '\\' && at + 1 < text.size()) ++at;
        element += text[at];
      }
      if (at >= text.size()) return text;
      ++at;  // the closing quote
    } else {
      while (at < text.size() && text[at] != ',' && text[at] != '}') element += text[at++];
    }
    if (!quoted && element == "NULL") out.items.emplace_back(std::monostate{});
    else out.items.push_back(element_value(std::move(element), element_kind));
    if (at >= text.size()) return text;
    if (text[at] == '}') return at + 1 == text.size() ? value(std::move(out)) : value(text);
    if (text[at] != ',') return text;
    ++at;
  }
  return text;
}

}  // namespace carrierdb::internal
