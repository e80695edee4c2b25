// filter_sql: Prisma's filter operators (where, AND/OR/NOT, equals, in, contains, ...) as SQL
// with parameters.
#include "carrierdb/repo/repository.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

std::string repository::where_sql(const connection &c, const document &where, params &args) const {
  if (where.is_null() || (where.what == document::kind::object && where.object.empty())) return "";
  std::vector<validation_issue> issues;
  std::string sql = condition_sql(c, where, args, issues, "where");
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  return " WHERE " + sql;
}

std::string repository::condition_sql(const connection &c, const document &node, params &args, std::vector<validation_issue> &issues,
                                      const std::string &path) const {
  if (node.what != document::kind::object) {
    issues.push_back(argument_issue(path, "invalid_type", "Expected an object of conditions"));
    return "1 = 1";
  }
  std::vector<std::string> parts;
  for (const auto &[key, child] : node.object) {
    const std::string child_path = path + "." + key;
    if (key == "AND" || key == "OR" || key == "NOT") {
      std::vector<std::string> inner;
      if (child.what == document::kind::array) {
        for (std::size_t k = 0; k < child.array.size(); ++k)
          inner.push_back(condition_sql(c, child.array[k], args, issues, child_path + "." + std::to_string(k)));
      } else {
        inner.push_back(condition_sql(c, child, args, issues, child_path));
      }
      std::string joined;
      const std::string glue = key == "OR" ? " OR " : " AND ";
      for (const auto &p : inner) joined += (joined.empty() ? "" : glue) + ("(" + p + ")");
      if (key == "OR") parts.push_back(inner.empty() ? "1 = 0" : "(" + joined + ")");
      else if (key == "AND") parts.push_back(inner.empty() ? "1 = 1" : "(" + joined + ")");
      else parts.push_back(inner.empty() ? "1 = 1" : "NOT (" + joined + ")");
      continue;
    }
    const field_def *f = m_model->field(key);
    if (!f || f->ignored) {  // an @ignore'd field is not the client's to filter on, as in Prisma
      validation_issue i = argument_issue(child_path, "unrecognized_keys", "Unknown field '" + key + "' in " + m_model->name);
      i.options = {key};
      issues.push_back(i);
      continue;
    }
    parts.push_back(field_condition_sql(c, *f, child, args, issues, child_path));
  }
  if (parts.empty()) return "1 = 1";
  std::string out;
  for (const auto &p : parts) out += (out.empty() ? "" : " AND ") + p;
  return out;
}

std::string repository::field_condition_sql(const connection &c, const field_def &f, const document &node, params &args,
                                            std::vector<validation_issue> &issues, const std::string &path) const {
  if (f.kind == field_kind::relation) return relation_condition_sql(c, f, node, args, issues, path);
  if (f.list) return list_condition_sql(c, f, node, args, issues, path);
  const std::string col = c.quote_identifier(f.column);
  // A filter value: typed like the field; equality values normalised like stored values.
  const auto param = [&](const value &raw, const std::string &at, bool normalise) -> std::string {
    std::vector<validation_issue> local;
    value v = coerce_field_value(*m_schema, f, raw, argument_issue(at, "", "").path, local);
    if (!local.empty()) {
      issues.insert(issues.end(), local.begin(), local.end());
      return "NULL";
    }
    if (normalise && f.type == scalar_type::string && !f.normalizers.empty()) {
      record one{{f.name, v}};
      std::vector<validation_issue> ignored;
      const record normalised = check_record(*m_schema, *m_model, one, validation_mode::update, ignored);
      if (!normalised.empty()) v = normalised.front().second;
    }
    args.push_back(to_param(c, f, v));
    return c.placeholder(args.size());
  };
  if (f.type == scalar_type::json) {
    issues.push_back(argument_issue(path, "invalid_type", "Filtering on Json fields is not supported"));
    return "1 = 1";
  }
  if (node.what == document::kind::scalar) {
    if (node.is_null()) return col + " IS NULL";
    return col + " = " + param(node.scalar, path, true);
  }
  if (node.what == document::kind::array) {
    issues.push_back(argument_issue(path, "invalid_type", "Expected a value or an object of operators, received a list"));
    return "1 = 1";
  }
  bool insensitive = false;
  if (const document *mode = node.get("mode")) {
    const std::string *m = std::get_if<std::string>(&mode->scalar);
    if (!m || (*m != "insensitive" && *m != "default")) issues.push_back(argument_issue(path + ".mode", "invalid_enum_value", "mode must be 'insensitive' or 'default'"));
    else insensitive = *m == "insensitive";
    if (insensitive && f.type != scalar_type::string)
      issues.push_back(argument_issue(path + ".mode", "invalid_type", "mode: 'insensitive' applies to String fields only"));
  }
  std::vector<std::string> parts;
  for (const auto &[op, v] : node.object) {
    const std::string at = path + "." + op;
    if (op == "mode") continue;
    if (op == "equals") {
      if (v.is_null()) parts.push_back(col + " IS NULL");
      else if (insensitive) parts.push_back("lower(" + col + ") = lower(" + param(v.scalar, at, true) + ")");
      else parts.push_back(col + " = " + param(v.scalar, at, true));
    } else if (op == "not") {
      if (v.is_null()) parts.push_back(col + " IS NOT NULL");
      else if (v.what == document::kind::object) parts.push_back("NOT (" + field_condition_sql(c, f, v, args, issues, at) + ")");
      else if (insensitive) parts.push_back("lower(" + col + ") <> lower(" + param(v.scalar, at, true) + ")");
      else parts.push_back(col + " <> " + param(v.scalar, at, true));
    } else if (op == "in" || op == "notIn") {
      if (v.what != document::kind::array) {
        issues.push_back(argument_issue(at, "invalid_type", "Expected a list"));
        continue;
      }
      if (v.array.empty()) {
        parts.push_back(op == "in" ? "1 = 0" : "1 = 1");
        continue;
      }
      std::string list;
      for (std::size_t k = 0; k < v.array.size(); ++k) list += (k ? ", " : "") + param(v.array[k].scalar, at + "." + std::to_string(k), true);
      parts.push_back(col + (op == "in" ? " IN (" : " NOT IN (") + list + ")");
    } else if (op == "lt" || op == "lte" || op == "gt" || op == "gte") {
      static const std::map<std::string, std::string> sql_op = {{"lt", " < "}, {"lte", " <= "}, {"gt", " > "}, {"gte", " >= "}};
      parts.push_back(col + sql_op.at(op) + param(v.scalar, at, false));
    } else if (op == "contains" || op == "startsWith" || op == "endsWith") {
      const std::string *needle = std::get_if<std::string>(&v.scalar);
      if (f.type != scalar_type::string || !needle) {
        issues.push_back(argument_issue(at, "invalid_type", op + " needs a String field and a string value"));
        continue;
      }
      const text_match how = op == "contains" ? text_match::contains : op == "startsWith" ? text_match::starts_with : text_match::ends_with;
      parts.push_back(c.text_match_sql(col, how, *needle, insensitive, args));
    } else {
      issues.push_back(unknown_operator_issue(at, op, "filter", "equals, in, notIn, not, contains, startsWith, endsWith, lt, lte, gt, gte, mode"));
    }
  }
  return all_of(parts);
}

}  // namespace carrierdb
