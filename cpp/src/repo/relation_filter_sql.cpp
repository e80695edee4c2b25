// relation_filter_sql: Prisma's relation filters in `where` (some, every, none on lists; is, isNot
// on single relations) as correlated EXISTS / NOT EXISTS subqueries with parameters, nested to any
// depth through the related model's own filters.
#include "carrierdb/repo/repository.hpp"
#include "relation_link.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

std::string repository::outer_reference(const connection &c) const { return c.quote_identifier(m_alias.empty() ? m_table : m_alias); }

std::string repository::relation_condition_sql(const connection &c, const field_def &f, const document &node, params &args,
                                               std::vector<validation_issue> &issues, const std::string &path) const {
  const relation_link link = link_of(*m_schema, *m_model, f);
  // The related model's filters, written against an alias one level deeper: a self-relation's
  // subquery then still sees the outer row by the outer name.
  repository related(m_db, m_schema, link.target->name);
  related.m_alias = "carrierdb_r" + std::to_string(m_depth + 1);
  related.m_depth = m_depth + 1;
  const std::string alias = c.quote_identifier(related.m_alias);
  const std::string outer = outer_reference(c);
  std::string from, correlation;
  if (link.join) {
    const std::string j = c.quote_identifier(related.m_alias + "_join");
    from = c.quote_identifier(link.join->table) + " AS " + j + " JOIN " + c.quote_identifier(link.target->table) + " AS " + alias + " ON " +
           alias + "." + c.quote_identifier(link.target_columns[0]) + " = " + j + "." + c.quote_identifier(link.join_target_column);
    correlation = j + "." + c.quote_identifier(link.join_owner_column) + " = " + outer + "." + c.quote_identifier(link.owner_columns[0]);
  } else {
    from = c.quote_identifier(link.target->table) + " AS " + alias;
    for (std::size_t k = 0; k < link.owner_columns.size(); ++k)
      correlation += (k ? " AND " : "") + alias + "." + c.quote_identifier(link.target_columns[k]) + " = " + outer + "." +
                     c.quote_identifier(link.owner_columns[k]);
  }
  const auto exists = [&](const std::string &condition) {
    return "EXISTS (SELECT 1 FROM " + from + " WHERE " + correlation + (condition.empty() ? "" : " AND (" + condition + ")") + ")";
  };
  const auto inner = [&](const document &where, const std::string &at) { return related.condition_sql(c, where, args, issues, at); };

  if (f.list) {
    if (node.what != document::kind::object || node.object.empty()) {
      issues.push_back(argument_issue(path, "invalid_type", "Expected {some | every | none: {conditions on " + link.target->name + "}}"));
      return "1 = 1";
    }
    std::vector<std::string> parts;
    for (const auto &[op, cond] : node.object) {
      const std::string at = path + "." + op;
      // `every`: no related row fails the conditions (a NULL comparison fails), so true with none.
      if (op == "some") parts.push_back(exists(inner(cond, at)));
      else if (op == "none") parts.push_back("NOT " + exists(inner(cond, at)));
      else if (op == "every") parts.push_back("NOT " + exists("(" + inner(cond, at) + ") IS NOT TRUE"));
      else {
        validation_issue i = argument_issue(at, "unrecognized_keys", "Unknown list relation filter '" + op + "' on " + m_model->name + "." +
                                                                         f.name + " (known: some, every, none)");
        i.options = {op};
        issues.push_back(i);
      }
    }
    std::string out;
    for (const auto &p : parts) out += (out.empty() ? "" : " AND ") + p;
    return parts.empty() ? "1 = 1" : "(" + out + ")";
  }
  // A single relation: {is: ...}, {isNot: ...}, null (no related row), or its conditions directly.
  if (node.is_null()) return "NOT " + exists("");
  if (node.what != document::kind::object) {
    issues.push_back(argument_issue(path, "invalid_type", "Expected {is | isNot: {conditions on " + link.target->name + "} | null}"));
    return "1 = 1";
  }
  const bool operators = node.get("is") || node.get("isNot");
  if (!operators) return exists(inner(node, path));
  std::vector<std::string> parts;
  for (const auto &[op, cond] : node.object) {
    const std::string at = path + "." + op;
    if (op == "is") parts.push_back(cond.is_null() ? "NOT " + exists("") : exists(inner(cond, at)));
    else if (op == "isNot") parts.push_back(cond.is_null() ? exists("") : "NOT " + exists(inner(cond, at)));
    else {
      validation_issue i = argument_issue(at, "unrecognized_keys", "Unknown relation filter '" + op + "' on " + m_model->name + "." + f.name +
                                                                       " (known: is, isNot)");
      i.options = {op};
      issues.push_back(i);
    }
  }
  std::string out;
  for (const auto &p : parts) out += (out.empty() ? "" : " AND ") + p;
  return parts.size() == 1 ? out : "(" + out + ")";
}

}  // namespace carrierdb
