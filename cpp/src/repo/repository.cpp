// repository: SQL for validated CRUD on one model, Prisma's filter operators, errors named by field.
#include "carrierdb/repo/repository.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <map>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/history.hpp"

namespace carrierdb {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A collision-resistant id in cuid's shape: 'c', then 24 lowercase base-36 characters.
std::string make_cuid() {
  static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out = "c";
  std::int64_t t = now_ms();
  std::string stamp;
  while (t > 0) {
    stamp.insert(stamp.begin(), alphabet[t % 36]);
    t /= 36;
  }
  out += stamp;
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw error("OpenSSL's random generator failed");
  for (std::size_t k = 0; out.size() < 25; ++k) out += alphabet[bytes[k % sizeof bytes] % 36];
  return out;
}

column_kind kind_for(const field_def &f) {
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: return column_kind::integer;
    case scalar_type::float_: return column_kind::real;
    case scalar_type::decimal: return column_kind::numeric;
    case scalar_type::boolean: return column_kind::boolean;
    case scalar_type::datetime: return column_kind::timestamp;
    case scalar_type::json: return column_kind::json;
    default: return column_kind::text;
  }
}

validation_issue argument_issue(const std::string &path, const std::string &code, const std::string &message) {
  validation_issue i;
  std::size_t start = 0;
  for (std::size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1) i.path.push_back(path.substr(start, dot - start));
  i.path.push_back(path.substr(start));
  i.code = code;
  i.message = message;
  return i;
}

std::string display(const value &v) {
  if (is_null(v)) return "null";
  if (auto s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::to_string(std::get<double>(v));
}

const value *find_value(const record &data, const std::string &name) {
  for (const auto &[k, v] : data)
    if (k == name) return &v;
  return nullptr;
}

}  // namespace

repository::repository(std::shared_ptr<database> db, std::shared_ptr<const schema> s, std::string model_name)
    : m_db(std::move(db)), m_schema(std::move(s)), m_model(m_schema->model_by_accessor(model_name)) {
  if (!m_model) {
    std::string names;
    for (const auto &m : m_schema->models()) names += (names.empty() ? "" : ", ") + m.name;
    throw configuration_error("no model '" + model_name + "' in " + m_schema->file(), "models in the schema: " + names);
  }
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
    if (!out.empty()) out += ", ";
    out += connection::quote_standard_identifier(f.column) + " AS " + connection::quote_standard_identifier(f.name);
  }
  return out;
}

result repository::typed(result r) const {
  for (auto &c : r.columns)
    if (const field_def *f = m_model->field(c.name)) c.kind = kind_for(*f);
  return r;
}

value repository::to_param(const connection &c, const field_def &f, const value &canonical) const {
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

template <class Work>
auto repository::run(const record &data, Work &&work) -> decltype(work(std::declval<connection &>())) {
  try {
    return m_db->with_connection(std::forward<Work>(work));
  } catch (const integrity_error &e) {
    rethrow_with_fields(e, data);
  }
}

// ---- filters -----------------------------------------------------------------------------------

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
    if (!f) {
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
      validation_issue i = argument_issue(at, "unrecognized_keys",
                                          "Unknown filter operator '" + op + "' (known: equals, in, notIn, not, contains, startsWith, "
                                          "endsWith, lt, lte, gt, gte, mode)");
      i.options = {op};
      issues.push_back(i);
    }
  }
  if (parts.empty()) return "1 = 1";
  std::string out;
  for (const auto &p : parts) out += (out.empty() ? "" : " AND ") + p;
  return parts.size() == 1 ? out : "(" + out + ")";
}

