// nested_many_rows: Prisma's createMany, updateMany and deleteMany inside a nested write. Reading
// them checks every row and compiles every filter before anything is written; writing them touches
// only the related records of the record being written (its children, or its join-table partners).
#include "nested_write_plan.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

namespace {

// The first relation field a filter names, at any depth of AND/OR/NOT, with its path.
const field_def *relation_in(const model_def &m, const document &where, std::vector<std::string> &path) {
  if (where.what == document::kind::array) {
    for (std::size_t k = 0; k < where.array.size(); ++k) {
      path.push_back(std::to_string(k));
      if (const field_def *f = relation_in(m, where.array[k], path)) return f;
      path.pop_back();
    }
    return nullptr;
  }
  if (where.what != document::kind::object) return nullptr;
  for (const auto &[key, child] : where.object) {
    path.push_back(key);
    if (key == "AND" || key == "OR" || key == "NOT") {
      if (const field_def *f = relation_in(m, child, path)) return f;
    } else if (const field_def *f = m.field(key); f && f->kind == field_kind::relation) {
      return f;
    }
    path.pop_back();
  }
  return nullptr;
}

}  // namespace

// ---- reading ---------------------------------------------------------------------------------------

bool nested_write_planner::filter(const relation_write &w, const document &where, const std::vector<std::string> &path, compiled_filter &out) {
  if (where.what != document::kind::object) {
    issue(path, "invalid_type", "Expected an object of conditions on " + w.target->name + " (Prisma's " + w.target->name + "ScalarWhereInput)");
    return false;
  }
  std::vector<std::string> at = path;
  if (const field_def *f = relation_in(*w.target, where, at)) {
    issue(at, "custom",
          "a filter here takes " + w.target->name + "'s own fields (Prisma's " + w.target->name + "ScalarWhereInput); the relation filter on " +
              f->name + " is not available in updateMany or deleteMany");
    return false;
  }
  if (where.object.empty()) return true;  // every related record
  std::vector<validation_issue> found;
  // Only the text of the filter is made here (quoting and placeholders are the backend's); no
  // statement runs.
  m_repos.db().with_connection(
      [&](connection &c) { out.sql = m_repos.of(*w.target).condition_sql(c, where, out.args, found, dotted(path)); });
  m_issues.insert(m_issues.end(), found.begin(), found.end());
  return found.empty();
}

// Prisma's createMany and updateMany inputs hold the related model's own fields, no relations.
document nested_write_planner::own_fields(const relation_write &w, const document &item, const std::vector<std::string> &path,
                                          const char *verb) {
  if (item.what != document::kind::object) return item;  // node() names the wrong kind
  document out;
  out.what = document::kind::object;
  for (const auto &[key, v] : item.object) {
    const field_def *f = w.target->field(key);
    if (f && f->kind == field_kind::relation && f != w.back) {
      issue(under(path, key), "custom",
            std::string(verb) + " takes " + w.target->name + "'s own fields; nested writes on " + key + " are not available inside " + verb +
                " (as in Prisma): use " + (std::string(verb) == "createMany" ? "create" : "update") + " for them");
      continue;
    }
    out.object.emplace_back(key, v);
  }
  return out;
}

// {data: <a record or a list>, skipDuplicates?: bool}: the related records, inserted in batches
// with their parent's key.
void nested_write_planner::create_many(relation_write &w, const document &arg, const std::vector<std::string> &path) {
  const document *data = arg.what == document::kind::object ? arg.get("data") : nullptr;
  const document *skip = arg.what == document::kind::object ? arg.get("skipDuplicates") : nullptr;
  const bool skip_is_bool = !skip || (skip->what == document::kind::scalar && std::holds_alternative<bool>(skip->scalar));
  if (!data || !skip_is_bool || arg.object.size() != (skip ? 2u : 1u)) {
    issue(path, "invalid_type", "createMany takes {data: [{...}, ...], skipDuplicates?: true|false}");
    return;
  }
  relation_step s;
  s.verb = nested_verb::create_many;
  s.path = path;
  s.skip_duplicates = skip && std::get<bool>(skip->scalar);
  const std::vector<std::string> linked = linked_fields(w);
  for (const auto &[item, at] : items_of(*data, under(path, "data"))) {
    const write_node n = node(*w.target, own_fields(w, *item, at, "createMany"), validation_mode::create, at, w.back, linked);
    s.rows.push_back(n.given);
  }
  w.steps.push_back(std::move(s));
}

