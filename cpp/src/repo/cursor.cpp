// cursor: find_many's pages as Prisma counts them: orderBy, cursor (a unique key, the cursor row
// included unless skipped), skip, take (negative: counted back from the cursor or the end) and distinct.
#include <algorithm>
#include <set>

#include "carrierdb/repo/repository.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

namespace {

bool ordered_by(const std::vector<std::pair<const field_def *, bool>> &order, const field_def *f) {
  return std::any_of(order.begin(), order.end(), [&](const auto &o) { return o.first == f; });
}

}  // namespace

repository::page repository::plan_page(const find_options &options) const {
  page p;
  std::vector<validation_issue> issues;
  if (options.skip && *options.skip < 0) issues.push_back(argument_issue("skip", "too_small", "skip must not be negative"));
  p.skip = options.skip ? std::max<std::int64_t>(*options.skip, 0) : 0;
  if (options.take) {
    p.backwards = *options.take < 0;
    p.take = p.backwards ? -*options.take : *options.take;
  }
  std::vector<const document *> orders;
  if (options.order_by.what == document::kind::object) orders.push_back(&options.order_by);
  for (const auto &o : options.order_by.array) orders.push_back(&o);
  for (const document *o : orders) {
    if (o->what != document::kind::object) {
      issues.push_back(argument_issue("orderBy", "invalid_type", "Expected {field: 'asc' | 'desc'}"));
      continue;
    }
    for (const auto &[name, dir] : o->object) {
      const field_def *f = m_model->field(name);
      const std::string *d = std::get_if<std::string>(&dir.scalar);
      if (!f || !f->is_client_field()) issues.push_back(argument_issue("orderBy." + name, "unrecognized_keys", "Unknown field '" + name + "'"));
      else if (!d || (*d != "asc" && *d != "desc"))
        issues.push_back(argument_issue("orderBy." + name, "invalid_enum_value", "Expected 'asc' | 'desc'"));
      else p.order.emplace_back(f, *d == "desc");
    }
  }
  for (std::size_t k = 0; k < options.distinct.size(); ++k) {
    const field_def *f = m_model->field(options.distinct[k]);
    if (!f || !f->is_client_field())
      issues.push_back(argument_issue("distinct." + std::to_string(k), "unrecognized_keys",
                                      "Unknown field '" + options.distinct[k] + "' in " + m_model->name));
    else p.distinct.push_back(f);
  }
  if (!options.cursor.is_null()) {
    try {
      p.cursor = unique_where(options.cursor, "cursor");
    } catch (const validation_error &e) {
      // unique_where speaks of `where`; here the key was given as `cursor`.
      std::vector<validation_issue> moved = e.issues();
      for (auto &i : moved)
        if (!i.path.empty() && i.path[0] == "where") i.path[0] = "cursor";
      for (auto &i : moved) issues.push_back(std::move(i));
    }
  }
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  // Counting from a row or from the end needs one order every row has a place in; so does an
  // ordered first page, or the page read after it from its last row could repeat or skip a tie.
  if (p.cursor || p.backwards || (!p.order.empty() && (p.take || p.skip))) {
    if (p.cursor)
      for (const field_def *f : p.cursor->fields)
        if (!ordered_by(p.order, f)) p.order.emplace_back(f, false);
    for (const auto &id : m_model->id_fields)
      if (const field_def *f = m_model->field(id); f && !ordered_by(p.order, f)) p.order.emplace_back(f, false);
  }
  return p;
}

std::string repository::page_sql(const connection &c, const page &p, const std::string &where, params &args) const {
  std::string sql = where;
  if (p.cursor) {
    // Rows at or after the cursor row in the order: (o1 > c1) OR (o1 = c1 AND o2 > c2) ... OR the
    // cursor row itself, with each ci read from the cursor row by a subquery. No cursor row: no rows.
    const std::string key = key_condition_sql(c, *p.cursor, args);
    const auto cursor_value = [&](const field_def &f) {
      return "(SELECT " + c.quote_identifier(f.column) + " FROM " + c.quote_identifier(m_table) + " WHERE " + key + ")";
    };
    std::string any, equal_so_far;
    for (const auto &[f, desc] : p.order) {
      const std::string col = c.quote_identifier(f->column);
      const bool after_is_greater = desc == p.backwards;
      any += (any.empty() ? "" : " OR ") + ("(" + equal_so_far + col + (after_is_greater ? " > " : " < ") + cursor_value(*f) + ")");
      equal_so_far += col + " = " + cursor_value(*f) + " AND ";
    }
    any += " OR (" + key + ")";
    sql += (sql.empty() ? " WHERE (" : " AND (") + any + ")";
  }
  std::string order;
  for (const auto &[f, desc] : p.order)
    order += (order.empty() ? " ORDER BY " : ", ") + c.quote_identifier(f->column) + (desc != p.backwards ? " DESC" : " ASC");
  sql += order;
  // With distinct, skip and take count distinct rows: finish_page does them.
  if (p.distinct.empty() && (p.take || p.skip)) {
    // A LIMIT both dialects accept; SQLite needs one before OFFSET.
    args.emplace_back(p.take ? *p.take : std::int64_t{9223372036854775807LL});
    sql += " LIMIT " + c.placeholder(args.size());
    args.emplace_back(p.skip);
    sql += " OFFSET " + c.placeholder(args.size());
  }
  return sql;
}

result repository::finish_page(const page &p, result r) const {
  if (!p.distinct.empty()) {
    std::vector<std::size_t> positions;
    for (const field_def *f : p.distinct)
      for (std::size_t k = 0; k < r.columns.size(); ++k)
        if (r.columns[k].name == f->name) positions.push_back(k);
    std::set<std::vector<value>> seen;
    std::vector<std::vector<value>> kept;
    std::int64_t skipped = 0;
    for (auto &row : r.rows) {
      std::vector<value> combination;
      for (std::size_t k : positions) combination.push_back(row[k]);
      if (!seen.insert(std::move(combination)).second) continue;
      if (skipped < p.skip) {
        ++skipped;
        continue;
      }
      if (p.take && static_cast<std::int64_t>(kept.size()) >= *p.take) break;
      kept.push_back(std::move(row));
    }
    r.rows = std::move(kept);
  }
  if (p.backwards) std::reverse(r.rows.begin(), r.rows.end());
  return r;
}

}  // namespace carrierdb
