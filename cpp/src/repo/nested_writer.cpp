// nested_writer: carries out a checked nested-write plan in foreign-key order, and the repository's
// create_with_relations / update_with_relations around it (one transaction, validated first).
#include "carrierdb/schema/join_columns.hpp"
#include "nested_write_plan.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

namespace {

record row_of(const result &r) {
  record out;
  for (std::size_t k = 0; k < r.columns.size(); ++k) out.emplace_back(r.columns[k].name, r.rows.at(0).at(k));
  return out;
}

result result_of(const record &row) {
  result r;
  r.rows.emplace_back();
  for (const auto &[name, v] : row) {
    r.columns.push_back(column{name, column_kind::text});
    r.rows[0].push_back(v);
  }
  return r;
}

// What identifies `row` of `m`: its id, else its first unique key.
record identity(const model_def &m, const record &row) {
  std::vector<std::string> names = m.id_fields;
  if (names.empty())
    for (const auto &f : m.fields)
      if (f.unique && names.empty()) names = {f.name};
  if (names.empty() && !m.uniques.empty()) names = m.uniques.front();
  record out;
  for (const auto &n : names) out.emplace_back(n, *find_value(row, n));
  return out;
}

std::string described(const record &key) {
  std::string out;
  for (const auto &[k, v] : key) out += (out.empty() ? "" : ", ") + k + " = " + display(v);
  return out;
}

bool any_null(const record &r) {
  for (const auto &[k, v] : r)
    if (is_null(v)) return true;
  return false;
}

// The join-table columns of many-to-many field `f` of `owner`: the owner's ids, then the related ids.
std::pair<std::string, std::string> join_columns_of(const model_def &owner, const field_def &f) {
  std::string own = join_owner_column(owner, f);
  std::string related = own == "A" ? "B" : "A";
  return {std::move(own), std::move(related)};
}

}  // namespace

record pointing_at(const relation_info &holder, const record &row) {
  record out;
  for (std::size_t k = 0; k < holder.fields.size(); ++k) out.emplace_back(holder.fields[k], *find_value(row, holder.references[k]));
  return out;
}

std::string nested_writer::equal_sql(const model_def &m, const record &equal, params &args, const std::string &qualifier) const {
  repository &repo = m_repos.of(m);
  std::string sql;
  for (const auto &[name, v] : equal) {
    const field_def *f = m.field(name);
    args.push_back(repo.to_param(m_c, *f, v));
    sql += (sql.empty() ? "" : " AND ") + qualifier + m_c.quote_identifier(f->column) + " = " + m_c.placeholder(args.size());
  }
  return sql.empty() ? "1 = 1" : sql;
}

std::optional<record> nested_writer::find(const model_def &m, const record &equal, const std::string &extra_sql, const params &extra_args) {
  params args = extra_args;  // `extra_sql` numbers its placeholders from 1
  const std::string cond = equal_sql(m, equal, args);
  const result r = m_c.query("SELECT " + m_repos.of(m).select_list() + " FROM " + m_c.quote_identifier(m.table) + " WHERE " + cond +
                                 (extra_sql.empty() ? "" : " AND " + extra_sql),
                             args);
  if (r.rows.empty()) return std::nullopt;
  return row_of(r);
}

std::optional<record> nested_writer::find_connected(const relation_write &w, const unique_lookup &key, const record &row) {
  if (w.side == link_side::join_table) {
    params args;
    const std::string joined = joined_to(w, row, args);
    return find(*w.target, key.values, joined, args);
  }
  record equal = key.values;
  for (auto &kv : pointing_at(*w.back->relation, row)) equal.push_back(std::move(kv));
  return find(*w.target, equal);
}

record nested_writer::find_or_throw(const relation_write &w, const relation_step &s, const unique_lookup &key, const record *connected_to) {
  const std::optional<record> found = connected_to ? find_connected(w, key, *connected_to) : find(*w.target, key.values);
  if (found) return *found;
  throw not_found_error("no " + w.target->name + " with " + described(key.values) +
                            (connected_to ? " connected to this " + w.back->relation->target : std::string()) + " for " + dotted(s.path) +
                            " (Prisma P2025)",
                        connected_to ? "check the key, and that the record belongs to the one being updated" : "check the key, or use connectOrCreate");
}

