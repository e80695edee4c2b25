// Binary COPY encoding (PostgreSQL's "binary" format: network byte order, timestamps as
// microseconds since 2000-01-01). Mirrors what the server's text input functions accept for the
// same values, so that a load gives the same rows in either format.
#include "pg_binary.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>

#include "carrierdb/error.hpp"
#include "carrierdb/time.hpp"
#include "numbers.hpp"

namespace carrierdb::internal {

namespace {

void put_be(std::string &out, std::uint64_t v, int bytes) {
  char buf[8];
  for (int k = 0; k < bytes; ++k) buf[k] = static_cast<char>((v >> (8 * (bytes - 1 - k))) & 0xFF);
  out.append(buf, static_cast<std::size_t>(bytes));
}

void put_field(std::string &out, const char *data, std::size_t size) {
  put_be(out, static_cast<std::uint32_t>(size), 4);
  out.append(data, size);
}

const char *type_name(pg_binary_type t) {
  switch (t) {
    case pg_binary_type::text: return "text";
    case pg_binary_type::jsonb: return "jsonb";
    case pg_binary_type::int2: return "smallint";
    case pg_binary_type::int4: return "integer";
    case pg_binary_type::int8: return "bigint";
    case pg_binary_type::float4: return "real";
    case pg_binary_type::float8: return "double precision";
    case pg_binary_type::boolean: return "boolean";
    case pg_binary_type::timestamp: return "timestamp";
    case pg_binary_type::timestamptz: return "timestamp with time zone";
    case pg_binary_type::date: return "date";
    case pg_binary_type::uuid: return "uuid";
  }
  return "unknown";
}

[[noreturn]] void refuse(const char *sqlstate, const std::string &message, const std::string &hint = {}) {
  diagnostics diag;
  diag.sqlstate = sqlstate;
  diag.server_message = message;
  throw data_error(message, diag, hint);
}

[[noreturn]] void invalid_syntax(pg_binary_type t, std::string_view text) {
  const bool datetime = t == pg_binary_type::timestamp || t == pg_binary_type::timestamptz || t == pg_binary_type::date;
  refuse(datetime ? "22007" : "22P02", std::string("invalid input syntax for type ") + type_name(t) + ": \"" + std::string(text) + "\"",
         datetime ? "bulk loads take ISO 8601 text, e.g. 2024-01-31 12:00:00.000+00" : "");
}

[[noreturn]] void out_of_range(pg_binary_type t, std::string_view text) {
  if (t == pg_binary_type::float4 || t == pg_binary_type::float8)
    refuse("22003", "\"" + std::string(text) + "\" is out of range for type " + type_name(t));
  refuse("22003", "value \"" + std::string(text) + "\" is out of range for type " + type_name(t));
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(a[k])) != std::tolower(static_cast<unsigned char>(b[k]))) return false;
  return true;
}

// A value as the text path would send it (append_copy_field without the escaping; numbers as the
// C locale prints them, whatever the process's locale).
std::string_view text_form(const value &v, char (&buf)[48]) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto b = std::get_if<bool>(&v)) return *b ? "t" : "f";
  std::to_chars_result r;
  if (auto i = std::get_if<std::int64_t>(&v)) r = std::to_chars(buf, buf + sizeof buf, *i);
  else r = std::to_chars(buf, buf + sizeof buf, std::get<double>(v), std::chars_format::general, 17);  // printf's %.17g
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}



// int2in/int4in/int8in: blanks around, an optional sign, at least one digit.
std::int64_t parse_integer(std::string_view text, pg_binary_type t) {
  std::string_view s = trimmed(text);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) invalid_syntax(t, text);
  std::uint64_t magnitude = 0;
  bool overflow = false;
  for (const char c : s) {
    if (c < '0' || c > '9') invalid_syntax(t, text);
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) overflow = true;
    else magnitude = magnitude * 10 + static_cast<std::uint64_t>(c - '0');
  }
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  if (overflow || magnitude > limit) out_of_range(t, text);
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

// `original`: the value as given, for the message when it does not fit.
void put_integer(std::string &out, std::int64_t n, pg_binary_type t, const value &original) {
  const auto too_big = [&] {
    char buf[48];
    out_of_range(t, text_form(original, buf));
  };
  if (t == pg_binary_type::int2) {
    if (n < std::numeric_limits<std::int16_t>::min() || n > std::numeric_limits<std::int16_t>::max()) too_big();
    put_be(out, 2, 4);
    put_be(out, static_cast<std::uint16_t>(static_cast<std::int16_t>(n)), 2);
  } else if (t == pg_binary_type::int4) {
    if (n < std::numeric_limits<std::int32_t>::min() || n > std::numeric_limits<std::int32_t>::max()) too_big();
    put_be(out, 4, 4);
    put_be(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(n)), 4);
  } else {
    put_be(out, 8, 4);
    put_be(out, static_cast<std::uint64_t>(n), 8);
  }
}

