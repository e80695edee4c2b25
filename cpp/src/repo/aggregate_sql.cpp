// aggregate_sql: Prisma's aggregate and groupBy (_count, _sum, _avg, _min, _max, having, orderBy)
// as one SQL statement each, typed like Prisma's results.
#include <algorithm>
#include <functional>
#include <map>

#include "carrierdb/repo/repository.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

namespace {

const char *const aggregate_keys[] = {"_count", "_sum", "_avg", "_min", "_max"};

bool numeric(const field_def &f) {
  return !f.list && (f.type == scalar_type::int_ || f.type == scalar_type::bigint || f.type == scalar_type::float_ ||
                     f.type == scalar_type::decimal);
}

// Whether `op` applies to `f`; what is wrong when not.
std::string unfit(const std::string &op, const field_def &f) {
  if (op == "_count") return "";
  if ((op == "_sum" || op == "_avg") && !numeric(f)) return op + " needs an Int, BigInt, Float or Decimal field";
  if (f.list || f.type == scalar_type::json || f.type == scalar_type::boolean || f.type == scalar_type::bytes)
    return op + " does not apply to " + f.type_name + (f.list ? "[]" : "") + " fields";
  return "";
}

// One aggregate: its SQL and how its value comes back. `f` is null for _count._all.
struct aggregate_term {
  std::string op;
  const field_def *f = nullptr;
  std::string name;  // "_count._all", "_sum.modelYear", or "_count" for `_count: true`

  std::string sql(const connection &c) const {
    const std::string col = f ? c.quote_identifier(f->column) : "*";
    // Int sums are integers and averages are floats, as in Prisma (PostgreSQL would say numeric).
    // The type names mean the same to SQLite (its affinity rules read INT and DOUB).
    if (op == "_count") return "COUNT(" + col + ")";
    if (op == "_sum") return f->type == scalar_type::int_ || f->type == scalar_type::bigint ? "CAST(SUM(" + col + ") AS BIGINT)" : "SUM(" + col + ")";
    if (op == "_avg") return f->type == scalar_type::decimal ? "AVG(" + col + ")" : "CAST(AVG(" + col + ") AS DOUBLE PRECISION)";
    return (op == "_min" ? "MIN(" : "MAX(") + col + ")";
  }
  column_kind kind() const {
    if (op == "_count") return column_kind::integer;
    if (op == "_avg") return f->type == scalar_type::decimal ? column_kind::numeric : column_kind::real;
    return kind_for(*f);
  }
};

}  // namespace

// The aggregates the caller asked for, in Prisma's order (_count, _sum, _avg, _min, _max).
static std::vector<aggregate_term> requested_terms(const model_def &m, const aggregate_options &o, std::vector<validation_issue> &issues) {
  const document *given[] = {&o.count, &o.sum, &o.avg, &o.min, &o.max};
  std::vector<aggregate_term> terms;
  for (std::size_t k = 0; k < 5; ++k) {
    const std::string op = aggregate_keys[k];
    const document &d = *given[k];
    if (d.is_null()) continue;
    if (op == "_count" && d.what == document::kind::scalar && d.scalar == value{true}) {
      terms.push_back({op, nullptr, "_count"});
      continue;
    }
    if (d.what != document::kind::object) {
      issues.push_back(argument_issue(op, "invalid_type", "Expected {field: true}" + std::string(op == "_count" ? " or true" : "")));
      continue;
    }
    for (const auto &[name, flag] : d.object) {
      const std::string at = op + "." + name;
      if (flag.what != document::kind::scalar || !std::holds_alternative<bool>(flag.scalar)) {
        issues.push_back(argument_issue(at, "invalid_type", "Expected true or false"));
        continue;
      }
      if (!std::get<bool>(flag.scalar)) continue;
      if (op == "_count" && name == "_all") {
        terms.push_back({op, nullptr, at});
        continue;
      }
      const field_def *f = m.field(name);
      if (!f || !f->is_client_field()) {
        validation_issue i = argument_issue(at, "unrecognized_keys", "Unknown field '" + name + "' in " + m.name);
        i.options = {name};
        issues.push_back(i);
      } else if (const std::string why = unfit(op, *f); !why.empty()) {
        issues.push_back(argument_issue(at, "invalid_type", why));
      } else {
        terms.push_back({op, f, at});
      }
    }
  }
  return terms;
}

