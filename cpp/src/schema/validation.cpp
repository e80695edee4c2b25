// check_record(): types, required fields, implied limits (VarChar, Int range, enum), zod rules, normalisers.
#include "carrierdb/schema/validation.hpp"
#include "carrierdb/base/base64.hpp"
#include "carrierdb/schema/list_values.hpp"
#include "carrierdb/time.hpp"
#include "carrierdb/utf8.hpp"
#include "numbers.hpp"
#include "pattern.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace carrierdb {

// Rule and normaliser names are compared per value of every row: string_view compares the size
// first, where std::string == "literal" runs strlen and memcmp every time.
using namespace std::string_view_literals;

namespace {

const char *received_type(const value &v) {
  if (is_null(v)) return "null";
  if (std::holds_alternative<bool>(v)) return "boolean";
  if (std::holds_alternative<std::int64_t>(v)) return "integer";
  if (std::holds_alternative<double>(v)) return "float";
  if (std::holds_alternative<byte_string>(v)) return "bytes";
  if (std::holds_alternative<value_list>(v)) return "array";
  return "string";
}

const char *expected_type(const field_def &f) {
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: return "integer";
    case scalar_type::float_: return "number";
    case scalar_type::decimal: return "decimal";
    case scalar_type::boolean: return "boolean";
    case scalar_type::string: return "string";
    case scalar_type::datetime: return "date";
    case scalar_type::json: return "json";
    case scalar_type::bytes: return "bytes";
    case scalar_type::enum_: return "enum";
  }
  return "unknown";
}

