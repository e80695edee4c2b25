// relation_errors: a foreign-key violation told in the schema's words: which relation of which
// model refused, and for which value.
//
// PostgreSQL names the violated constraint, which the schema maps to its relation; its DETAIL gives
// the key. SQLite says only "FOREIGN KEY constraint failed": the repository then checks the keys of
// its own write (which referenced row is missing; which Restrict relation still points at a row
// being deleted), on the same connection, after the failed statement (SQLite undoes that statement
// only, so the connection and its transaction are still usable).
#include <algorithm>
#include <optional>

#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

namespace {

// A relation seen from the model that holds its foreign key.
struct holding_relation {
  const model_def *model;
  const field_def *field;
};

std::optional<holding_relation> relation_by_constraint(const schema &s, const std::string &constraint) {
  for (const auto &m : s.models())
    for (const auto &f : m.fields)
      if (f.relation && f.relation->holds_foreign_key && f.relation->constraint_name == constraint) return holding_relation{&m, &f};
  return std::nullopt;
}

std::string joined(const std::vector<std::string> &names) {
  std::string out;
  for (const auto &n : names) out += (out.empty() ? "" : ", ") + n;
  return names.size() == 1 ? out : "(" + out + ")";
}

// The values of a key as messages show them: strings quoted. `raw` is the server's text.
std::string shown(const schema &s, const holding_relation &r, const std::vector<std::string> &raw) {
  const model_def *target = s.model(r.field->relation->target);
  std::vector<std::string> out;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const field_def *f = target && k < r.field->relation->references.size() ? target->field(r.field->relation->references[k]) : nullptr;
    const bool text = f && (f->type == scalar_type::string || f->type == scalar_type::enum_);
    out.push_back(text ? "'" + raw[k] + "'" : raw[k]);
  }
  return joined(out);
}

// PostgreSQL's DETAIL for a refused delete, "Key (id)=(5) is still referenced from table ...": the values.
std::vector<std::string> still_referenced_values(const std::string &detail, std::size_t count) {
  const std::size_t open = detail.find(")=(");
  const std::size_t close = detail.rfind(") is still referenced");
  if (detail.rfind("Key (", 0) != 0 || open == std::string::npos || close == std::string::npos || close < open) return {};
  const std::string inside = detail.substr(open + 3, close - open - 3);
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t k; (k = inside.find(", ", start)) != std::string::npos; start = k + 2) out.push_back(inside.substr(start, k - start));
  out.push_back(inside.substr(start));
  return out.size() == count ? out : std::vector<std::string>{inside};
}

std::string as_text(const value &v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  return display(v);
}

// "Truck.carrier: no Carrier with id 999 (carrierId)"
std::string missing_message(const holding_relation &r, const std::string &values) {
  const relation_info &rel = *r.field->relation;
  return "Foreign key constraint failed on " + r.model->name + "." + r.field->name + ": no " + rel.target + " with " + joined(rel.references) +
         " " + values + " (" + joined(rel.fields) + ")";
}

// "Load.carrier: the Carrier with id 5 is still referenced by Load records (onDelete: Restrict)"
std::string restricted_message(const holding_relation &r, const std::string &values, bool deleting) {
  const relation_info &rel = *r.field->relation;
  const auto action = deleting ? rel.on_delete : rel.on_update;
  return "Foreign key constraint failed on " + r.model->name + "." + r.field->name + ": the " + rel.target + " with " + joined(rel.references) +
         " " + values + " is still referenced by " + r.model->name + " records" +
         (action ? std::string(" (") + (deleting ? "onDelete: " : "onUpdate: ") + to_string(*action) + ")" : std::string());
}

}  // namespace