// float4in/float8in: strtof/strtod with blanks around; NaN and Infinity spelled as PostgreSQL does.
void put_float(std::string &out, std::string_view text, pg_binary_type t) {
  const std::string s(trimmed(text));
  if (s.empty()) invalid_syntax(t, text);
  char *end = nullptr;
  errno = 0;
  double d;
  if (t == pg_binary_type::float4) d = strtof_l(s.c_str(), &end, c_locale());
  else d = strtod_l(s.c_str(), &end, c_locale());
  if (end != s.c_str() + s.size()) invalid_syntax(t, text);
  if (errno == ERANGE && (d == 0 || std::isinf(d))) out_of_range(t, text);
  if (t == pg_binary_type::float4) {
    const float f = static_cast<float>(d);
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    put_be(out, 4, 4);
    put_be(out, bits, 4);
  } else {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    put_be(out, 8, 4);
    put_be(out, bits, 8);
  }
}

// parse_bool_with_len: t/true/y/yes/on/1 and f/false/n/no/off/0, any case, prefixes allowed
// where they are unambiguous ("tr", "ye", "of"), blanks around.
bool parse_boolean(std::string_view text) {
  const std::string_view s = trimmed(text);
  const auto prefix_of = [&](std::string_view word, std::size_t at_least) {
    return s.size() >= at_least && s.size() <= word.size() && iequals(s, word.substr(0, s.size()));
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || s == "1") return true;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || s == "0") return false;
  invalid_syntax(pg_binary_type::boolean, text);
}

constexpr long long k_pg_epoch_days = 10957;  // 2000-01-01 - 1970-01-01

// YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][ ][Z|+HH[[:]MM]|-HH[[:]MM]], or [+-]infinity.
void put_datetime(std::string &out, std::string_view text, pg_binary_type t) {
  const std::string_view s = trimmed(text);
  if (iequals(s, "infinity") || iequals(s, "+infinity") || iequals(s, "-infinity")) {
    const bool early = s[0] == '-';
    if (t == pg_binary_type::date) {
      put_be(out, 4, 4);
      put_be(out, static_cast<std::uint32_t>(early ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int32_t>::max()), 4);
    } else {
      put_be(out, 8, 4);
      put_be(out, static_cast<std::uint64_t>(early ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max()), 8);
    }
    return;
  }
  std::size_t at = 0;
  const auto digits = [&](std::size_t n) {
    if (at + n > s.size()) invalid_syntax(t, text);
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = s[at + k];
      if (c < '0' || c > '9') invalid_syntax(t, text);
      v = v * 10 + (c - '0');
    }
    at += n;
    return v;
  };
  const auto expect = [&](char c) {
    if (at >= s.size() || s[at] != c) invalid_syntax(t, text);
    ++at;
  };
  const int year = digits(4);
  expect('-');
  const int month = digits(2);
  expect('-');
  const int day = digits(2);
  // Year 0 does not exist (the server reads 0000 as out of range; BC dates are not taken here).
  if (year == 0 || !valid_calendar_date(year, month, day)) {
    refuse("22008", "date/time field value out of range: \"" + std::string(text) + "\"");
  }
  int hour = 0, minute = 0, second = 0;
  long long micros = 0;
  if (at < s.size() && (s[at] == ' ' || s[at] == 'T' || s[at] == 't') && at + 1 < s.size() && s[at + 1] >= '0' && s[at + 1] <= '9') {
    ++at;
    hour = digits(2);
    expect(':');
    minute = digits(2);
    if (at < s.size() && s[at] == ':') {
      ++at;
      second = digits(2);
      if (at < s.size() && s[at] == '.') {
        // As the server: the fraction read as a double, times 10^6, rounded half to even.
        const std::size_t start = at;
        ++at;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
        if (at == start + 1) invalid_syntax(t, text);
        const std::string fraction(s.substr(start, at - start));
        micros = static_cast<long long>(std::rint(strtod_l(fraction.c_str(), nullptr, c_locale()) * 1000000.0));
      }
    }
    const bool midnight_24 = hour == 24 && minute == 0 && second == 0 && micros == 0;
    // 24:00:00 is the next midnight and a leap second :60 the next minute, as the server reads them.
    if ((hour > 23 && !midnight_24) || minute > 59 || second > 60)
      refuse("22008", "date/time field value out of range: \"" + std::string(text) + "\"");
  }
  long long offset_seconds = 0;
  while (at < s.size() && s[at] == ' ') ++at;
  if (at < s.size()) {
    if (s[at] == 'Z' || s[at] == 'z') {
      ++at;
    } else if (s[at] == '+' || s[at] == '-') {
      const int sign = s[at] == '-' ? -1 : 1;
      ++at;
      const int hh = digits(2);
      int mm = 0;
      if (at < s.size() && s[at] == ':') ++at;
      if (at < s.size()) mm = digits(2);
      if (hh > 15 || mm > 59) refuse("22009", "time zone displacement out of range: \"" + std::string(text) + "\"");
      offset_seconds = sign * (hh * 3600LL + mm * 60LL);
    }
    if (at != s.size()) invalid_syntax(t, text);
  }
  const long long days = days_from_civil(year, month, day) - k_pg_epoch_days;
  if (t == pg_binary_type::date) {
    put_be(out, 4, 4);
    put_be(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(days)), 4);
    return;
  }
  long long seconds = days * 86400 + hour * 3600LL + minute * 60LL + second;
  // A timestamp without time zone keeps the wall time as written, as timestamp_in does.
  if (t == pg_binary_type::timestamptz) seconds -= offset_seconds;
  put_be(out, 8, 4);
  put_be(out, static_cast<std::uint64_t>(seconds * 1000000 + micros), 8);
}

