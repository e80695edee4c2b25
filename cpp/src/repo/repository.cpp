// repository: validated single-record CRUD on one model, with errors named by field. Filters are
// in filter_sql.cpp, create_many in bulk_insert.cpp.
#include "carrierdb/repo/repository.hpp"

#include <chrono>
#include <cstdlib>
#include <limits>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/enum_values.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

repository::repository(std::shared_ptr<database> db, std::shared_ptr<const schema> s, std::string model_name)
    : m_db(std::move(db)), m_schema(std::move(s)), m_model(m_schema->model_by_accessor(model_name)) {
  if (!m_model) {
    std::string names;
    for (const auto &m : m_schema->models()) names += (names.empty() ? "" : ", ") + m.name;
    throw configuration_error("no model '" + model_name + "' in " + m_schema->file(), "models in the schema: " + names);
  }
  if (m_model->ignored)
    throw configuration_error("model " + m_model->name + " is marked @@ignore at " + m_model->ignored_at.to_string() +
                                  ": as in Prisma's client it has no repository (its table stays in migrations and schema check)",
                              "remove @@ignore from the model to read and write it");
  m_table = m_model->table;
  m_select = select_list();
}

std::vector<validation_issue> repository::check(const record &data, validation_mode mode) const {
  std::vector<validation_issue> issues;
  check_record(*m_schema, *m_model, data, mode, issues);
  return issues;
}

std::string repository::select_list() const {
  if (!m_select.empty()) return m_select;
  std::string out;
  for (const auto &f : m_model->fields) {
    if (!f.is_client_field()) continue;
    if (!out.empty()) out += ", ";
    out += connection::quote_standard_identifier(f.column);
    // money's text follows the server's lc_monetary ('$12.50', '12,50 €'): numeric reads the same everywhere.
    if (f.native_type == "Money") out += "::numeric";
    // An enum array has a type of its own, which the adapter cannot tell from text: read as text[].
    // (SQLite has no arrays and no :: casts; a list column there holds no list to read.)
    if (f.list && f.kind == field_kind::enum_ && m_db->kind() == backend_kind::postgresql) out += "::text[]";
    out += " AS " + connection::quote_standard_identifier(f.name);
  }
  return out;
}

result repository::typed(result r) const {
  std::vector<const field_def *> fields;
  for (auto &c : r.columns) {
    const field_def *f = m_model->field(c.name);
    if (f) c.kind = kind_for(*f);
    fields.push_back(f);
  }
  enums_from_database(*m_schema, fields, r);
  return r;
}

value repository::to_param(const connection &c, const field_def &f, const value &canonical) const {
  if (const enum_def *e = mapped_enum(*m_schema, f)) return enum_to_database(*e, canonical);
  if (auto list = std::get_if<value_list>(&canonical); list && f.type == scalar_type::datetime) {
    value_list out;
    out.items.reserve(list->items.size());
    for (const auto &item : list->items) out.items.push_back(to_param(c, f, item));
    return out;
  }
  if (f.type == scalar_type::datetime) {
    if (auto ms = std::get_if<std::int64_t>(&canonical)) {
      // Bulk loads repeat the same instant on every row: format it once.
      thread_local std::int64_t last_ms = std::numeric_limits<std::int64_t>::min();
      thread_local backend_kind last_kind = backend_kind::sqlite;
      thread_local value last;
      if (*ms != last_ms || c.kind() != last_kind) {
        last = c.timestamp_value(std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms)));
        last_ms = *ms;
        last_kind = c.kind();
      }
      return last;
    }
  }
  return canonical;
}

// `now` is shared by every record of one call: a bulk load is one moment, and its timestamps
// are formatted once.
record repository::with_generated_values(const record &validated, bool creating, std::int64_t now) const {
  record out = validated;
  for (const auto &f : m_model->fields) {
    if (find_value(out, f.name)) continue;
    if (f.updated_at) out.emplace_back(f.name, now);
    else if (creating && f.default_) {
      switch (f.default_->what) {
        case default_value::kind::now: out.emplace_back(f.name, now); break;
        case default_value::kind::uuid: out.emplace_back(f.name, uuid_v4()); break;
        case default_value::kind::cuid: out.emplace_back(f.name, make_cuid()); break;
        default: break;  // autoincrement and literals: the database's DEFAULT
      }
    }
  }
  return out;
}