repository::unique_key repository::unique_where(const document &where, const char *operation) const {
  std::vector<std::vector<std::string>> candidates;
  candidates.push_back(m_model->id_fields);
  for (const auto &f : m_model->fields)
    if (f.unique) candidates.push_back({f.name});
  for (const auto &u : m_model->uniques) candidates.push_back(u);
  std::vector<std::string> given;
  if (where.what == document::kind::object)
    for (const auto &[k, v] : where.object) given.push_back(k);
  std::vector<std::string> sorted_given = given;
  std::sort(sorted_given.begin(), sorted_given.end());
  for (auto candidate : candidates) {
    std::sort(candidate.begin(), candidate.end());
    if (candidate != sorted_given) continue;
    unique_key key;
    std::vector<validation_issue> issues;
    record raw;
    for (const auto &[k, v] : where.object) {
      if (v.what != document::kind::scalar || v.is_null()) {
        issues.push_back(argument_issue("where." + k, "invalid_type", "A unique lookup needs a plain, non-null value"));
        continue;
      }
      raw.emplace_back(k, v.scalar);
    }
    if (issues.empty()) {
      // Typed and normalised exactly as a stored value would be (no rules: a lookup is not a write).
      for (const auto &[k, v] : raw) {
        const field_def *f = m_model->field(k);
        value typed = coerce_field_value(*m_schema, *f, v, {"where", k}, issues);
        if (f->type == scalar_type::string && !f->normalizers.empty() && std::holds_alternative<std::string>(typed)) {
          record one{{k, typed}};
          std::vector<validation_issue> ignored;
          const record normalised = check_record(*m_schema, *m_model, one, validation_mode::update, ignored);
          if (!normalised.empty()) typed = normalised.front().second;
        }
        key.fields.push_back(f);
        key.values.emplace_back(k, typed);
      }
    }
    if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
    return key;
  }
  std::string options;
  for (const auto &candidate : candidates) {
    std::string one;
    for (const auto &n : candidate) one += (one.empty() ? "" : " + ") + n;
    options += (options.empty() ? "" : ", ") + one;
  }
  throw validation_error(m_model->name, {argument_issue("where", "invalid_arguments",
                                                         std::string(operation) + " needs exactly one unique key in `where`: " + options)});
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
    if (!find_value(validated, f.name) || !stored_as_sent(f)) returned.push_back(&f);
  const result inserted = run(validated, [&](connection &c) {
    std::string columns, values, returning;
    params args;
    for (const auto &[name, v] : validated) {
      const field_def *f = m_model->field(name);
      columns += (columns.empty() ? "" : ", ") + c.quote_identifier(f->column);
      args.push_back(to_param(c, *f, v));
      values += (values.empty() ? "" : ", ") + c.placeholder(args.size());
    }
    for (const field_def *f : returned)
      returning += (returning.empty() ? "" : ", ") + c.quote_identifier(f->column) + " AS " + c.quote_identifier(f->name);
    std::string sql = "INSERT INTO " + c.quote_identifier(m_table) +
                      (columns.empty() ? " DEFAULT VALUES" : " (" + columns + ") VALUES (" + values + ")");
    if (returning.empty()) {
      result r;
      r.affected_rows = c.execute(sql, args);
      return r;
    }
    return c.query(sql + " RETURNING " + returning, args);
  });
  result out;
  for (const auto &f : m_model->fields) out.columns.push_back(column{f.name, kind_for(f)});
  const bool written = returned.empty() ? inserted.affected_rows > 0 : !inserted.rows.empty();
  if (!written) return out;  // a trigger or rule swallowed the row
  std::vector<value> row;
  row.reserve(m_model->fields.size());
  std::size_t next_returned = 0;
  for (const auto &f : m_model->fields) {
    if (next_returned < returned.size() && returned[next_returned] == &f) row.push_back(inserted.rows[0][next_returned++]);
    else row.push_back(*find_value(validated, f.name));
  }
  out.rows.push_back(std::move(row));
  return out;
}