// uuid_in: 32 hex digits, optionally in braces, a '-' allowed after any group of four.
void put_uuid(std::string &out, std::string_view text) {
  std::string_view s = text;
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
  unsigned char bytes[16];
  std::size_t at = 0;
  const auto hex = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    invalid_syntax(pg_binary_type::uuid, text);
  };
  for (int k = 0; k < 16; ++k) {
    if (at + 2 > s.size()) invalid_syntax(pg_binary_type::uuid, text);
    bytes[k] = static_cast<unsigned char>(hex(s[at]) << 4 | hex(s[at + 1]));
    at += 2;
    if (k % 2 == 1 && k != 15 && at < s.size() && s[at] == '-') ++at;
  }
  if (at != s.size()) invalid_syntax(pg_binary_type::uuid, text);
  put_field(out, reinterpret_cast<const char *>(bytes), 16);
}

}  // namespace

std::optional<pg_binary_type> pg_binary_type_of(const std::string &typname, char typtype, bool in_pg_catalog) {
  if (typtype == 'e') return pg_binary_type::text;  // enum_recv takes the label
  if (typtype != 'b' || !in_pg_catalog) return std::nullopt;
  if (typname == "text" || typname == "varchar" || typname == "bpchar" || typname == "json") return pg_binary_type::text;
  if (typname == "jsonb") return pg_binary_type::jsonb;
  if (typname == "int2") return pg_binary_type::int2;
  if (typname == "int4") return pg_binary_type::int4;
  if (typname == "int8") return pg_binary_type::int8;
  if (typname == "float4") return pg_binary_type::float4;
  if (typname == "float8") return pg_binary_type::float8;
  if (typname == "bool") return pg_binary_type::boolean;
  if (typname == "timestamp") return pg_binary_type::timestamp;
  if (typname == "timestamptz") return pg_binary_type::timestamptz;
  if (typname == "date") return pg_binary_type::date;
  if (typname == "uuid") return pg_binary_type::uuid;
  return std::nullopt;
}

void append_pg_binary_header(std::string &out) {
  out.append("PGCOPY\n\377\r\n\0", 11);
  put_be(out, 0, 4);  // flags: no OIDs
  put_be(out, 0, 4);  // header extension length
}

void append_pg_binary_trailer(std::string &out) { put_be(out, 0xFFFF, 2); }

void append_pg_binary_tuple_start(std::string &out, std::size_t fields) { put_be(out, static_cast<std::uint16_t>(fields), 2); }

void append_pg_binary_field(std::string &out, const value &v, pg_binary_type type) {
  if (is_null(v)) {
    put_be(out, 0xFFFFFFFF, 4);
    return;
  }
  char buf[48];
  switch (type) {
    case pg_binary_type::text:
    case pg_binary_type::jsonb: {
      const std::string_view s = text_form(v, buf);
      if (s.find('\0') != std::string_view::npos) {
        diagnostics diag;
        diag.sqlstate = "22021";
        throw data_error("a value contains a NUL byte, which PostgreSQL text cannot store", diag, "remove NUL characters from the value");
      }
      if (type == pg_binary_type::jsonb) {
        put_be(out, static_cast<std::uint32_t>(s.size() + 1), 4);
        out += '\x01';  // jsonb's binary format version
        out.append(s.data(), s.size());
      } else {
        put_field(out, s.data(), s.size());
      }
      return;
    }
    case pg_binary_type::int2:
    case pg_binary_type::int4:
    case pg_binary_type::int8: {
      if (auto i = std::get_if<std::int64_t>(&v)) return put_integer(out, *i, type, v);
      return put_integer(out, parse_integer(text_form(v, buf), type), type, v);
    }
    case pg_binary_type::float4:
    case pg_binary_type::float8: {
      if (auto d = std::get_if<double>(&v); d && type == pg_binary_type::float8) {
        std::uint64_t bits;
        std::memcpy(&bits, d, 8);
        put_be(out, 8, 4);
        put_be(out, bits, 8);
        return;
      }
      return put_float(out, text_form(v, buf), type);
    }
    case pg_binary_type::boolean: {
      const bool b = std::holds_alternative<bool>(v) ? std::get<bool>(v) : parse_boolean(text_form(v, buf));
      put_be(out, 1, 4);
      out += static_cast<char>(b ? 1 : 0);
      return;
    }
    case pg_binary_type::timestamp:
    case pg_binary_type::timestamptz:
    case pg_binary_type::date: return put_datetime(out, text_form(v, buf), type);
    case pg_binary_type::uuid: return put_uuid(out, text_form(v, buf));
  }
}

}  // namespace carrierdb::internal