// Constraint errors come back from the database in column names; callers think in fields.
void repository::rethrow_with_fields(const database_error &e, const record &data) const {
  if (const auto *fk = dynamic_cast<const foreign_key_violation *>(&e)) rethrow_foreign_key(*fk, data);
  diagnostics diag = e.diag();
  diag.fields.clear();
  for (const auto &column : diag.columns) {
    const field_def *f = m_model->field_by_column(column);
    diag.fields.push_back(f ? f->name : column);
  }
  std::string message = e.what();
  if (dynamic_cast<const unique_violation *>(&e)) {
    std::string fields, values;
    for (std::size_t k = 0; k < diag.fields.size(); ++k) {
      fields += (k ? ", " : "") + diag.fields[k];
      std::string shown;
      if (k < diag.values.size() && diag.values.size() == diag.fields.size()) shown = "'" + diag.values[k] + "'";
      else if (const value *v = find_value(data, diag.fields[k])) shown = display(*v);
      values += (k ? ", " : "") + (shown.empty() ? std::string("?") : shown);
      if (diag.values.size() != diag.fields.size() && find_value(data, diag.fields[k])) {
        if (k == 0) diag.values.clear();
        diag.values.push_back(shown.size() > 1 && shown.front() == '\'' ? shown.substr(1, shown.size() - 2) : shown);
      }
    }
    message = "Unique constraint failed on " + m_model->name + "." + fields + ": a record with " + fields + " = " + values +
              " already exists" + (diag.constraint.empty() ? "" : " (constraint " + diag.constraint + ")");
  } else if (!diag.fields.empty()) {
    message = std::string(e.what()) + " (field " + diag.fields[0] + " of " + m_model->name + ")";
  }
  rethrow_with_context(e, message, diag);
}

// ---- operations --------------------------------------------------------------------------------

namespace {

// A value the database stores exactly as it is sent, so create() can hand back what it sent
// instead of reading it back. Not: Float/Decimal/Json (the server normalises them), char(n)
// (padded), uuid (lower-cased), dates and times without milliseconds (truncated).
bool stored_as_sent(const field_def &f) {
  const std::string &n = f.native_type;
  switch (f.type) {
    case scalar_type::string: return n.empty() || n == "VarChar" || n == "Text";
    case scalar_type::int_: return n.empty() || n == "Integer" || n == "Int" || n == "SmallInt";
    case scalar_type::bigint: return n.empty() || n == "BigInt";
    case scalar_type::boolean:
    case scalar_type::enum_: return true;
    case scalar_type::datetime:
      return n.empty() || ((n == "Timestamp" || n == "Timestamptz") &&
                           (f.native_args.empty() || std::strtol(f.native_args[0].c_str(), nullptr, 10) >= 3));
    default: return false;
  }
}

}  // namespace

result repository::create(const record &data) {
  const record validated = with_generated_values(validate_record(*m_schema, *m_model, data, validation_mode::create), true, now_ms());
  // RETURNING only what the database decides (the id, server defaults, values it normalises);
  // the rest of the record is what was validated and sent. A BEFORE INSERT trigger that rewrites
  // a sent column is not seen here (get() reads the row back), as with SQLAlchemy's ORM.
  std::vector<const field_def *> returned;
  for (const auto &f : m_model->fields)
    if (f.is_client_field() && (!find_value(validated, f.name) || !stored_as_sent(f))) returned.push_back(&f);
  const result inserted = typed(run(validated, [&](connection &c) {
    std::string columns, values, returning;
    params args;
    for (const auto &[name, v] : validated) {
      const field_def *f = m_model->field(name);
      columns += (columns.empty() ? "" : ", ") + c.quote_identifier(f->column);
      args.push_back(to_param(c, *f, v));
      values += (values.empty() ? "" : ", ") + c.placeholder(args.size());
    }
    for (const field_def *f : returned)
      returning += (returning.empty() ? "" : ", ") + c.quote_identifier(f->column) + (f->native_type == "Money" ? "::numeric" : "") +
                   " AS " + c.quote_identifier(f->name);
    std::string sql = "INSERT INTO " + c.quote_identifier(m_table) +
                      (columns.empty() ? " DEFAULT VALUES" : " (" + columns + ") VALUES (" + values + ")");
    if (returning.empty()) {
      result r;
      r.affected_rows = c.execute(sql, args);
      return r;
    }
    return c.query(sql + " RETURNING " + returning, args);
  }));
  result out;
  for (const auto &f : m_model->fields)
    if (f.is_client_field()) out.columns.push_back(column{f.name, kind_for(f)});
  const bool written = returned.empty() ? inserted.affected_rows > 0 : !inserted.rows.empty();
  if (!written) return out;  // a trigger or rule swallowed the row
  std::vector<value> row;
  row.reserve(m_model->fields.size());
  std::size_t next_returned = 0;
  for (const auto &f : m_model->fields) {
    if (!f.is_client_field()) continue;
    if (next_returned < returned.size() && returned[next_returned] == &f) row.push_back(inserted.rows[0][next_returned++]);
    else row.push_back(*find_value(validated, f.name));
  }
  out.rows.push_back(std::move(row));
  return out;
}