// {where: <filter>, data: {...}} or a list of them: the related records the filter matches get `data`.
void nested_write_planner::update_many(relation_write &w, const document &arg, const std::vector<std::string> &path) {
  const std::vector<std::string> linked = linked_fields(w);
  for (const auto &[item, at] : items_of(arg, path)) {
    const document *where = item->what == document::kind::object ? item->get("where") : nullptr;
    const document *data = item->what == document::kind::object ? item->get("data") : nullptr;
    if (!where || !data || item->object.size() != 2) {
      issue(at, "invalid_type", "updateMany takes {where: {<filter on " + w.target->name + ">}, data: {...}}, or a list of them");
      continue;
    }
    relation_step s;
    s.verb = nested_verb::update_many;
    s.path = at;
    filter(w, *where, under(at, "where"), s.filter);
    s.data = std::make_unique<write_node>(
        node(*w.target, own_fields(w, *data, under(at, "data"), "updateMany"), validation_mode::update, under(at, "data"), w.back, linked));
    w.steps.push_back(std::move(s));
  }
}

// A filter, or a list of them ({} matches every related record): the related records it matches go.
void nested_write_planner::delete_many(relation_write &w, const document &arg, const std::vector<std::string> &path) {
  for (const auto &[item, at] : items_of(arg, path)) {
    relation_step s;
    s.verb = nested_verb::delete_many;
    s.path = at;
    if (filter(w, *item, at, s.filter)) w.steps.push_back(std::move(s));
  }
}

// ---- writing ---------------------------------------------------------------------------------------

std::string nested_writer::scoped(const relation_write &w, const compiled_filter &filter, const record &row, params &args) const {
  const std::string scope =
      w.side == link_side::join_table ? joined_to(w, row, args) : equal_sql(*w.target, pointing_at(*w.back->relation, row), args);
  return filter.sql.empty() ? scope : "(" + filter.sql + ") AND " + scope;
}

void nested_writer::create_many(const relation_write &w, const relation_step &s, const record &row) {
  const record link = pointing_at(*w.back->relation, row);
  if (s.rows.empty()) return;
  std::vector<record> rows = s.rows;
  for (auto &r : rows) r.insert(r.end(), link.begin(), link.end());
  // The model's own create_many: batched multi-row INSERTs (COPY on PostgreSQL), on this
  // transaction's connection, in a savepoint of its own.
  m_repos.of(*w.target).create_many(rows, s.skip_duplicates, false);
}

void nested_writer::update_many(const relation_write &w, const relation_step &s, const record &row) {
  repository &repo = m_repos.of(*w.target);
  const record values = repo.with_generated_values(s.data->values, false, m_now);
  if (values.empty()) return;
  params args = s.filter.args;  // the filter's placeholders are $1..$n
  const std::string sets = repo.assignments_sql(m_c, values, args);
  const std::string cond = scoped(w, s.filter, row, args);
  try {
    m_c.execute("UPDATE " + m_c.quote_identifier(w.target->table) + " SET " + sets + " WHERE " + cond, args);
  } catch (const integrity_error &e) {
    repo.rethrow_with_fields(e, values);
  }
}

void nested_writer::delete_many(const relation_write &w, const relation_step &s, const record &row) {
  params args = s.filter.args;
  const std::string cond = " WHERE " + scoped(w, s.filter, row, args);
  try {
    m_c.execute("DELETE FROM " + m_c.quote_identifier(w.target->table) + cond, args);
  } catch (const foreign_key_violation &e) {
    m_repos.of(*w.target).rethrow_foreign_key(e, {}, cond, args);
  }
}

}  // namespace carrierdb