// Runs SELECT <group fields>, <aggregates> ... and names and types the columns as Prisma does.
static result named(result r, const schema &s, const std::vector<const field_def *> &groups, const std::vector<aggregate_term> &terms) {
  std::vector<const field_def *> fields;  // per column, for enum names; _count and _avg are numbers
  for (std::size_t k = 0; k < r.columns.size(); ++k) {
    if (k < groups.size()) {
      r.columns[k] = column{groups[k]->name, kind_for(*groups[k])};
      fields.push_back(groups[k]);
    } else {
      const aggregate_term &t = terms[k - groups.size()];
      r.columns[k] = column{t.name, t.kind()};
      fields.push_back(t.op == "_min" || t.op == "_max" ? t.f : nullptr);
    }
  }
  enums_from_database(s, fields, r);
  return r;
}

result repository::aggregate(const aggregate_options &options) {
  std::vector<validation_issue> issues;
  const std::vector<aggregate_term> terms = requested_terms(*m_model, options, issues);
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  if (terms.empty()) return result{};
  return named(m_db->with_connection([&](connection &c) {
    params args;
    std::string list;
    for (std::size_t k = 0; k < terms.size(); ++k) list += (k ? ", " : "") + terms[k].sql(c) + " AS " + c.quote_identifier("a" + std::to_string(k));
    return c.query("SELECT " + list + " FROM " + c.quote_identifier(m_table) + where_sql(c, options.where, args), args);
  }), *m_schema, {}, terms);
}