result repository::create_many(const std::vector<record> &rows, bool skip_duplicates, bool returning) {
  // Validate everything first: one bad row means nothing is written, and every issue is reported.
  std::vector<record> prepared;
  prepared.reserve(rows.size());
  std::vector<validation_issue> issues;
  const std::int64_t now = now_ms();
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::vector<validation_issue> row_issues;
    record r = check_record(*m_schema, *m_model, rows[k], validation_mode::create, row_issues);
    for (auto &i : row_issues) {
      i.path.insert(i.path.begin(), std::to_string(k));
      issues.push_back(std::move(i));
    }
    if (row_issues.empty()) prepared.push_back(with_generated_values(r, true, now));
  }
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));

  // Rows with the same fields share a multi-row INSERT (or one COPY); the field order follows
  // the model. Which fields a row has is a bitmask over the model's fields.
  std::map<std::vector<bool>, std::vector<const record *>> masks;
  std::vector<std::vector<bool>> mask_order;
  for (const auto &r : prepared) {
    std::vector<bool> mask(m_model->fields.size(), false);
    for (const auto &[name, v] : r)
      for (std::size_t k = 0; k < m_model->fields.size(); ++k)
        if (m_model->fields[k].name == name) mask[k] = true;
    auto [it, inserted] = masks.try_emplace(mask);
    if (inserted) mask_order.push_back(mask);
    it->second.push_back(&r);
  }
  std::map<std::vector<std::string>, std::vector<const record *>> groups;
  std::vector<std::vector<std::string>> group_order;
  for (const auto &mask : mask_order) {
    std::vector<std::string> signature;
    for (std::size_t k = 0; k < mask.size(); ++k)
      if (mask[k]) signature.push_back(m_model->fields[k].name);
    groups.emplace(signature, std::move(masks[mask]));
    group_order.push_back(std::move(signature));
  }

  result out;
  m_db->begin();
  try {
    for (const auto &signature : group_order) {
      const auto &members = groups[signature];
      // COPY when nothing needs ON CONFLICT or RETURNING: the server parses no statement per batch.
      const bool copy = !skip_duplicates && !returning && !signature.empty() &&
                        m_db->with_connection([](connection &c) { return c.caps().copy; });
      if (copy) {
        out.affected_rows += run(*members.front(), [&](connection &c) {
          std::vector<std::string> columns;
          std::vector<const field_def *> fields;
          for (const auto &name : signature) {
            fields.push_back(m_model->field(name));
            columns.push_back(fields.back()->column);
          }
          auto sink = c.begin_copy(m_table, columns);
          std::vector<value> row;
          for (const record *r : members) {
            row.clear();
            for (std::size_t j = 0; j < fields.size(); ++j) row.push_back(to_param(c, *fields[j], *find_value(*r, signature[j])));
            sink->write(row);
          }
          return sink->finish();
        });
        continue;
      }
      const std::size_t per_row = std::max<std::size_t>(1, signature.size());
      // Under both backends' parameter limits (PostgreSQL 65535, SQLite 32766).
      const std::size_t batch = std::max<std::size_t>(1, std::min<std::size_t>(1000, 30000 / per_row));
      for (std::size_t start = 0; start < members.size(); start += batch) {
        const std::size_t end = std::min(members.size(), start + batch);
        record context;  // the first row of the batch, for error messages
        result part = run(*members[start], [&](connection &c) {
          std::string columns;
          std::vector<const field_def *> fields;
          for (const auto &name : signature) {
            fields.push_back(m_model->field(name));
            columns += (columns.empty() ? "" : ", ") + c.quote_identifier(fields.back()->column);
          }
          params args;
          args.reserve((end - start) * signature.size());
          std::string sql = "INSERT INTO " + c.quote_identifier(m_table);
          if (signature.empty()) {
            // No explicit values at all: one DEFAULT VALUES insert per row.
            result r;
            for (std::size_t k = start; k < end; ++k) {
              result one = c.query(sql + " DEFAULT VALUES RETURNING " + select_list(), {});
              r.columns = one.columns;
              for (auto &row : one.rows) r.rows.push_back(std::move(row));
              r.affected_rows += one.affected_rows;
            }
            return r;
          }
          sql += " (" + columns + ") VALUES ";
          for (std::size_t k = start; k < end; ++k) {
            sql += k == start ? "(" : ", (";
            for (std::size_t j = 0; j < fields.size(); ++j) {
              args.push_back(to_param(c, *fields[j], *find_value(*members[k], signature[j])));
              sql += (j ? ", " : "") + c.placeholder(args.size());
            }
            sql += ")";
          }
          if (skip_duplicates) sql += " ON CONFLICT DO NOTHING";
          if (returning) return c.query(sql + " RETURNING " + select_list(), args);
          result r;
          r.affected_rows = c.execute(sql, args);
          return r;
        });
        if (out.columns.empty()) out.columns = part.columns;
        for (auto &row : part.rows) out.rows.push_back(std::move(row));
        out.affected_rows += part.affected_rows;
      }
    }
    m_db->commit();
  } catch (const interrupted_error &e) {
    try {
      m_db->rollback();
    } catch (...) {
    }
    throw e.retold("create_many was interrupted: every row it had sent was rolled back; nothing was written", false);
  } catch (...) {
    try {
      m_db->rollback();
    } catch (...) {
    }
    throw;
  }
  return typed(std::move(out));
}