std::string nested_writer::joined_to(const relation_write &w, const record &row, params &args) const {
  const relation_info &r = *w.field->relation;
  const model_def &self = *m_repos.schema_().model(w.back->relation->target);
  const auto [self_col, other_col] = join_columns_of(self, *w.field);
  args.push_back(*find_value(row, self.id_fields.at(0)));
  return "EXISTS (SELECT 1 FROM " + m_c.quote_identifier(r.join->table) + " WHERE " + m_c.quote_identifier(r.join->table) + "." +
         m_c.quote_identifier(other_col) + " = " + m_c.quote_identifier(w.target->table) + "." +
         m_c.quote_identifier(w.target->field(w.target->id_fields.at(0))->column) + " AND " + m_c.quote_identifier(r.join->table) + "." +
         m_c.quote_identifier(self_col) + " = " + m_c.placeholder(args.size()) + ")";
}

void nested_writer::join(const relation_write &w, const record &row, const record &other, bool add) {
  const relation_info &r = *w.field->relation;
  const model_def &self = *m_repos.schema_().model(w.back->relation->target);
  const auto [own, related] = join_columns_of(self, *w.field);
  const std::string self_col = m_c.quote_identifier(own), other_col = m_c.quote_identifier(related);
  const params args{*find_value(row, self.id_fields.at(0)), *find_value(other, w.target->id_fields.at(0))};
  const std::string table = m_c.quote_identifier(r.join->table);
  if (add)  // connecting what is already connected changes nothing, as in Prisma
    m_c.execute("INSERT INTO " + table + " (" + self_col + ", " + other_col + ") VALUES ($1, $2) ON CONFLICT DO NOTHING", args);
  else
    m_c.execute("DELETE FROM " + table + " WHERE " + self_col + " = $1 AND " + other_col + " = $2", args);
}

std::int64_t nested_writer::relink(const relation_write &w, const record &match, const record *link) {
  repository &repo = m_repos.of(*w.target);
  record values;
  for (const auto &fk : w.back->relation->fields) values.emplace_back(fk, link ? *find_value(*link, fk) : value{});
  values = repo.with_generated_values(values, false, m_now);
  params args;
  const std::string sets = repo.assignments_sql(m_c, values, args);
  const std::string cond = equal_sql(*w.target, match, args);
  try {
    return m_c.execute("UPDATE " + m_c.quote_identifier(w.target->table) + " SET " + sets + " WHERE " + cond, args);
  } catch (const integrity_error &e) {
    repo.rethrow_with_fields(e, values);
  }
}

record nested_writer::insert(const model_def &m, const record &values) {
  repository &repo = m_repos.of(m);
  const record full = repo.with_generated_values(values, true, m_now);
  std::string columns, placeholders;
  params args;
  for (const auto &[name, v] : full) {
    const field_def *f = m.field(name);
    args.push_back(repo.to_param(m_c, *f, v));
    columns += (columns.empty() ? "" : ", ") + m_c.quote_identifier(f->column);
    placeholders += (placeholders.empty() ? "" : ", ") + m_c.placeholder(args.size());
  }
  const std::string sql = "INSERT INTO " + m_c.quote_identifier(m.table) +
                          (columns.empty() ? " DEFAULT VALUES" : " (" + columns + ") VALUES (" + placeholders + ")") + " RETURNING " +
                          repo.select_list();
  try {
    return row_of(m_c.query(sql, args));
  } catch (const integrity_error &e) {
    repo.rethrow_with_fields(e, full);
  }
}

record nested_writer::update_row(const model_def &m, const record &row, const record &values) {
  if (values.empty()) return row;
  repository &repo = m_repos.of(m);
  const record full = repo.with_generated_values(values, false, m_now);
  params args;
  const std::string sets = repo.assignments_sql(m_c, full, args);
  const std::string cond = equal_sql(m, identity(m, row), args);
  try {
    return row_of(m_c.query("UPDATE " + m_c.quote_identifier(m.table) + " SET " + sets + " WHERE " + cond + " RETURNING " + repo.select_list(), args));
  } catch (const foreign_key_violation &e) {
    // Told as repository::update tells it: which relation still references the key it changes.
    params rows_args;
    const std::string rows = " WHERE " + equal_sql(m, identity(m, row), rows_args);
    repo.rethrow_foreign_key(e, full, rows, rows_args);
  } catch (const integrity_error &e) {
    repo.rethrow_with_fields(e, full);
  }
}

void nested_writer::remove(const model_def &m, const record &row) {
  params args;
  const std::string cond = " WHERE " + equal_sql(m, identity(m, row), args);
  try {
    m_c.execute("DELETE FROM " + m_c.quote_identifier(m.table) + cond, args);
  } catch (const foreign_key_violation &e) {
    m_repos.of(m).rethrow_foreign_key(e, {}, cond, args);
  }
}

