// row_preparation: a seed row typed, validated and made into the load's columns.
#include "row_preparation.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

#include "carrierdb/base/ids.hpp"
#include "carrierdb/schema/enum_values.hpp"
#include "numbers.hpp"
#include "unchanged_filter.hpp"

namespace carrierdb::seeding {

namespace {

// CSV text into the field's type, so "42" can be an Int. What does not parse stays text and
// validation reports it with the field's expected type.
value from_text(const field_def &f, value v) {
  const std::string *s = std::get_if<std::string>(&v);
  if (!s) return v;
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: {
      if (s->empty() || s->find_first_not_of("+-0123456789") != std::string::npos) return v;
      try {
        std::size_t used = 0;
        const long long n = std::stoll(*s, &used);
        if (used == s->size()) return static_cast<std::int64_t>(n);
      } catch (...) {
      }
      return v;
    }
    case scalar_type::float_: {
      if (s->empty()) return v;
      char *end = nullptr;
      errno = 0;
      const double d = parse_double(s->c_str(), &end);
      if (end == s->c_str() + s->size() && errno != ERANGE) return d;
      return v;
    }
    case scalar_type::boolean: {
      std::string lower = *s;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "true" || lower == "t" || lower == "1" || lower == "yes") return true;
      if (lower == "false" || lower == "f" || lower == "0" || lower == "no") return false;
      return v;
    }
    default: return v;
  }
}

// A literal or enum @default as a typed value (the database would apply it on INSERT, but a
// staging table has no defaults).
value default_literal(const field_def &f) {
  if (!f.default_) return std::monostate{};
  const default_value &d = *f.default_;
  if (d.what != default_value::kind::literal && d.what != default_value::kind::enum_value) return std::monostate{};
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: return static_cast<std::int64_t>(std::stoll(d.text));
    case scalar_type::float_: return parse_double(d.text.c_str());
    case scalar_type::boolean: return d.text == "true";
    default: return d.text;
  }
}

// The row's issues, or none: the schema's rules, and a value for every key field.
record validated(const prepare_plan &plan, record input, std::vector<validation_issue> &issues) {
  record valid = check_record(plan.model_schema, plan.model, std::move(input), validation_mode::load, issues);
  for (const auto &k : plan.columns.key) {
    const value *v = find_field(valid, k);
    if (issues.empty() && (!v || is_null(*v))) {
      validation_issue i;
      i.path = {k};
      i.code = "invalid_type";
      i.message = "Required: " + k + " is the seed's key";
      issues.push_back(i);
    }
  }
  return valid;
}

// The load's columns of a valid row, in plan order: the given values, else what the schema
// fills in (the run's clock, a uuid, a literal default).
void fill_columns(const prepare_plan &plan, record &valid, prepared_row &out) {
  const auto &fields = plan.columns.fields;
  out.row.reserve(fields.size() + 1);  // + the line number a staging table takes
  for (std::size_t j = 0; j < fields.size(); ++j) {
    const field_def *f = fields[j];
    value *given = const_cast<value *>(find_field(valid, f->name));  // `valid` is not used after this
    value v;
    if (given) {
      v = std::move(*given);
    } else if (filled_by_run_clock(*f)) {
      if (f->type == scalar_type::datetime) {
        // The run's "now" fills two columns of every row: converted once, not per row, and when
        // unchanged rows stay home, filled in only for the rows that are sent.
        if (plan.digests && j < 64) out.now_columns |= std::uint64_t{1} << j;
        else v = plan.now_param;
        out.row.push_back(std::move(v));
        continue;
      }
      v = plan.now_ms;  // a now() default on a field that is not a DateTime: Unix milliseconds
    } else if (f->default_ && f->default_->what == default_value::kind::uuid) {
      v = uuid_v4();
    } else {
      v = default_literal(*f);
    }
    // Rows reach the table as the database names enum values (`ACTIVE @map("active")`).
    if (const enum_def *e = mapped_enum(plan.model_schema, *f)) v = enum_to_database(*e, std::move(v));
    if (f->type == scalar_type::datetime) {
      const auto as_timestamp = [&](value &t) {
        if (auto ms = std::get_if<std::int64_t>(&t))
          t = *ms == plan.now_ms ? plan.now_param : plan.conn.timestamp_value(std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms)));
      };
      as_timestamp(v);
      if (auto list = std::get_if<value_list>(&v))  // DateTime[]: each element
        for (auto &item : list->items) as_timestamp(item);
    }
    out.row.push_back(std::move(v));
  }
}

}  // namespace

void prepare_row(const prepare_plan &plan, bool wanted, const source_row &src, prepared_row &out) {
  const model_def &model = plan.model;
  out.line = src.line;
  out.now_columns = 0;
  out.row.clear();
  out.rejected.reset();
  // An empty value for a required field that has a default means "use the default": an empty
  // CSV cell or a NaN in a DataFrame is how seed files leave a value out.
  const auto mapped = [&](const std::string &name, const value &v, const field_def *&f) {
    f = model.field(name);
    if (!f) f = model.field_by_column(name);
    return !(f && is_null(v) && !f->optional && f->has_implicit_value());
  };
  record input;
  input.reserve(src.fields.size());
  for (const auto &[name, v] : src.fields) {
    const field_def *f = nullptr;
    if (!mapped(name, v, f)) continue;
    if (f) input.emplace_back(f->name, from_text(*f, v));
    else input.emplace_back(name, v);
  }
  std::vector<validation_issue> issues;
  record valid = validated(plan, std::move(input), issues);
  if (!issues.empty()) {
    // The report shows each bad value as given.
    auto rejected = std::make_unique<rejected_input>();
    for (const auto &[name, v] : src.fields) {
      const field_def *f = nullptr;
      if (mapped(name, v, f)) rejected->input.emplace_back(f ? f->name : name, v);
    }
    rejected->issues = std::move(issues);
    out.rejected = std::move(rejected);
    return;
  }
  if (!wanted) return;  // strict mode after a bad row: only validation goes on
  fill_columns(plan, valid, out);
  if (plan.digests) {
    thread_local std::string text;
    out.key_digest = digest_of(out.row, plan.columns.key_positions, text);
    out.row_digest = digest_of(out.row, plan.columns.compared_positions, text);
  }
}

}  // namespace carrierdb::seeding
