// Relation resolution: pairs each relation field with its opposite, classifies the relation and
// checks it as Prisma's validator does, with Prisma's defaults and naming conventions applied.
#include <algorithm>

#include "carrierdb/schema/constraint_names.hpp"
#include "carrierdb/error.hpp"
#include "schema_rules.hpp"

namespace carrierdb {

namespace {

model_def *find_model(std::vector<model_def> &models, const std::string &name) {
  for (auto &m : models)
    if (m.name == name) return &m;
  return nullptr;
}

std::string joined(const std::vector<std::string> &names) {
  std::string out;
  for (const auto &n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

class relation_resolver {
public:
  relation_resolver(std::vector<model_def> &models, const std::string &provider, const std::string &file)
      : m_models(models), m_provider(provider), m_file(file) {}

  void run() {
    for (auto &m : m_models)
      for (auto &f : m.fields)
        if (f.kind == field_kind::relation && f.relation->target.empty()) resolve_pair(m, f);
  }

private:
  [[noreturn]] void fail(const field_def &f, const std::string &message, const std::string &hint = {}) const {
    const source_location &w = f.relation && f.relation->where.line ? f.relation->where : f.where;
    throw schema_error(message, m_file, w.line, w.column, hint);
  }

  // The opposite field on `target` of relation field `f` in `m`: the relation fields of target's
  // type with the same relation name (not `f` itself, for self-relations).
  field_def &opposite(model_def &m, field_def &f, model_def &target) {
    const std::string &name = f.relation->name;
    std::vector<field_def *> same_side, other_side;
    for (auto &g : m.fields)
      if (g.kind == field_kind::relation && g.type_name == target.name && g.relation->name == name) same_side.push_back(&g);
    for (auto &g : target.fields)
      if (&g != &f && g.kind == field_kind::relation && g.type_name == m.name && g.relation->name == name) other_side.push_back(&g);
    const std::size_t allowed_same = &m == &target ? 2 : 1;  // a self-relation's pair is on the same model
    if (same_side.size() > allowed_same || other_side.size() > 1) {
      std::vector<std::string> fields;
      for (const auto *g : same_side) fields.push_back(m.name + "." + g->name);
      if (&m != &target)
        for (const auto *g : other_side) fields.push_back(target.name + "." + g->name);
      fail(f, "ambiguous relation between " + m.name + " and " + target.name + ": fields " + joined(fields) + " all refer to it" +
                  (name.empty() ? " without a relation name" : " with the name \"" + name + "\""),
           "give each relation its own name on both sides: @relation(\"Name\")");
    }
    if (other_side.empty())
      fail(f, "relation field " + f.name + " on model " + m.name + " is missing an opposite relation field on model " + target.name +
                  (name.empty() ? "" : " (relation \"" + name + "\")") + ": expected a field of type " +
                  (f.list ? m.name + " or " + m.name + "?" : m.name + "[] or " + m.name + "?") + " on " + target.name +
                  (name.empty() ? "" : " named by @relation(\"" + name + "\")") + ", found none",
           "add a field of type " + m.name + (f.list ? "?" : "[]") + " to " + target.name +
               (name.empty() ? "" : " with @relation(\"" + name + "\")"));
    return *other_side.front();
  }

  void resolve_pair(model_def &m, field_def &f) {
    model_def &target = *find_model(m_models, f.type_name);
    field_def &g = opposite(m, f, target);
    relation_info &a = *f.relation;
    relation_info &b = *g.relation;
    a.target = target.name;
    b.target = m.name;
    a.back_field = g.name;
    b.back_field = f.name;
    const bool a_holds = !a.fields.empty() || !a.references.empty();
    const bool b_holds = !b.fields.empty() || !b.references.empty();
    if (f.list && g.list) {
      if (a_holds || b_holds) fail(a_holds ? f : g, "an implicit many-to-many relation takes no fields or references (" + m.name + "." + f.name + " and " + target.name + "." + g.name + ")",
                                   "remove fields/references, or make the join an explicit model with two one-to-many relations");
      if (a.on_delete || a.on_update || b.on_delete || b.on_update)
        fail(f, "an implicit many-to-many relation takes no onDelete/onUpdate (Prisma cascades its join table)");
      a.kind = b.kind = relation_kind::many_to_many;
      many_to_many(m, f, target, g);
      return;
    }
    if (f.list || g.list) {
      field_def &many = f.list ? f : g;   // the list side: no foreign key
      field_def &one = f.list ? g : f;
      model_def &one_model = f.list ? target : m;
      if (relation_has_arguments(*many.relation))
        fail(many, "relation field " + many.name + " is the list side of a one-to-many relation: expected no fields, references, onDelete or onUpdate, found them",
             "specify them on the opposite field " + one.name + " of model " + one_model.name);
      if (one.relation->fields.empty() || one.relation->references.empty())
        fail(one, "relation field " + one.name + " on model " + one_model.name + " must specify the fields and references arguments in @relation (found " +
                      (one.relation->fields.empty() ? "no fields" : "no references") + ")",
             "e.g. @relation(fields: [" + lower_first(one.type_name) + "Id], references: [id])");
      a.kind = b.kind = relation_kind::one_to_many;
      holding_side(one_model, one, f.list ? m : target);
      return;
    }
    // One-to-one: the foreign key is on exactly one side, and is unique there.
    if (a_holds == b_holds)
      fail(f, "the one-to-one relation between " + m.name + "." + f.name + " and " + target.name + "." + g.name + (a_holds ? " specifies fields/references on both sides" : " specifies fields/references on neither side") + ": expected them on exactly one side",
           "keep @relation(fields: [...], references: [...]) on the side that stores the foreign key");
    field_def &holder = a_holds ? f : g;
    field_def &other = a_holds ? g : f;
    if (relation_has_arguments(*other.relation))
      fail(other, "relation field " + other.name + " does not store the foreign key: expected no onDelete or onUpdate on it",
           "set the referential actions on " + holder.name);
    if (!other.optional)
      fail(other, "the one-to-one relation field " + other.name + " must be optional (" + other.type_name + "?), as the database cannot require a row in the other table",
           "change the type to " + other.type_name + "?");
    a.kind = b.kind = relation_kind::one_to_one;
    model_def &holder_model = a_holds ? m : target;
    holding_side(holder_model, holder, a_holds ? target : m);
    const auto &fk = holder.relation->fields;
    bool unique = fk.size() == 1 && holder_model.field(fk[0])->unique;
    unique = unique || is_unique_set(holder_model, fk);
    if (!unique)
      fail(holder, "a one-to-one relation must use unique fields on the defining side: " + joined(fk) + " of model " + holder_model.name + " is not unique",
           fk.size() == 1 ? "add @unique to field " + fk[0] + ", or make the relation one-to-many" : "add @@unique([" + joined(fk) + "])");
  }

  static bool relation_has_arguments(const relation_info &r) {
    return !r.fields.empty() || !r.references.empty() || r.on_delete || r.on_update;
  }

  static std::string lower_first(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
  }

  static bool is_unique_set(const model_def &m, std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    std::vector<std::vector<std::string>> candidates{m.id_fields};
    for (const auto &f : m.fields)
      if (f.unique || f.id) candidates.push_back({f.name});
    for (const auto &u : m.uniques) candidates.push_back(u);
    for (auto &c : candidates) {
      std::sort(c.begin(), c.end());
      if (c == names) return true;
    }
    return false;
  }

  // Checks the side that stores the foreign key and applies Prisma's defaults.
  void holding_side(const model_def &m, field_def &f, const model_def &target) {
    relation_info &r = *f.relation;
    r.holds_foreign_key = true;
    if (r.fields.size() != r.references.size())
      fail(f, "@relation on " + m.name + "." + f.name + ": fields and references must have the same length, found " +
                  std::to_string(r.fields.size()) + " field(s) and " + std::to_string(r.references.size()) + " reference(s)");
    bool any_optional = false;
    std::string columns;
    for (std::size_t k = 0; k < r.fields.size(); ++k) {
      const field_def *local = m.field(r.fields[k]);
      if (!local || !local->is_column())
        fail(f, "@relation(fields: ...) on " + m.name + "." + f.name + " names " + r.fields[k] + ", which is not a scalar field of model " + m.name,
             "add the foreign-key field, e.g. " + r.fields[k] + " Int");
      const field_def *remote = target.field(r.references[k]);
      if (!remote || !remote->is_column())
        fail(f, "@relation(references: ...) on " + m.name + "." + f.name + " names " + r.references[k] + ", which is not a scalar field of model " + target.name);
      if (local->type_name != remote->type_name || local->list || remote->list)
        fail(f, "the type of field " + r.fields[k] + " in model " + m.name + " does not match the type of referenced field " + r.references[k] +
                    " in model " + target.name + ": expected " + remote->type_name + ", found " + local->type_name,
             "give " + m.name + "." + r.fields[k] + " the type " + remote->type_name);
      any_optional = any_optional || local->optional;
      columns += "_" + local->column;
    }
    if (!is_unique_set(target, r.references))
      fail(f, "@relation(references: [" + joined(r.references) + "]) on " + m.name + "." + f.name + " must refer to a unique criterion of model " + target.name,
           r.references.size() == 1 ? "add @unique to " + target.name + "." + r.references[0] : "add @@unique([" + joined(r.references) + "]) to " + target.name);
    if (f.optional != any_optional)
      fail(f, "relation field " + f.name + " is " + (f.optional ? "optional" : "required") + " but its fields (" + joined(r.fields) + ") are " +
                  (any_optional ? "optional" : "required"),
           f.optional ? "make the fields optional too" : "make the relation field optional (" + f.type_name + "?)");
    for (const auto &action : {r.on_delete, r.on_update})
      if (action == referential_action::set_null && !any_optional)
        fail(f, "referential action SetNull on " + m.name + "." + f.name + " needs optional fields, found required " + joined(r.fields),
             "make the fields optional, or choose another action");
    if (!r.on_delete) r.on_delete = f.optional ? referential_action::set_null : referential_action::restrict;
    if (!r.on_update) r.on_update = referential_action::cascade;
    if (r.constraint_name.empty()) r.constraint_name = prisma_constraint_name(m.table + columns, "_fkey", m_provider);
  }

  // Prisma's join table: _AToB, A being the model first in alphabetical order. (For a
  // self-relation both columns reference the same model; which field reads A is not recorded yet.)
  void many_to_many(const model_def &m, field_def &f, const model_def &target, field_def &g) {
    for (const model_def *side : {&m, &target})
      if (side->id_fields.size() != 1)
        fail(f, "the implicit many-to-many relation " + m.name + "." + f.name + " needs a single-field @id on model " + side->name +
                    ", found " + std::to_string(side->id_fields.size()) + " id field(s)",
             "use an explicit join model instead");
    join_table j;
    j.model_a = std::min(m.name, target.name);
    j.model_b = std::max(m.name, target.name);
    j.table = "_" + (f.relation->name.empty() ? j.model_a + "To" + j.model_b : f.relation->name);
    // Prisma 6 made (A, B) a primary key on PostgreSQL; SQLite keeps the unique index.
    j.key_is_primary = m_provider != "sqlite";
    j.key_name = prisma_constraint_name(j.table, j.key_is_primary ? "_AB_pkey" : "_AB_unique", m_provider);
    j.index_name = prisma_constraint_name(j.table, "_B_index", m_provider);
    f.relation->join = j;
    g.relation->join = j;
  }

  std::vector<model_def> &m_models;
  const std::string &m_provider;
  const std::string &m_file;
};

}  // namespace

void schema_rules::resolve_relations(std::vector<model_def> &models, const std::string &provider, const std::string &file) {
  relation_resolver(models, provider, file).run();
}

}  // namespace carrierdb