std::int64_t repository::create_many_streamed(const std::function<bool(std::vector<record> &chunk)> &next_chunk) {
  const bool copy = m_db->with_connection([](connection &c) { return c.caps().copy; });
  if (!copy) {
    // No COPY (SQLite): gather everything and use the batched INSERTs.
    std::vector<record> all, chunk;
    while (next_chunk(chunk)) {
      for (auto &r : chunk) all.push_back(std::move(r));
      chunk.clear();
    }
    return create_many(all, false, false).affected_rows;
  }
  const std::int64_t now = now_ms();
  std::vector<validation_issue> issues;
  std::vector<record> odd_rows;  // fields other than the first row's: inserted after the COPY
  std::vector<std::string> signature;
  std::vector<const field_def *> fields;
  std::unique_ptr<copy_sink> sink;
  std::int64_t written = 0, index = 0;
  m_db->begin();
  try {
    run({}, [&](connection &c) {
      std::vector<record> chunk;
      std::vector<value> row;
      while (next_chunk(chunk)) {
        for (const record &input : chunk) {
          std::vector<validation_issue> row_issues;
          record r = check_record(*m_schema, *m_model, input, validation_mode::create, row_issues);
          for (auto &i : row_issues) {
            i.path.insert(i.path.begin(), std::to_string(index));
            issues.push_back(std::move(i));
          }
          ++index;
          if (!issues.empty()) continue;  // keep validating; nothing more is sent
          r = with_generated_values(r, true, now);
          std::vector<std::string> mine;
          for (const auto &f : m_model->fields)
            if (find_value(r, f.name)) mine.push_back(f.name);
          if (!sink) {
            signature = mine;
            std::vector<std::string> columns;
            for (const auto &name : signature) {
              fields.push_back(m_model->field(name));
              columns.push_back(fields.back()->column);
            }
            sink = c.begin_copy(m_table, columns);
          }
          if (mine != signature) {
            odd_rows.push_back(std::move(r));
            continue;
          }
          row.clear();
          for (std::size_t j = 0; j < fields.size(); ++j) row.push_back(to_param(c, *fields[j], *find_value(r, signature[j])));
          sink->write(row);
        }
        chunk.clear();
        check_interrupt();  // between chunks (4,096 rows from Python): a stop rolls everything back
      }
      if (sink) written = sink->finish();
      sink.reset();
      return 0;
    });
    if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
    if (!odd_rows.empty()) {
      // Already validated and completed: insert them as they are, grouped by their fields.
      std::map<std::vector<std::string>, std::vector<const record *>> groups;
      for (const auto &r : odd_rows) {
        std::vector<std::string> mine;
        for (const auto &f : m_model->fields)
          if (find_value(r, f.name)) mine.push_back(f.name);
        groups[mine].push_back(&r);
      }
      for (const auto &[names, members] : groups) {
        written += run(*members.front(), [&](connection &c) {
          std::vector<std::string> columns;
          std::vector<const field_def *> group_fields;
          for (const auto &name : names) {
            group_fields.push_back(m_model->field(name));
            columns.push_back(group_fields.back()->column);
          }
          auto group_sink = c.begin_copy(m_table, columns);
          std::vector<value> row;
          for (const record *r : members) {
            row.clear();
            for (std::size_t j = 0; j < group_fields.size(); ++j) row.push_back(to_param(c, *group_fields[j], *find_value(*r, names[j])));
            group_sink->write(row);
          }
          return group_sink->finish();
        });
      }
    }
    m_db->commit();
  } catch (const interrupted_error &e) {
    sink.reset();
    try {
      m_db->rollback();
    } catch (...) {
    }
    throw e.retold("create_many was interrupted: every row it had sent was rolled back; nothing was written", false);
  } catch (...) {
    sink.reset();
    try {
      m_db->rollback();
    } catch (...) {
    }
    throw;
  }
  return written;
}

