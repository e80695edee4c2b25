// drift_values: what a column holds when nothing is given (defaults) and which values it takes
// (enums: PostgreSQL's enum types, SQLite's CHECK value lists), compared with the catalog.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <set>

#include "carrierdb/schema/validation.hpp"
#include "drift_parts.hpp"

namespace carrierdb::drift_parts {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Position of the last top-level "::" (a PostgreSQL cast), outside quotes and parentheses.
std::size_t last_cast(const std::string &s) {
  std::size_t found = std::string::npos;
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (depth == 0 && c == ':' && s[i + 1] == ':') {
      found = i++;
    }
  }
  return found;
}

// A default as both sides can compare it: casts and wrapping parentheses gone, a quoted literal
// unquoted, the spellings of "now" made one.
std::string canonical_default(std::string sql) {
  sql = trim(sql);
  for (std::size_t at; (at = last_cast(sql)) != std::string::npos;) sql = trim(sql.substr(0, at));
  while (sql.size() >= 2 && sql.front() == '(' && sql.back() == ')') sql = trim(sql.substr(1, sql.size() - 2));
  const std::string l = lower(sql);
  if (l == "current_timestamp" || l == "now()" || l.rfind("current_timestamp(", 0) == 0 || l == "localtimestamp") return "now()";
  if (sql.size() >= 2 && sql.front() == '\'' && sql.back() == '\'') {
    std::string out;
    for (std::size_t i = 1; i + 1 < sql.size(); ++i) {
      out += sql[i];
      if (sql[i] == '\'' && sql[i + 1] == '\'') ++i;
    }
    return out;
  }
  return sql;
}

std::optional<double> number(const std::string &s) {
  if (s.empty()) return std::nullopt;
  char *end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

std::string boolean(const std::string &s) {
  const std::string l = lower(s);
  if (l == "1" || l == "true" || l == "t") return "true";
  if (l == "0" || l == "false" || l == "f") return "false";
  return s;
}

// A plain decimal numeral written one way: no sign on zero, no leading zeros, no trailing zeros
// after the point ("012.50" -> "12.5"); nullopt for anything else (exponents, words).
std::optional<std::string> decimal_numeral(const std::string &s) {
  const bool signed_ = !s.empty() && (s[0] == '-' || s[0] == '+');
  const bool negative = signed_ && s[0] == '-';
  std::size_t i = signed_ ? 1 : 0;
  std::string whole, fraction;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) whole += s[i];
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) fraction += s[i];
  if (i != s.size() || (whole.empty() && fraction.empty())) return std::nullopt;
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  fraction.erase(fraction.find_last_not_of('0') + 1);
  if (whole.empty() && fraction.empty()) return std::string("0");
  return (negative ? "-" : "") + (whole.empty() ? "0" : whole) + (fraction.empty() ? "" : "." + fraction);
}

// A timestamp literal split into its wall-clock reading (any offset ignored) and its offset.
struct timestamp_literal {
  std::int64_t wall_ms = 0;
  std::int64_t offset_ms = 0;
  bool has_time = false, has_offset = false;
};

std::optional<timestamp_literal> parse_timestamp_literal(const std::string &text) {
  timestamp_literal t;
  std::int64_t instant = 0;
  if (!parse_iso_timestamp(text, instant)) return std::nullopt;
  t.has_time = text.find(':') != std::string::npos;
  std::string wall = text;
  if (t.has_time) {
    // The offset follows the time: a Z, or the last sign after the first colon.
    const std::size_t sign = wall.find_last_of("+-");
    if (!wall.empty() && (wall.back() == 'Z' || wall.back() == 'z')) wall.pop_back(), t.has_offset = true;
    else if (sign != std::string::npos && sign > wall.find(':')) wall.erase(sign), t.has_offset = true;
  }
  if (!parse_iso_timestamp(trim(wall), t.wall_ms)) return std::nullopt;
  t.offset_ms = t.wall_ms - instant;
  return t;
}

// Whether the catalog's timestamp default `have` is the schema's literal `want`, as the database
// took it: PostgreSQL's `timestamp` (no time zone) drops any offset of the literal Prisma wrote
// and `date` keeps the day only, so those compare by wall clock; a value with an offset
// (`timestamptz`, or SQLite's text as written) compares as an instant.
bool same_timestamp(const std::string &want, const std::string &have) {
  const auto w = parse_timestamp_literal(want), h = parse_timestamp_literal(have);
  if (!w || !h) return false;
  constexpr std::int64_t day = 86400000;
  const auto floor_day = [](std::int64_t ms) { return (ms >= 0 ? ms : ms - (day - 1)) / day; };
  if (!h->has_time) return floor_day(w->wall_ms) == floor_day(h->wall_ms);
  if (h->has_offset) return w->wall_ms - w->offset_ms == h->wall_ms - h->offset_ms;
  return w->wall_ms == h->wall_ms;
}