result repository::group_by(const aggregate_options &options) {
  std::vector<validation_issue> issues;
  std::vector<const field_def *> groups;
  if (options.by.empty()) issues.push_back(argument_issue("by", "too_small", "group_by needs at least one field in `by`"));
  for (std::size_t k = 0; k < options.by.size(); ++k) {
    const field_def *f = m_model->field(options.by[k]);
    if (!f || !f->is_client_field() || f->list || f->type == scalar_type::json)
      issues.push_back(argument_issue("by." + std::to_string(k), "unrecognized_keys", "'" + options.by[k] + "' is not a field of " + m_model->name + " to group by"));
    else groups.push_back(f);
  }
  const std::vector<aggregate_term> terms = requested_terms(*m_model, options, issues);
  if (options.skip && *options.skip < 0) issues.push_back(argument_issue("skip", "too_small", "skip must not be negative"));
  if (options.take && *options.take < 0) issues.push_back(argument_issue("take", "too_small", "take must not be negative in group_by"));
  if ((options.skip || options.take) && options.order_by.is_null())
    issues.push_back(argument_issue("orderBy", "invalid_arguments", "take and skip in group_by need an orderBy, as in Prisma"));
  const auto grouped = [&](const field_def *f) { return std::find(groups.begin(), groups.end(), f) != groups.end(); };
  return named(m_db->with_connection([&](connection &c) {
    params args;
    const std::string where = where_sql(c, options.where, args);
    // A condition on one aggregate of `f`: equals, not, in, notIn, lt, lte, gt, gte.
    const auto aggregate_condition = [&](const std::string &expr, const std::string &op, const field_def &f, const document &node,
                                         const std::string &path) -> std::string {
      const auto param = [&](const document &d, const std::string &at) -> std::string {
        value v = d.scalar;
        if (op == "_count" || (op == "_avg" && f.type != scalar_type::decimal)) {
          const bool whole = std::holds_alternative<std::int64_t>(v);
          if (!whole && (op == "_count" || !std::holds_alternative<double>(v))) {
            issues.push_back(argument_issue(at, "invalid_type", op == "_count" ? "Expected an integer" : "Expected a number"));
            return "NULL";
          }
          if (op == "_avg" && whole) v = static_cast<double>(std::get<std::int64_t>(v));
          args.push_back(v);
        } else {
          const std::size_t before = issues.size();
          v = coerce_field_value(*m_schema, f, v, argument_issue(at, "", "").path, issues);
          if (issues.size() > before) return "NULL";
          args.push_back(to_param(c, f, v));
        }
        return c.placeholder(args.size());
      };
      if (node.what == document::kind::scalar) return expr + " = " + param(node, path);
      if (node.what != document::kind::object) {
        issues.push_back(argument_issue(path, "invalid_type", "Expected a value or an object of operators"));
        return "1 = 1";
      }
      static const std::map<std::string, std::string> compare = {{"equals", " = "}, {"not", " <> "}, {"lt", " < "},
                                                                 {"lte", " <= "}, {"gt", " > "}, {"gte", " >= "}};
      std::string out;
      for (const auto &[name, operand] : node.object) {
        const std::string at = path + "." + name;
        std::string part;
        if (compare.count(name) && operand.what == document::kind::scalar) {
          part = operand.is_null() ? expr + (name == "not" ? " IS NOT NULL" : " IS NULL") : expr + compare.at(name) + param(operand, at);
        } else if ((name == "in" || name == "notIn") && operand.what == document::kind::array) {
          std::string list;
          for (std::size_t k = 0; k < operand.array.size(); ++k) list += (k ? ", " : "") + param(operand.array[k], at + "." + std::to_string(k));
          part = list.empty() ? (name == "in" ? "1 = 0" : "1 = 1") : expr + (name == "in" ? " IN (" : " NOT IN (") + list + ")";
        } else {
          issues.push_back(argument_issue(at, "unrecognized_keys", "Unknown or misused operator '" + name + "' (known: equals, not, in, notIn, lt, lte, gt, gte)"));
          continue;
        }
        out += (out.empty() ? "" : " AND ") + part;
      }
      return out.empty() ? "1 = 1" : "(" + out + ")";
    };
    // having: AND/OR/NOT, a grouped field's own filter, or {field: {_avg: {gt: 10}}}.
    std::function<std::string(const document &, const std::string &)> having = [&](const document &node, const std::string &path) -> std::string {
      if (node.what != document::kind::object) {
        issues.push_back(argument_issue(path, "invalid_type", "Expected an object of conditions"));
        return "1 = 1";
      }
      std::string out;
      for (const auto &[key, child] : node.object) {
        const std::string at = path + "." + key;
        std::string part;
        if (key == "AND" || key == "OR" || key == "NOT") {
          std::vector<const document *> inner;
          if (child.what == document::kind::array)
            for (const auto &d : child.array) inner.push_back(&d);
          else inner.push_back(&child);
          for (std::size_t k = 0; k < inner.size(); ++k)
            part += (k ? (key == "OR" ? " OR " : " AND ") : "") + ("(" + having(*inner[k], child.what == document::kind::array ? at + "." + std::to_string(k) : at) + ")");
          if (inner.empty()) part = key == "OR" ? "1 = 0" : "1 = 1";
          part = (key == "NOT" ? "NOT (" : "(") + part + ")";
        } else if (const field_def *f = m_model->field(key); !f || !f->is_client_field()) {
          issues.push_back(argument_issue(at, "unrecognized_keys", "Unknown field '" + key + "' in " + m_model->name));
          continue;
        } else {
          document own;  // the filter on the grouped value itself
          own.what = child.what;
          own.scalar = child.scalar;
          own.array = child.array;
          for (const auto &[op, operand] : child.object) {
            if (op.empty() || op[0] != '_') {
              own.object.emplace_back(op, operand);
              continue;
            }
            if (std::find(std::begin(aggregate_keys), std::end(aggregate_keys), op) == std::end(aggregate_keys)) {
              issues.push_back(argument_issue(at + "." + op, "unrecognized_keys", "Unknown aggregate '" + op + "' (known: _count, _sum, _avg, _min, _max)"));
            } else if (const std::string why = unfit(op, *f); !why.empty()) {
              issues.push_back(argument_issue(at + "." + op, "invalid_type", why));
            } else {
              part += (part.empty() ? "" : " AND ") + aggregate_condition(aggregate_term{op, f, ""}.sql(c), op, *f, operand, at + "." + op);
            }
          }
          if (!(own.what == document::kind::object && own.object.empty())) {
            if (!grouped(f))
              issues.push_back(argument_issue(at, "invalid_arguments", "'" + key + "' is filtered in having without an aggregate, so it must be in `by`"));
            else part += (part.empty() ? "" : " AND ") + field_condition_sql(c, *f, own, args, issues, at);
          }
          if (part.empty()) continue;
        }
        out += (out.empty() ? "" : " AND ") + part;
      }
      return out.empty() ? "1 = 1" : out;
    };
    const std::string having_sql = options.having.is_null() ? "" : " HAVING " + having(options.having, "having");
    // orderBy: grouped fields, or aggregates ({"_count": {"field": "desc"}}).
    std::string order;
    std::vector<const document *> orders;
    if (options.order_by.what == document::kind::object) orders.push_back(&options.order_by);
    for (const auto &o : options.order_by.array) orders.push_back(&o);
    for (const document *o : orders) {
      for (const auto &[name, dir] : o->object) {
        const auto direction = [&](const document &d, const std::string &at) -> const char * {
          const std::string *s = std::get_if<std::string>(&d.scalar);
          if (s && (*s == "asc" || *s == "desc")) return *s == "asc" ? " ASC" : " DESC";
          issues.push_back(argument_issue(at, "invalid_enum_value", "Expected 'asc' | 'desc'"));
          return nullptr;
        };
        const bool aggregate_key = std::find(std::begin(aggregate_keys), std::end(aggregate_keys), name) != std::end(aggregate_keys);
        if (aggregate_key && dir.what == document::kind::object) {
          for (const auto &[field, d] : dir.object) {
            const std::string at = "orderBy." + name + "." + field;
            const field_def *f = name == "_count" && field == "_all" ? nullptr : m_model->field(field);
            if (field != "_all" && (!f || !f->is_client_field())) issues.push_back(argument_issue(at, "unrecognized_keys", "Unknown field '" + field + "'"));
            else if (f && !unfit(name, *f).empty()) issues.push_back(argument_issue(at, "invalid_type", unfit(name, *f)));
            else if (const char *how = direction(d, at)) order += (order.empty() ? " ORDER BY " : ", ") + aggregate_term{name, f, ""}.sql(c) + how;
          }
        } else if (const field_def *f = m_model->field(name); !f || !grouped(f)) {
          issues.push_back(argument_issue("orderBy." + name, "invalid_arguments", "'" + name + "' must be in `by` to order groups by it"));
        } else if (const char *how = direction(dir, "orderBy." + name)) {
          order += (order.empty() ? " ORDER BY " : ", ") + c.quote_identifier(f->column) + how;
        }
      }
      if (o->what != document::kind::object) issues.push_back(argument_issue("orderBy", "invalid_type", "Expected {field: 'asc' | 'desc'}"));
    }
    if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
    std::string list, group;
    for (std::size_t k = 0; k < groups.size(); ++k) {
      list += (k ? ", " : "") + c.quote_identifier(groups[k]->column);
      group += (k ? ", " : "") + c.quote_identifier(groups[k]->column);
    }
    for (std::size_t k = 0; k < terms.size(); ++k) list += ", " + terms[k].sql(c) + " AS " + c.quote_identifier("a" + std::to_string(k));
    std::string sql = "SELECT " + list + " FROM " + c.quote_identifier(m_table) + where + " GROUP BY " + group + having_sql + order;
    if (options.take || options.skip) {
      args.emplace_back(options.take ? *options.take : std::int64_t{9223372036854775807LL});
      sql += " LIMIT " + c.placeholder(args.size());
      args.emplace_back(options.skip ? *options.skip : std::int64_t{0});
      sql += " OFFSET " + c.placeholder(args.size());
    }
    return c.query(sql, args);
  }), *m_schema, groups, terms);
}

}  // namespace carrierdb