std::size_t code_points(const std::string &s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Normalisers and rules rewrite the value in place: they run on every string of every row.
void trim_in_place(std::string &s) {
  std::size_t a = 0, b = s.size();
  while (a < b && is_blank(s[a])) ++a;
  while (b > a && is_blank(s[b - 1])) --b;
  if (b < s.size()) s.erase(b);
  if (a > 0) s.erase(0, a);
}

void apply_normalizer(std::string_view name, std::string &s) {
  if (name == "trim"sv) {
    trim_in_place(s);
  } else if (name == "upper"sv) {
    for (auto &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else if (name == "lower"sv) {
    for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else if (name == "collapse_spaces"sv) {
    // Blanks trimmed at both ends, inner runs of blanks become one space.
    std::size_t out = 0;
    bool blank = false;
    for (const char c : s) {
      if (is_blank(c)) {
        blank = true;
        continue;
      }
      if (blank && out > 0) s[out++] = ' ';
      blank = false;
      s[out++] = c;
    }
    s.resize(out);
  } else if (name == "mc_number"sv) {
    // "MC-123456", "mc 123456", "MC#123456" -> "MC123456". Anything else is left for the rules to judge.
    trim_in_place(s);
    if (s.size() >= 2 && (s[0] == 'M' || s[0] == 'm') && (s[1] == 'C' || s[1] == 'c')) {
      std::size_t k = 2;
      while (k < s.size() && (s[k] == '-' || s[k] == '#' || s[k] == ' ' || s[k] == ':')) ++k;
      if (k < s.size() && s.find_first_not_of("0123456789", k) == std::string::npos) {
        s.erase(2, k - 2);
        s[0] = 'M';
        s[1] = 'C';
      }
    }
  }
}

// The built-in string formats, compiled once.
const pattern &builtin_format(const std::string &name) {
  static const auto email = pattern::compile(R"(^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$)");
  static const auto url = pattern::compile(R"(^[A-Za-z][A-Za-z0-9+.-]*://[^\s]+$)");
  static const auto uuid = pattern::compile(R"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)");
  static const auto cuid = pattern::compile(R"(^c[^\s-]{8,}$)", "i");
  if (name == "email"sv) return *email;
  if (name == "url"sv) return *url;
  if (name == "uuid"sv) return *uuid;
  return *cuid;
}

validation_issue make_issue(const std::vector<std::string> &path, const std::string &code, const std::string &message) {
  validation_issue i;
  i.path = path;
  i.code = code;
  i.message = message;
  return i;
}

// A field the repository cannot write as a plain value: a relation (nested writes) or an
// unsupported declaration.
validation_issue unwritable_field_issue(const field_def &f) {
  std::string message;
  if (f.kind == field_kind::relation) {
    const relation_info &r = *f.relation;
    message = "Relation field " + f.name + " (" + r.target + ") cannot be written as a value here: only create and update take nested writes";
    if (r.holds_foreign_key) {
      std::string fk;
      for (const auto &k : r.fields) fk += (fk.empty() ? "" : ", ") + k;
      message += "; set " + fk + " instead";
    } else {
      message += "; write the related " + r.target + " records with their own " + r.back_field + " foreign key";
    }
  } else {
    message = f.unsupported;
  }
  return make_issue({f.name}, "custom", message);
}

double as_number(const value &v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto s = std::get_if<std::string>(&v)) return parse_double(s->c_str());
  return 0;
}

std::string number_text(double d) {
  return format_double(d, 15);
}

// `path` is a callable returning the issue path: built only when there is an issue to report.
template <class Path>
void check_string_rules(const field_def &f, std::string &s, const Path &path, std::vector<validation_issue> &issues) {
  for (const auto &rule : f.rules) {
    const auto custom = [&](const std::string &fallback) { return rule.message.empty() ? fallback : rule.message; };
    const auto n = [&] { return static_cast<std::size_t>(std::strtoull(rule.args[0].c_str(), nullptr, 10)); };
    if (rule.name == "trim"sv) trim_in_place(s);
    else if (rule.name == "toLowerCase"sv) apply_normalizer("lower", s);
    else if (rule.name == "toUpperCase"sv) apply_normalizer("upper", s);
    else if (rule.name == "min"sv || rule.name == "nonempty"sv) {
      const std::size_t limit = rule.name == "min"sv ? n() : 1;
      if (code_points(s) < limit) {
        auto i = make_issue(path(), "too_small", custom("String must contain at least " + std::to_string(limit) + " character(s)"));
        i.limit = std::to_string(limit);
        issues.push_back(i);
      }
    } else if (rule.name == "max"sv) {
      if (code_points(s) > n()) {
        auto i = make_issue(path(), "too_big", custom("String must contain at most " + rule.args[0] + " character(s)"));
        i.limit = rule.args[0];
        issues.push_back(i);
      }
    } else if (rule.name == "length"sv) {
      if (code_points(s) != n()) {
        auto i = make_issue(path(), code_points(s) < n() ? "too_small" : "too_big", custom("String must contain exactly " + rule.args[0] + " character(s)"));
        i.limit = rule.args[0];
        issues.push_back(i);
      }
    } else {
      bool ok = true;
      std::string validation = rule.name;
      std::string limit_message;
      const auto test = [&](const pattern &p) {
        try {
          return p.search(s);
        } catch (const pattern_limit_error &e) {
          limit_message = e.what();
          return false;
        }
      };
      if (rule.name == "regex"sv) {
        // The parser compiles every regex rule; a rule built by hand is compiled here.
        const auto compiled = rule.compiled ? rule.compiled : pattern::compile(rule.args[0], rule.args.size() > 1 ? rule.args[1] : "");
        ok = test(*compiled);
      } else if (rule.name == "email"sv || rule.name == "url"sv || rule.name == "uuid"sv || rule.name == "cuid"sv)
        ok = test(builtin_format(rule.name));
      else if (rule.name == "startsWith"sv) ok = s.rfind(rule.args[0], 0) == 0;
      else if (rule.name == "endsWith"sv) ok = s.size() >= rule.args[0].size() && s.compare(s.size() - rule.args[0].size(), std::string::npos, rule.args[0]) == 0;
      else if (rule.name == "includes"sv) ok = s.find(rule.args[0]) != std::string::npos;
      if (!ok) {
        std::string fallback = "Invalid";
        if (rule.name == "email"sv || rule.name == "url"sv || rule.name == "uuid"sv || rule.name == "cuid"sv) fallback = "Invalid " + rule.name;
        else if (rule.name == "startsWith"sv) fallback = "Invalid input: must start with \"" + rule.args[0] + "\"";
        else if (rule.name == "endsWith"sv) fallback = "Invalid input: must end with \"" + rule.args[0] + "\"";
        else if (rule.name == "includes"sv) fallback = "Invalid input: must include \"" + rule.args[0] + "\"";
        auto i = make_issue(path(), "invalid_string", limit_message.empty() ? custom(fallback) : limit_message);
        i.validation = validation;
        issues.push_back(i);
      }
    }
  }
}

template <class Path>
void check_number_rules(const field_def &f, const value &v, const Path &path, std::vector<validation_issue> &issues) {
  const double x = as_number(v);
  for (const auto &rule : f.rules) {
    const auto custom = [&](const std::string &fallback) { return rule.message.empty() ? fallback : rule.message; };
    const double limit = rule.args.empty() ? 0 : parse_double(rule.args[0].c_str());
    const auto fail = [&](const char *code, const std::string &fallback, double bound) {
      auto i = make_issue(path(), code, custom(fallback));
      i.limit = number_text(bound);
      issues.push_back(i);
    };
    if (rule.name == "int"sv && std::floor(x) != x) {
      auto i = make_issue(path(), "invalid_type", custom("Expected integer, received float"));
      i.expected = "integer";
      i.received = "float";
      issues.push_back(i);
    } else if ((rule.name == "min"sv || rule.name == "gte"sv) && !(x >= limit)) fail("too_small", "Number must be greater than or equal to " + rule.args[0], limit);
    else if (rule.name == "gt"sv && !(x > limit)) fail("too_small", "Number must be greater than " + rule.args[0], limit);
    else if ((rule.name == "max"sv || rule.name == "lte"sv) && !(x <= limit)) fail("too_big", "Number must be less than or equal to " + rule.args[0], limit);
    else if (rule.name == "lt"sv && !(x < limit)) fail("too_big", "Number must be less than " + rule.args[0], limit);
    else if (rule.name == "positive"sv && !(x > 0)) fail("too_small", "Number must be greater than 0", 0);
    else if (rule.name == "nonnegative"sv && !(x >= 0)) fail("too_small", "Number must be greater than or equal to 0", 0);
    else if (rule.name == "negative"sv && !(x < 0)) fail("too_big", "Number must be less than 0", 0);
    else if (rule.name == "nonpositive"sv && !(x <= 0)) fail("too_big", "Number must be less than or equal to 0", 0);
    else if (rule.name == "multipleOf"sv && limit != 0 && std::fmod(x, limit) != 0) {
      auto i = make_issue(path(), "not_multiple_of", custom("Number must be a multiple of " + rule.args[0]));
      i.limit = rule.args[0];
      issues.push_back(i);
    } else if (rule.name == "finite"sv && !std::isfinite(x)) {
      issues.push_back(make_issue(path(), "not_finite", custom("Number must be finite")));
    }
  }
}

}  // namespace

bool parse_iso_timestamp(const std::string &text, std::int64_t &unix_ms) {
  static const auto iso = pattern::compile(
      R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$)", "",
      pattern::unit::bytes);
  std::vector<std::optional<std::string_view>> m;
  if (!iso->search(text, m)) return false;
  // The groups hold ASCII digits only (checked by the pattern).
  const auto number = [](std::string_view digits) {
    int n = 0;
    for (const char c : digits) n = n * 10 + (c - '0');
    return n;
  };
  const auto group = [&](std::size_t i) { return m[i] ? number(*m[i]) : 0; };
  const int year = group(1), month = group(2), day = group(3);
  const int hour = group(4), minute = group(5), second = group(6);
  if (!valid_calendar_date(year, month, day)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  int millis = 0;
  if (m[7]) {
    std::string frac(m[7]->substr(0, 3));
    while (frac.size() < 3) frac += '0';
    millis = number(frac);
  }
  int offset_minutes = 0;
  if (m[8] && *m[8] != "Z" && *m[8] != "z") {
    const std::string_view z = *m[8];
    const int sign = z[0] == '-' ? -1 : 1;
    const std::string_view digits = z.substr(1);
    const int hh = number(digits.substr(0, 2));
    const int mm = digits.size() > 2 ? number(digits.substr(digits.size() - 2)) : 0;
    if (hh > 23 || mm > 59) return false;
    offset_minutes = sign * (hh * 60 + mm);
  }
  const long long days = days_from_civil(year, month, day);
  unix_ms = ((days * 86400 + hour * 3600 + minute * 60 + second) - offset_minutes * 60LL) * 1000 + millis;
  return true;
}

std::string format_timestamp_ms(std::int64_t ms) { return format_utc(ms); }

namespace {

template <class Path>
value coerce(const schema &s, const field_def &f, value v, const Path &path, std::vector<validation_issue> &issues) {
  const auto wrong_type = [&] {
    auto i = make_issue(path(), "invalid_type", std::string("Expected ") + expected_type(f) + ", received " + received_type(v));
    i.expected = expected_type(f);
    i.received = received_type(v);
    issues.push_back(i);
    return value{};
  };
  // Before any typing: bytes that are not UTF-8 are the problem, whatever the field's type (an
  // Int column of a Latin-1 file reports the encoding, not "expected integer"). PostgreSQL would
  // refuse them late, without the field; SQLite would store them and read back mojibake.
  if (auto str = std::get_if<std::string>(&v))
    if (const std::size_t at = invalid_utf8_at(*str); at != std::string_view::npos) {
      auto i = make_issue(path(), "invalid_string", "Invalid UTF-8 at " + describe_invalid_utf8(*str, at) + "; save the data as UTF-8");
      i.validation = "utf8";
      issues.push_back(i);
      return value{};
    }
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: {
      std::int64_t n;
      if (auto i = std::get_if<std::int64_t>(&v)) n = *i;
      else if (auto d = std::get_if<double>(&v); d && std::floor(*d) == *d && std::fabs(*d) < 9.2e18) n = static_cast<std::int64_t>(*d);
      else if (auto str = std::get_if<std::string>(&v); str && f.type == scalar_type::bigint && !str->empty() &&
                                                        str->find_first_not_of("-0123456789") == std::string::npos) {
        auto i = make_issue(path(), "too_big", "Number must fit in a 64-bit integer");
        i.limit = "9223372036854775807";
        issues.push_back(i);
        return value{};
      } else return wrong_type();
      if (f.type == scalar_type::int_ && (n < std::numeric_limits<std::int32_t>::min() || n > std::numeric_limits<std::int32_t>::max())) {
        const bool low = n < 0;
        auto i = make_issue(path(), low ? "too_small" : "too_big",
                            std::string("Number must be ") + (low ? "greater than or equal to -2147483648" : "less than or equal to 2147483647"));
        i.limit = low ? "-2147483648" : "2147483647";
        issues.push_back(i);
        return value{};
      }
      return n;
    }
    case scalar_type::float_:
      if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
      if (std::holds_alternative<double>(v)) return v;
      return wrong_type();
    case scalar_type::decimal: {
      if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
      if (auto d = std::get_if<double>(&v)) return number_text(*d);
      static const auto decimal_re = pattern::compile(R"(^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$)", "", pattern::unit::bytes);
      if (auto str = std::get_if<std::string>(&v); str && decimal_re->search(*str)) return *str;
      return wrong_type();
    }
    case scalar_type::boolean:
      if (std::holds_alternative<bool>(v)) return v;
      return wrong_type();
    case scalar_type::datetime: {
      auto str = std::get_if<std::string>(&v);
      std::int64_t ms = 0;
      if (!str) return wrong_type();
      if (!parse_iso_timestamp(*str, ms)) {
        issues.push_back(make_issue(path(), "invalid_date", "Invalid date"));
        return value{};
      }
      return ms;
    }
    case scalar_type::json: {
      auto str = std::get_if<std::string>(&v);
      if (!str) {
        // Numbers and booleans are JSON documents too.
        if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
        if (auto b = std::get_if<bool>(&v)) return std::string(*b ? "true" : "false");
        if (auto d = std::get_if<double>(&v)) return number_text(*d);
        if (auto l = std::get_if<value_list>(&v)) return list_json_text(*l);  // a list of plain values is a JSON array
        return wrong_type();
      }
      if (!nlohmann::json::accept(*str)) {
        issues.push_back(make_issue(path(), "invalid_type", "Expected JSON (pass a dict, list, number, bool, or JSON text)"));
        return value{};
      }
      return v;
    }
    case scalar_type::enum_: {
      auto str = std::get_if<std::string>(&v);
      const enum_def *e = s.enumeration(f.type_name);
      if (!str) return wrong_type();
      if (e && !e->contains(*str)) {
        std::string options;
        for (const auto &o : e->values) options += (options.empty() ? "'" : " | '") + o + "'";
        auto i = make_issue(path(), "invalid_enum_value", "Invalid enum value. Expected " + options + ", received '" + *str + "'");
        i.options = e->values;
        issues.push_back(i);
        return value{};
      }
      return v;
    }
    case scalar_type::string:
      if (std::holds_alternative<std::string>(v)) return v;
      return wrong_type();
    case scalar_type::bytes: {
      if (std::holds_alternative<byte_string>(v)) return v;
      // Text is base64, as Prisma's JSON protocol and carrierdb's seed files carry Bytes.
      if (auto str = std::get_if<std::string>(&v)) {
        if (auto octets = base64_decode(*str)) return byte_string{std::move(*octets)};
        auto i = make_issue(path(), "invalid_string", "Expected bytes or base64 text, received text that is not base64");
        i.validation = "base64";
        issues.push_back(i);
        return value{};
      }
      return wrong_type();
    }
  }
  return wrong_type();
}

}  // namespace

value coerce_scalar_value(const schema &s, const field_def &f, const value &v, const std::vector<std::string> &path,
                          std::vector<validation_issue> &issues) {
  return coerce(s, f, v, [&] { return path; }, issues);
}

value coerce_field_value(const schema &s, const field_def &f, const value &v, const std::vector<std::string> &path,
                         std::vector<validation_issue> &issues) {
  if (f.list) return coerce_list_value(s, f, v, path, issues);
  return coerce(s, f, v, [&] { return path; }, issues);
}

namespace {

// A non-const `data` is the caller's to throw away: its values are moved into the result
// instead of copied.
template <class Record>
record check_record_impl(const schema &s, const model_def &model, Record &data, validation_mode mode, std::vector<validation_issue> &issues) {
  constexpr bool consume = !std::is_const_v<Record>;
  record out;
  out.reserve(data.size());
  std::vector<std::string> unknown;
  std::vector<const field_def *> seen;
  seen.reserve(data.size());
  for (auto &[name, v] : data) {
    const field_def *f = model.field(name);
    if (!f) {
      unknown.push_back(name);
      continue;
    }
    seen.push_back(f);
    const std::string &field_name = name;
    const auto path = [&] { return std::vector<std::string>{field_name}; };
    if (!f->is_column()) {
      issues.push_back(unwritable_field_issue(*f));
      continue;
    }
    if (f->ignored && mode != validation_mode::load) {
      issues.push_back(make_issue(path(), "custom", "Field " + f->name + " is marked @ignore at " + f->where.to_string() +
                                                      ": as in Prisma's client it is not written; remove @ignore to write it"));
      continue;
    }
    if (is_null(v)) {
      if (!f->optional) {
        const char *expected = f->list ? "array" : expected_type(*f);
        auto i = make_issue(path(), "invalid_type", std::string("Expected ") + expected + ", received null");
        i.expected = expected;
        i.received = "null";
        issues.push_back(i);
      }
      out.emplace_back(name, std::monostate{});
      continue;
    }
    if (f->list) {
      value list = coerce_list_value(s, *f, v, path(), issues);
      if (!is_null(list)) out.emplace_back(name, std::move(list));
      continue;
    }
    value typed;
    if constexpr (consume) typed = coerce(s, *f, std::move(v), path, issues);
    else typed = coerce(s, *f, v, path, issues);
    if (is_null(typed)) continue;  // issue recorded
    if (auto str = std::get_if<std::string>(&typed); str && f->type == scalar_type::string) {
      std::string text = std::move(*str);  // `typed` is reassigned below
      for (const auto &n : f->normalizers) apply_normalizer(n, text);
      // Rejected on both backends alike: PostgreSQL text cannot hold NUL at all.
      if (text.find('\0') != std::string::npos) {
        auto i = make_issue(path(), "invalid_string", "String must not contain NUL characters");
        i.validation = "nul";
        issues.push_back(i);
      }
      check_string_rules(*f, text, path, issues);
      if (const int limit = f->max_length(); limit > 0 && code_points(text) > static_cast<std::size_t>(limit)) {
        auto i = make_issue(path(), "too_big", "String must contain at most " + std::to_string(limit) + " character(s)");
        i.limit = std::to_string(limit);
        issues.push_back(i);
      }
      typed = std::move(text);
    } else if (f->type == scalar_type::int_ || f->type == scalar_type::bigint || f->type == scalar_type::float_ ||
               f->type == scalar_type::decimal) {
      check_number_rules(*f, typed, path, issues);
    }
    out.emplace_back(name, std::move(typed));
  }
  if (!unknown.empty()) {
    std::string listed;
    for (auto &k : unknown) {
      k = printable_utf8(k);  // a header in another encoding: shown, never passed on raw
      listed += (listed.empty() ? "'" : ", '") + k + "'";
    }
    auto i = make_issue({}, "unrecognized_keys", "Unrecognized key(s) in object: " + listed);
    i.options = unknown;
    issues.push_back(i);
  }
  if (mode != validation_mode::update) {
    for (const auto &f : model.fields) {
      if (f.has_implicit_value() || std::find(seen.begin(), seen.end(), &f) != seen.end()) continue;
      if (f.ignored && mode == validation_mode::create) {
        // Prisma's client has no create for such a model: nothing could fill the column.
        issues.push_back(make_issue({f.name}, "custom", "Cannot create " + model.name + ": field " + f.name + " is marked @ignore at " +
                                                         f.where.to_string() + " and is required without @default; give it a @default or make it optional"));
        continue;
      }
      auto i = make_issue({f.name}, "invalid_type", "Required");
      i.expected = expected_type(f);
      i.received = "undefined";
      issues.push_back(i);
    }
  }
  return out;
}

}  // namespace

record check_record(const schema &s, const model_def &model, const record &data, validation_mode mode,
                    std::vector<validation_issue> &issues) {
  return check_record_impl(s, model, data, mode, issues);
}

record check_record(const schema &s, const model_def &model, record &&data, validation_mode mode, std::vector<validation_issue> &issues) {
  return check_record_impl(s, model, data, mode, issues);
}

record validate_record(const schema &s, const model_def &model, const record &data, validation_mode mode) {
  std::vector<validation_issue> issues;
  record out = check_record(s, model, data, mode, issues);
  if (!issues.empty()) throw validation_error(model.name, std::move(issues));
  return out;
}

}  // namespace carrierdb