bool same_default(const std::string &want, const std::string &have, const field_def &f) {
  if (want == have) return true;
  if (f.type == scalar_type::boolean) return boolean(want) == boolean(have);
  if (f.type == scalar_type::datetime && f.default_ && f.default_->what == default_value::kind::literal) return same_timestamp(want, have);
  const bool numeric = f.type == scalar_type::int_ || f.type == scalar_type::bigint || f.type == scalar_type::float_ || f.type == scalar_type::decimal;
  if (numeric) {
    // Exactly, digit by digit where both are plain numerals: as doubles, BigInt's 2^53 + 1 would equal 2^53.
    const auto exact_a = decimal_numeral(want), exact_b = decimal_numeral(have);
    if (exact_a && exact_b) return *exact_a == *exact_b;
    const auto a = number(want), b = number(have);
    if (a && b) return *a == *b;
  }
  // dbgenerated("...") and the catalog's rendering of it may differ in case and blanks only.
  const auto squeeze = [](const std::string &s) {
    std::string out;
    for (char c : lower(s))
      if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    return out;
  };
  return f.default_ && f.default_->what == default_value::kind::db_generated && squeeze(want) == squeeze(have);
}

}  // namespace

void compare_default(const schema &s, const drift_item &base, const field_def &f, const column_info &column, std::vector<drift_item> &out) {
  drift_item item = base;
  item.kind = "default";
  // What the schema expects in the catalog; nullopt: no database default (uuid()/cuid() are the client's).
  std::optional<std::string> want;
  std::string says;
  if (f.default_) {
    const default_value &d = *f.default_;
    switch (d.what) {
      case default_value::kind::autoincrement:
        if (column.auto_increment) return;
        item.schema_says = "has default autoincrement()";
        item.database_has = column.default_sql.empty() ? "no default" : "default " + column.default_sql;
        out.push_back(item);
        return;
      case default_value::kind::uuid:
      case default_value::kind::cuid: says = "has no database default (" + std::string(d.what == default_value::kind::uuid ? "uuid()" : "cuid()") + " is computed by the client)"; break;
      case default_value::kind::list_literal: return;  // array literals are spelled too many ways to compare
      case default_value::kind::now: want = "now()"; break;
      case default_value::kind::enum_value: {
        want = d.text;
        if (const enum_def *e = s.enumeration(f.type_name))
          for (std::size_t i = 0; i < e->values.size() && i < e->db_values.size(); ++i)
            if (e->values[i] == d.text) want = e->db_values[i];
        break;
      }
      case default_value::kind::literal:
      case default_value::kind::db_generated: want = d.text; break;
    }
    if (want) says = "has default " + *want;
  } else {
    says = "has no default";
  }
  const bool has = !column.default_sql.empty() || column.auto_increment;
  const std::string have = column.auto_increment ? std::string("autoincrement()") : canonical_default(column.default_sql);
  if (want ? has && same_default(*want, have, f) : !has) return;
  item.schema_says = says;
  item.database_has = has ? "default " + (column.auto_increment && column.default_sql.empty() ? have : column.default_sql) : "no default";
  out.push_back(item);
}

void compare_enums(const schema &s, connection &conn, const std::vector<std::string> &tables, std::vector<drift_item> &out) {
  if (conn.caps().enum_types) {
    const std::vector<enum_type_info> present = conn.enum_types();
    std::set<std::string> known;
    for (const auto &e : s.enums()) {
      known.insert(e.db_name);
      drift_item item;
      item.kind = "enum";
      item.model = e.name;
      const auto it = std::find_if(present.begin(), present.end(), [&](const enum_type_info &p) { return p.name == e.db_name; });
      std::vector<std::string> want = e.db_values, have = it == present.end() ? std::vector<std::string>{} : it->values;
      std::sort(want.begin(), want.end());
      std::sort(have.begin(), have.end());
      if (it != present.end() && want == have) continue;
      item.schema_says = "type " + e.db_name + " with values " + join(e.db_values);
      item.database_has = it == present.end() ? "no such type" : "values " + join(it->values);
      out.push_back(item);
    }
    for (const auto &p : present) {
      if (known.count(p.name)) continue;
      drift_item item;
      item.kind = "enum";
      item.schema_says = "absent";
      item.database_has = "enum type " + p.name + " with values " + join(p.values);
      out.push_back(item);
    }
    return;
  }
  // No enum types: each enum column carries its values in a CHECK, as the project's SQLite migrations write it.
  for (const auto &m : s.models()) {
    if (std::find(tables.begin(), tables.end(), m.table) == tables.end()) continue;  // reported as a missing table
    std::vector<enum_type_info> checks;
    bool read = false;
    for (const auto &f : m.fields) {
      if (f.kind != field_kind::enum_ || f.list) continue;
      const enum_def *e = s.enumeration(f.type_name);
      if (!e) continue;
      if (!read) checks = conn.value_list_checks(m.table), read = true;
      const auto it = std::find_if(checks.begin(), checks.end(), [&](const enum_type_info &c) { return c.name == f.column; });
      std::vector<std::string> want = e->db_values, have = it == checks.end() ? std::vector<std::string>{} : it->values;
      std::sort(want.begin(), want.end());
      std::sort(have.begin(), have.end());
      if (it != checks.end() && want == have) continue;
      drift_item item;
      item.kind = "enum";
      item.model = m.name;
      item.table = m.table;
      item.field = f.name;
      item.column = f.column;
      item.schema_says = "takes the values of enum " + e->name + " " + join(e->db_values);
      item.database_has = it == checks.end() ? "no CHECK (" + f.column + " IN (...)) on the column" : "CHECK values " + join(it->values);
      out.push_back(item);
    }
  }
}

}  // namespace carrierdb::drift_parts
