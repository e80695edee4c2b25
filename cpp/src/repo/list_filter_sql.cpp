// list_filter_sql: Prisma's filters on scalar lists (PostgreSQL arrays): equals, has, hasEvery,
// hasSome, isEmpty; and push, the list update that appends.
#include "carrierdb/repo/repository.hpp"
#include "carrierdb/schema/list_values.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

namespace {

// A filter argument as a list value: a list of plain values (document array), or one value
// (`has`) as a list of one.
value_list list_argument(const document &node) {
  value_list out;
  if (node.what == document::kind::array)
    for (const auto &item : node.array) out.items.push_back(item.what == document::kind::scalar ? item.scalar : value{});
  else
    out.items.push_back(node.scalar);
  return out;
}

}  // namespace

std::string repository::list_condition_sql(const connection &c, const field_def &f, const document &node, params &args,
                                           std::vector<validation_issue> &issues, const std::string &path) const {
  const std::string col = c.quote_identifier(f.column);
  // The parameter is an array literal whose type the server takes from the column it meets
  // (text[], integer[], "Status"[], ...), so no cast names the type here.
  const auto param = [&](const value &list, const std::string &at) -> std::string {
    std::vector<validation_issue> local;
    const value typed = coerce_field_value(*m_schema, f, list, argument_issue(at, "", "").path, local);
    if (!local.empty()) {
      issues.insert(issues.end(), local.begin(), local.end());
      return "NULL";
    }
    args.push_back(to_param(c, f, typed));
    return c.placeholder(args.size());
  };
  if (node.what != document::kind::object) {
    issues.push_back(argument_issue(path, "invalid_type",
                                    "Expected an object of list operators (equals, has, hasEvery, hasSome, isEmpty) for the list field " + f.name));
    return "1 = 1";
  }
  std::vector<std::string> parts;
  for (const auto &[op, v] : node.object) {
    const std::string at = path + "." + op;
    const bool needs_list = op == "equals" || op == "hasEvery" || op == "hasSome";
    if (needs_list && v.is_null() && op == "equals") {
      parts.push_back(col + " IS NULL");
    } else if (needs_list && v.what != document::kind::array) {
      issues.push_back(argument_issue(at, "invalid_type", op + " needs a list of values"));
    } else if (op == "equals") {
      parts.push_back(col + " = " + param(list_argument(v), at));
    } else if (op == "hasEvery") {
      parts.push_back(col + " @> " + param(list_argument(v), at));
    } else if (op == "hasSome") {
      parts.push_back(col + " && " + param(list_argument(v), at));
    } else if (op == "has") {
      if (v.what != document::kind::scalar || v.is_null()) issues.push_back(argument_issue(at, "invalid_type", "has needs one non-null value"));
      else parts.push_back(col + " @> " + param(list_argument(v), at));
    } else if (op == "isEmpty") {
      const bool *empty = v.what == document::kind::scalar ? std::get_if<bool>(&v.scalar) : nullptr;
      if (!empty) {
        issues.push_back(argument_issue(at, "invalid_type", "isEmpty needs true or false"));
        continue;
      }
      // As Prisma: a null list counts as empty.
      parts.push_back("COALESCE(array_length(" + col + ", 1), 0) " + (*empty ? "= 0" : "> 0"));
    } else {
      issues.push_back(unknown_operator_issue(at, op, "list filter", "equals, has, hasEvery, hasSome, isEmpty"));
    }
  }
  return all_of(parts);
}

std::string repository::push_assignments_sql(const connection &c, const record &pushed, params &args) const {
  std::string sets;
  for (const auto &[name, v] : pushed) {
    const field_def *f = m_model->field(name);
    const std::string col = c.quote_identifier(f->column);
    args.push_back(to_param(c, *f, v));
    // array_cat: a null list takes the pushed elements as its whole value, as Prisma's push does.
    sets += (sets.empty() ? "" : ", ") + col + " = " + col + " || " + c.placeholder(args.size());
  }
  return sets;
}

record repository::validate_push(const record &pushed, std::vector<validation_issue> &issues) const {
  record lists;
  std::vector<validation_issue> local;
  for (const auto &[name, v] : pushed) {
    const field_def *f = m_model->field(name);
    if (!f || !f->list) {
      local.push_back(argument_issue(name + ".push", "invalid_type", "push applies to scalar list fields only"));
      continue;
    }
    // One value or a list of them, as Prisma's push takes.
    lists.emplace_back(name, std::holds_alternative<value_list>(v) ? v : value(value_list{{v}}));
  }
  record out = check_record(*m_schema, *m_model, lists, validation_mode::update, local);
  for (auto &i : local) {
    if (!i.path.empty()) i.path.insert(i.path.begin() + 1, "push");
    issues.push_back(std::move(i));
  }
  return out;
}

}  // namespace carrierdb