// ---- the order of writes -------------------------------------------------------------------------

record nested_writer::create(const write_node &n, const record &link) {
  record values = n.values;
  for (const auto &kv : link) values.push_back(kv);
  std::vector<pending_delete> unused;
  for (const auto &w : n.relations)
    if (w.side == link_side::this_row)
      for (const auto &s : w.steps) write_first(w, s, values, nullptr, unused);
  const record row = insert(*n.model, values);
  for (const auto &w : n.relations)
    if (w.side != link_side::this_row)
      for (const auto &s : w.steps) write_after(w, s, row, true);
  return row;
}

record nested_writer::update(const write_node &n, record row) {
  record values = n.values;
  std::vector<pending_delete> after;
  for (const auto &w : n.relations)
    if (w.side == link_side::this_row)
      for (const auto &s : w.steps) write_first(w, s, values, &row, after);
  row = update_row(*n.model, row, values);
  for (const auto &d : after) remove(*d.model, d.row);  // this row no longer points at it
  for (const auto &w : n.relations)
    if (w.side != link_side::this_row)
      for (const auto &s : w.steps) write_after(w, s, row, false);
  return row;
}

// A to-one relation whose foreign key is in this row: the related row is found or written first
// and its key goes into `values`.
void nested_writer::write_first(const relation_write &w, const relation_step &s, record &values, const record *row,
                                std::vector<pending_delete> &after) {
  const relation_info &r = *w.field->relation;
  const auto point_at = [&](const record *target) {
    for (std::size_t k = 0; k < r.fields.size(); ++k) {
      value v = target ? *find_value(*target, r.references[k]) : value{};
      bool replaced = false;
      for (auto &[name, old] : values)
        if (name == r.fields[k]) old = v, replaced = true;
      if (!replaced) values.emplace_back(r.fields[k], std::move(v));
    }
  };
  // The related row this one points at now (update, upsert and delete).
  const auto connected = [&]() -> std::optional<record> {
    record key;
    for (std::size_t k = 0; k < r.fields.size(); ++k) key.emplace_back(r.references[k], *find_value(*row, r.fields[k]));
    return any_null(key) ? std::nullopt : find(*w.target, key);
  };
  const auto current = [&]() {
    std::optional<record> found = connected();
    if (!found)
      throw not_found_error("no " + w.target->name + " connected to this " + w.back->relation->target + " through " + w.field->name + " for " +
                                dotted(s.path) + " (Prisma P2025)",
                            "connect or create one first");
    return *found;
  };
  switch (s.verb) {
    case nested_verb::create: {
      const record target = create(*s.data, {});
      point_at(&target);
      break;
    }
    case nested_verb::connect: {
      const record target = find_or_throw(w, s, s.where.at(0));
      point_at(&target);
      break;
    }
    case nested_verb::connect_or_create: {
      std::optional<record> target = find(*w.target, s.where.at(0).values);
      if (!target) target = create(*s.data, {});
      point_at(&*target);
      break;
    }
    case nested_verb::disconnect: point_at(nullptr); break;
    case nested_verb::update: update(*s.data, current()); break;
    case nested_verb::upsert:
      if (std::optional<record> found = connected()) {
        update(*s.update, *found);
      } else {
        const record target = create(*s.data, {});
        point_at(&target);
      }
      break;
    case nested_verb::remove:
      after.push_back(pending_delete{w.target, current()});
      point_at(nullptr);
      break;
    case nested_verb::set:
    case nested_verb::create_many:
    case nested_verb::update_many:
    case nested_verb::delete_many: break;  // to-many only (the planner refuses them here)
  }
}