result repository::find_many(const find_options &options) {
  page p;
  result rows = m_db->with_connection([&](connection &c) {
    params args;
    const std::string where = where_sql(c, options.where, args);  // its issues first, as before pages had any
    p = plan_page(options);
    return c.query("SELECT " + select_list() + " FROM " + c.quote_identifier(m_table) + page_sql(c, p, where, args), args);
  });
  return typed(finish_page(p, std::move(rows)));
}

std::string repository::key_condition_sql(const connection &c, const unique_key &key, params &args) const {
  std::string cond;
  for (std::size_t k = 0; k < key.fields.size(); ++k) {
    args.push_back(to_param(c, *key.fields[k], key.values[k].second));
    cond += (k ? " AND " : "") + c.quote_identifier(key.fields[k]->column) + " = " + c.placeholder(args.size());
  }
  return cond;
}

std::string repository::assignments_sql(const connection &c, const record &values, params &args) const {
  std::string sets;
  for (const auto &[name, v] : values) {
    const field_def *f = m_model->field(name);
    args.push_back(to_param(c, *f, v));
    sets += (sets.empty() ? "" : ", ") + c.quote_identifier(f->column) + " = " + c.placeholder(args.size());
  }
  return sets;
}

void repository::throw_not_found(const unique_key &key, const char *to_what) const {
  std::string what;
  for (const auto &[k, v] : key.values) what += (what.empty() ? "" : ", ") + k + " = " + display(v);
  throw not_found_error("no " + m_model->name + " with " + what + " to " + to_what + " (Prisma P2025)");
}

result repository::find_unique(const document &where) {
  const unique_key key = unique_where(where, "find_unique");
  return typed(m_db->with_connection([&](connection &c) {
    params args;
    const std::string cond = key_condition_sql(c, key, args);
    return c.query("SELECT " + select_list() + " FROM " + c.quote_identifier(m_table) + " WHERE " + cond, args);
  }));
}

result repository::get(const value &id) {
  if (m_model->id_fields.size() != 1)
    throw configuration_error(m_model->name + " has a compound id; use find_unique with every id field");
  document where;
  where.what = document::kind::object;
  where.object.emplace_back(m_model->id_fields[0], document::of(id));
  result r = find_unique(where);
  if (r.rows.empty())
    throw not_found_error("no " + m_model->name + " with " + m_model->id_fields[0] + " = " + display(id) + " (Prisma P2025)");
  return r;
}

std::int64_t repository::count(const document &where) {
  return m_db->with_connection([&](connection &c) {
    params args;
    const result r = c.query("SELECT count(*) FROM " + c.quote_identifier(m_table) + where_sql(c, where, args), args);
    return std::get<std::int64_t>(r.rows.at(0).at(0));
  });
}

namespace {

std::string joined_sets(std::string a, const std::string &b) { return a.empty() ? b : b.empty() ? a : a + ", " + b; }

}  // namespace

// Data and pushes validated together, so one call reports every issue of both.
record repository::validate_update(const record &data, const record &push, record &pushed) const {
  std::vector<validation_issue> issues;
  record validated = check_record(*m_schema, *m_model, data, validation_mode::update, issues);
  if (!push.empty()) pushed = validate_push(push, issues);
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  return with_generated_values(validated, false, now_ms());
}

result repository::update(const document &where, const record &data, const record &push) {
  const unique_key key = unique_where(where, "update");
  record pushed;
  const record validated = validate_update(data, push, pushed);
  // As for a delete: a refused key change is told by the relation that refused it, from these rows.
  std::string rows;
  params rows_args;
  result r;
  try {
    r = typed(m_db->with_connection([&](connection &c) {
      params args;
      const std::string sets = joined_sets(assignments_sql(c, validated, args), push_assignments_sql(c, pushed, args));
      const std::string cond = key_condition_sql(c, key, args);
      rows_args.clear();
      rows = " WHERE " + key_condition_sql(c, key, rows_args);
      if (sets.empty()) return c.query("SELECT " + select_list() + " FROM " + c.quote_identifier(m_table) + " WHERE " + cond, args);
      return c.query("UPDATE " + c.quote_identifier(m_table) + " SET " + sets + " WHERE " + cond + " RETURNING " + select_list(), args);
    }));
  } catch (const foreign_key_violation &e) {
    rethrow_foreign_key(e, validated, rows, rows_args);
  } catch (const integrity_error &e) {
    rethrow_with_fields(e, validated);
  }
  if (r.rows.empty()) throw_not_found(key, "update");
  return r;
}