void repository::rethrow_foreign_key(const foreign_key_violation &e, const record &written, const std::string &rows_sql,
                                     const params &rows_args) const {
  diagnostics diag = e.diag();
  std::string message, hint;
  std::optional<holding_relation> relation;
  std::vector<std::string> values;  // as text, for diag.values
  bool restricted = false;
  const auto missing_from_written = [&](const holding_relation &r) {
    values.clear();
    for (const auto &fk : r.field->relation->fields)
      if (const value *v = find_value(written, fk)) values.push_back(as_text(*v));
  };
  if (!diag.constraint.empty()) {
    relation = relation_by_constraint(*m_schema, diag.constraint);
    if (relation) {
      restricted = diag.detail.find("still referenced") != std::string::npos || relation->model != m_model;
      values = restricted ? still_referenced_values(diag.detail, relation->field->relation->references.size()) : diag.values;
      if (!restricted && values.size() != relation->field->relation->fields.size()) missing_from_written(*relation);
    }
  } else {
    // No constraint named: look at the keys this write used.
    try {
      m_db->with_connection([&](connection &c) {
        for (const auto &f : m_model->fields) {
          if (!f.relation || !f.relation->holds_foreign_key || relation) continue;
          const relation_info &r = *f.relation;
          const model_def *target = m_schema->model(r.target);
          if (!target) continue;
          params args;
          std::string cond;
          for (std::size_t k = 0; k < r.fields.size(); ++k) {
            const value *v = find_value(written, r.fields[k]);
            if (!v || is_null(*v)) break;
            args.push_back(to_param(c, *m_model->field(r.fields[k]), *v));
            cond += (cond.empty() ? "" : " AND ") + c.quote_identifier(target->field(r.references[k])->column) + " = " + c.placeholder(args.size());
          }
          if (args.size() != r.fields.size()) continue;
          if (c.query("SELECT 1 FROM " + c.quote_identifier(target->table) + " WHERE " + cond + " LIMIT 1", args).rows.empty()) {
            relation = holding_relation{m_model, &f};
            missing_from_written(*relation);
          }
        }
        if (relation || rows_sql.empty()) return;
        // A delete (or key update) refused: which relation still points at the rows it touched?
        for (const auto &m : m_schema->models()) {
          for (const auto &f : m.fields) {
            if (!f.relation || !f.relation->holds_foreign_key || f.relation->target != m_model->name || relation) continue;
            const relation_info &r = *f.relation;
            const auto action = written.empty() ? r.on_delete : r.on_update;
            if (action && *action != referential_action::restrict && *action != referential_action::no_action) continue;
            // An update refused here changed a key this relation references; other relations did not refuse it.
            if (!written.empty() &&
                std::none_of(r.references.begin(), r.references.end(), [&](const std::string &k) { return find_value(written, k) != nullptr; }))
              continue;
            std::string columns, links;
            for (std::size_t k = 0; k < r.fields.size(); ++k) {
              const std::string fk = "referrer." + c.quote_identifier(m.field(r.fields[k])->column);
              columns += (columns.empty() ? "" : ", ") + fk;
              links += " AND " + c.quote_identifier(m_table) + "." + c.quote_identifier(m_model->field(r.references[k])->column) + " = " + fk;
            }
            const result hit = c.query("SELECT " + columns + " FROM " + c.quote_identifier(m.table) + " AS referrer WHERE EXISTS (SELECT 1 FROM " +
                                           c.quote_identifier(m_table) + rows_sql + links + ") LIMIT 1",
                                       rows_args);
            if (hit.rows.empty()) continue;
            relation = holding_relation{&m, &f};
            restricted = true;
            values.clear();
            for (const auto &v : hit.rows[0]) values.push_back(as_text(v));
          }
        }
      });
    } catch (const error &) {
      relation.reset();  // the check itself failed: say what the database said
    }
  }
  if (relation) {
    const relation_info &r = *relation->field->relation;
    const std::string value_text = values.empty() ? "?" : shown(*m_schema, *relation, values);
    if (restricted) {
      message = restricted_message(*relation, value_text, written.empty());
      hint = "delete those " + relation->model->name + " records or connect them to another " + r.target + " first";
    } else {
      message = missing_message(*relation, value_text);
      hint = "connect an existing " + r.target + " (" + relation->field->name + ": {connect: {...}}), create it in the same call, or fix " +
             joined(r.fields);
    }
    diag.fields = r.fields;
    diag.values = values;
  } else {
    message = std::string(e.what()) + " (writing " + m_model->name + ")";
  }
  throw foreign_key_violation(message, std::move(diag), hint.empty() ? e.hint() : hint);
}

}  // namespace carrierdb