// A relation whose foreign key is in the other rows (or in the join table): written once this
// row exists, with its key.
void nested_writer::write_after(const relation_write &w, const relation_step &s, const record &row, bool row_is_new) {
  const bool joined = w.side == link_side::join_table;
  const record link = joined ? record{} : pointing_at(*w.back->relation, row);
  // One-to-one: the record connected so far lets go first (its foreign key is unique).
  const auto let_go = [&] {
    if (!w.field->list && !row_is_new) relink(w, link, nullptr);
  };
  const auto connect = [&](const record &target) {
    if (joined) return join(w, row, target, true);
    let_go();
    relink(w, identity(*w.target, target), &link);
  };
  switch (s.verb) {
    case nested_verb::create:
      if (joined) {
        join(w, row, create(*s.data, {}), true);
      } else {
        let_go();
        create(*s.data, link);
      }
      break;
    case nested_verb::connect: connect(find_or_throw(w, s, s.where.at(0))); break;
    case nested_verb::connect_or_create: {
      if (std::optional<record> target = find(*w.target, s.where.at(0).values)) {
        connect(*target);
      } else if (joined) {
        join(w, row, create(*s.data, {}), true);
      } else {
        let_go();
        create(*s.data, link);
      }
      break;
    }
    case nested_verb::disconnect:
      if (!w.field->list) {
        relink(w, link, nullptr);
      } else {
        // The record must exist; one that is not connected stays as it is.
        const record target = find_or_throw(w, s, s.where.at(0));
        if (joined) join(w, row, target, false);
        else {
          record match = identity(*w.target, target);
          for (const auto &kv : link) match.push_back(kv);
          relink(w, match, nullptr);
        }
      }
      break;
    case nested_verb::set: {
      // Look every new member up first: a missing one is reported before anything changes.
      std::vector<record> members;
      for (const auto &key : s.where) members.push_back(find_or_throw(w, s, key));
      if (joined) {
        const relation_info &r = *w.field->relation;
        const model_def &self = *m_repos.schema_().model(w.back->relation->target);
        m_c.execute("DELETE FROM " + m_c.quote_identifier(r.join->table) + " WHERE " + m_c.quote_identifier(join_owner_column(self, *w.field)) + " = $1",
                    {*find_value(row, self.id_fields.at(0))});
      } else {
        relink(w, link, nullptr);
      }
      for (const auto &m : members) connect(m);
      break;
    }
    case nested_verb::update:
    case nested_verb::remove: {
      record target;
      if (w.field->list) {
        target = find_or_throw(w, s, s.where.at(0), &row);
      } else {
        std::optional<record> found = find(*w.target, link);
        if (!found)
          throw not_found_error("no " + w.target->name + " connected to this " + w.back->relation->target + " through " + w.field->name +
                                    " for " + dotted(s.path) + " (Prisma P2025)",
                                "connect or create one first");
        target = *found;
      }
      if (s.verb == nested_verb::update) update(*s.data, target);
      else remove(*w.target, target);
      break;
    }
    case nested_verb::upsert: upsert_after(w, s, row); break;
    case nested_verb::create_many: create_many(w, s, row); break;
    case nested_verb::update_many: update_many(w, s, row); break;
    case nested_verb::delete_many: delete_many(w, s, row); break;
  }
}

void nested_writer::upsert_after(const relation_write &w, const relation_step &s, const record &row) {
  const std::optional<record> found =
      w.field->list ? find_connected(w, s.where.at(0), row) : find(*w.target, pointing_at(*w.back->relation, row));
  if (found) update(*s.update, *found);
  else if (w.side == link_side::join_table) join(w, row, create(*s.data, {}), true);
  else create(*s.data, pointing_at(*w.back->relation, row));
}

// ---- the repository's entry points ---------------------------------------------------------------

std::vector<validation_issue> repository::check_with_relations(const document &data, validation_mode mode) const {
  model_repositories repos(m_db, m_schema);
  nested_write_planner planner(repos);
  planner.plan(*m_model, data, mode);
  return std::move(planner.issues());
}

result repository::create_with_relations(const document &data) {
  model_repositories repos(m_db, m_schema);
  nested_write_planner planner(repos);
  const write_node plan = planner.plan(*m_model, data, validation_mode::create);
  if (!planner.issues().empty()) throw validation_error(m_model->name, std::move(planner.issues()));
  database_transaction tx(*m_db);
  const record row = m_db->with_connection([&](connection &c) { return nested_writer(repos, c).create(plan, {}); });
  tx.commit();
  return typed(result_of(row));
}

result repository::update_with_relations(const document &where, const document &data) {
  model_repositories repos(m_db, m_schema);
  nested_write_planner planner(repos);
  std::vector<validation_issue> issues;
  std::optional<unique_key> key;
  try {
    key = unique_where(where, "update");
  } catch (const validation_error &e) {
    issues = e.issues();
  }
  const write_node plan = planner.plan(*m_model, data, validation_mode::update);
  issues.insert(issues.end(), planner.issues().begin(), planner.issues().end());
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  database_transaction tx(*m_db);
  const record row = m_db->with_connection([&](connection &c) {
    nested_writer writer(repos, c);
    std::optional<record> current = writer.find(*m_model, key->values);
    if (!current) throw_not_found(*key, "update");
    return writer.update(plan, std::move(*current));
  });
  tx.commit();
  return typed(result_of(row));
}

}  // namespace carrierdb