result repository::find_many(const find_options &options) {
  std::vector<validation_issue> issues;
  if (options.skip && *options.skip < 0) issues.push_back(argument_issue("skip", "too_small", "skip must not be negative"));
  if (options.take && *options.take < 0) issues.push_back(argument_issue("take", "too_small", "take must not be negative"));
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  return typed(m_db->with_connection([&](connection &c) {
    params args;
    std::string sql = "SELECT " + select_list() + " FROM " + c.quote_identifier(m_table) + where_sql(c, options.where, args);
    std::vector<const document *> orders;
    if (options.order_by.what == document::kind::object) orders.push_back(&options.order_by);
    for (const auto &o : options.order_by.array) orders.push_back(&o);
    std::string order;
    for (const document *o : orders) {
      if (o->what != document::kind::object) {
        issues.push_back(argument_issue("orderBy", "invalid_type", "Expected {field: 'asc' | 'desc'}"));
        continue;
      }
      for (const auto &[name, dir] : o->object) {
        const field_def *f = m_model->field(name);
        const std::string *d = std::get_if<std::string>(&dir.scalar);
        if (!f) issues.push_back(argument_issue("orderBy." + name, "unrecognized_keys", "Unknown field '" + name + "'"));
        else if (!d || (*d != "asc" && *d != "desc"))
          issues.push_back(argument_issue("orderBy." + name, "invalid_enum_value", "Expected 'asc' | 'desc'"));
        else order += (order.empty() ? " ORDER BY " : ", ") + c.quote_identifier(f->column) + (*d == "asc" ? " ASC" : " DESC");
      }
    }
    if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
    sql += order;
    if (options.take || options.skip) {
      // A LIMIT both dialects accept; SQLite needs one before OFFSET.
      args.emplace_back(options.take ? *options.take : std::int64_t{9223372036854775807LL});
      sql += " LIMIT " + c.placeholder(args.size());
      args.emplace_back(options.skip ? *options.skip : std::int64_t{0});
      sql += " OFFSET " + c.placeholder(args.size());
    }
    return c.query(sql, args);
  }));
}