std::int64_t repository::update_many(const document &where, const record &data, const record &push) {
  record pushed;
  const record validated = validate_update(data, push, pushed);
  std::string rows;
  params rows_args;
  try {
    return m_db->with_connection([&](connection &c) -> std::int64_t {
      params args;
      const std::string sets = joined_sets(assignments_sql(c, validated, args), push_assignments_sql(c, pushed, args));
      if (sets.empty()) return 0;
      rows_args.clear();
      rows = where_sql(c, where, rows_args);
      if (rows.empty()) rows = " WHERE 1 = 1";
      return c.execute("UPDATE " + c.quote_identifier(m_table) + " SET " + sets + where_sql(c, where, args), args);
    });
  } catch (const foreign_key_violation &e) {
    rethrow_foreign_key(e, validated, rows, rows_args);
  } catch (const integrity_error &e) {
    rethrow_with_fields(e, validated);
  }
}

result repository::upsert(const document &where, const record &create_data, const record &update_data) {
  const unique_key key = unique_where(where, "upsert");
  // The created record carries the key it was looked up by.
  record create_input = create_data;
  std::vector<validation_issue> issues;
  for (const auto &[k, v] : key.values) {
    if (!find_value(create_input, k)) {
      const field_def *f = m_model->field(k);
      if (f->type == scalar_type::datetime)
        create_input.emplace_back(k, format_timestamp_ms(std::get<std::int64_t>(v)));
      else
        create_input.emplace_back(k, v);
    }
  }
  record created = check_record(*m_schema, *m_model, create_input, validation_mode::create, issues);
  for (auto &i : issues) i.path.insert(i.path.begin(), "create");
  std::vector<validation_issue> update_issues;
  record updated = check_record(*m_schema, *m_model, update_data, validation_mode::update, update_issues);
  for (auto &i : update_issues) {
    i.path.insert(i.path.begin(), "update");
    issues.push_back(std::move(i));
  }
  for (const auto &[k, v] : key.values) {
    const value *given = find_value(created, k);
    if (given && *given != v)
      issues.push_back(argument_issue("create." + k, "custom", "create." + k + " differs from where." + k));
  }
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  const std::int64_t now = now_ms();
  created = with_generated_values(created, true, now);
  updated = with_generated_values(updated, false, now);
  return typed(run(created, [&](connection &c) {
    params args;
    std::string columns, values, target, sets;
    for (const auto &[name, v] : created) {
      const field_def *f = m_model->field(name);
      args.push_back(to_param(c, *f, v));
      columns += (columns.empty() ? "" : ", ") + c.quote_identifier(f->column);
      values += (values.empty() ? "" : ", ") + c.placeholder(args.size());
    }
    for (const field_def *f : key.fields) target += (target.empty() ? "" : ", ") + c.quote_identifier(f->column);
    sets = assignments_sql(c, updated, args);
    // Nothing to change still has to return the existing row: a no-op assignment does that.
    if (sets.empty()) sets = c.quote_identifier(key.fields[0]->column) + " = excluded." + c.quote_identifier(key.fields[0]->column);
    return c.query("INSERT INTO " + c.quote_identifier(m_table) + " (" + columns + ") VALUES (" + values + ") ON CONFLICT (" + target +
                       ") DO UPDATE SET " + sets + " RETURNING " + select_list(),
                   args);
  }));
}

// A refused delete is told by the relation that refused it (Restrict), so the rows it meant are
// kept for rethrow_foreign_key.
result repository::remove(const document &where) {
  const unique_key key = unique_where(where, "delete");
  std::string cond;
  params args;
  try {
    result r = typed(m_db->with_connection([&](connection &c) {
      args.clear();
      cond = " WHERE " + key_condition_sql(c, key, args);
      return c.query("DELETE FROM " + c.quote_identifier(m_table) + cond + " RETURNING " + select_list(), args);
    }));
    if (r.rows.empty()) throw_not_found(key, "delete");
    return r;
  } catch (const foreign_key_violation &e) {
    rethrow_foreign_key(e, {}, cond, args);
  }
}

std::int64_t repository::remove_many(const document &where) {
  std::string cond;
  params args;
  try {
    return m_db->with_connection([&](connection &c) {
      args.clear();
      cond = where_sql(c, where, args);
      return c.execute("DELETE FROM " + c.quote_identifier(m_table) + cond, args);
    });
  } catch (const foreign_key_violation &e) {
    rethrow_foreign_key(e, {}, cond.empty() ? " WHERE 1 = 1" : cond, args);
  }
}

}  // namespace carrierdb