result repository::find_unique(const document &where) {
  const unique_key key = unique_where(where, "find_unique");
  return typed(m_db->with_connection([&](connection &c) {
    params args;
    std::string cond;
    for (std::size_t k = 0; k < key.fields.size(); ++k) {
      args.push_back(to_param(c, *key.fields[k], key.values[k].second));
      cond += (k ? " AND " : "") + c.quote_identifier(key.fields[k]->column) + " = " + c.placeholder(args.size());
    }
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

result repository::update(const document &where, const record &data) {
  const unique_key key = unique_where(where, "update");
  const record validated = with_generated_values(validate_record(*m_schema, *m_model, data, validation_mode::update), false, now_ms());
  result r = typed(run(validated, [&](connection &c) {
    params args;
    std::string sets, cond;
    for (const auto &[name, v] : validated) {
      const field_def *f = m_model->field(name);
      args.push_back(to_param(c, *f, v));
      sets += (sets.empty() ? "" : ", ") + c.quote_identifier(f->column) + " = " + c.placeholder(args.size());
    }
    for (std::size_t k = 0; k < key.fields.size(); ++k) {
      args.push_back(to_param(c, *key.fields[k], key.values[k].second));
      cond += (k ? " AND " : "") + c.quote_identifier(key.fields[k]->column) + " = " + c.placeholder(args.size());
    }
    if (sets.empty()) return c.query("SELECT " + select_list() + " FROM " + c.quote_identifier(m_table) + " WHERE " + cond, args);
    return c.query("UPDATE " + c.quote_identifier(m_table) + " SET " + sets + " WHERE " + cond + " RETURNING " + select_list(), args);
  }));
  if (r.rows.empty()) {
    std::string what;
    for (const auto &[k, v] : key.values) what += (what.empty() ? "" : ", ") + k + " = " + display(v);
    throw not_found_error("no " + m_model->name + " with " + what + " to update (Prisma P2025)");
  }
  return r;
}

std::int64_t repository::update_many(const document &where, const record &data) {
  const record validated = with_generated_values(validate_record(*m_schema, *m_model, data, validation_mode::update), false, now_ms());
  return run(validated, [&](connection &c) -> std::int64_t {
    params args;
    std::string sets;
    for (const auto &[name, v] : validated) {
      const field_def *f = m_model->field(name);
      args.push_back(to_param(c, *f, v));
      sets += (sets.empty() ? "" : ", ") + c.quote_identifier(f->column) + " = " + c.placeholder(args.size());
    }
    if (sets.empty()) return 0;
    return c.execute("UPDATE " + c.quote_identifier(m_table) + " SET " + sets + where_sql(c, where, args), args);
  });
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
    for (const auto &[name, v] : updated) {
      const field_def *f = m_model->field(name);
      args.push_back(to_param(c, *f, v));
      sets += (sets.empty() ? "" : ", ") + c.quote_identifier(f->column) + " = " + c.placeholder(args.size());
    }
    // Nothing to change still has to return the existing row: a no-op assignment does that.
    if (sets.empty()) sets = c.quote_identifier(key.fields[0]->column) + " = excluded." + c.quote_identifier(key.fields[0]->column);
    return c.query("INSERT INTO " + c.quote_identifier(m_table) + " (" + columns + ") VALUES (" + values + ") ON CONFLICT (" + target +
                       ") DO UPDATE SET " + sets + " RETURNING " + select_list(),
                   args);
  }));
}

result repository::remove(const document &where) {
  const unique_key key = unique_where(where, "delete");
  result r = typed(run(key.values, [&](connection &c) {
    params args;
    std::string cond;
    for (std::size_t k = 0; k < key.fields.size(); ++k) {
      args.push_back(to_param(c, *key.fields[k], key.values[k].second));
      cond += (k ? " AND " : "") + c.quote_identifier(key.fields[k]->column) + " = " + c.placeholder(args.size());
    }
    return c.query("DELETE FROM " + c.quote_identifier(m_table) + " WHERE " + cond + " RETURNING " + select_list(), args);
  }));
  if (r.rows.empty()) {
    std::string what;
    for (const auto &[k, v] : key.values) what += (what.empty() ? "" : ", ") + k + " = " + display(v);
    throw not_found_error("no " + m_model->name + " with " + what + " to delete (Prisma P2025)");
  }
  return r;
}

std::int64_t repository::remove_many(const document &where) {
  return run({}, [&](connection &c) {
    params args;
    return c.execute("DELETE FROM " + c.quote_identifier(m_table) + where_sql(c, where, args), args);
  });
}

}  // namespace carrierdb
