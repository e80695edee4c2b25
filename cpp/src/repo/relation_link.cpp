// relation_link: the columns joining a relation field's model to its target, both directions.
#include "relation_link.hpp"

#include "carrierdb/error.hpp"
#include "carrierdb/schema/join_columns.hpp"

namespace carrierdb::internal {

namespace {

std::vector<std::string> columns_of(const model_def &m, const std::vector<std::string> &fields) {
  std::vector<std::string> out;
  for (const auto &name : fields) {
    const field_def *f = m.field(name);
    out.push_back(f ? f->column : name);
  }
  return out;
}

[[noreturn]] void unresolved(const model_def &owner, const field_def &f, const std::string &why) {
  throw configuration_error("relation " + owner.name + "." + f.name + " cannot be queried: " + why,
                            "check its @relation(fields: [...], references: [...]) in the schema");
}

}  // namespace

relation_link link_of(const schema &s, const model_def &owner, const field_def &f) {
  if (!f.relation) unresolved(owner, f, "it is not a relation field");
  const relation_info &r = *f.relation;
  relation_link link;
  link.target = s.model(r.target);
  if (!link.target) unresolved(owner, f, "no model " + r.target);
  if (r.join) {
    if (owner.id_fields.size() != 1 || link.target->id_fields.size() != 1)
      unresolved(owner, f, "an implicit many-to-many needs a single-field id on both models");
    link.join = &*r.join;
    link.owner_fields = owner.id_fields;
    link.target_fields = link.target->id_fields;
    link.join_owner_column = join_owner_column(owner, f);  // Prisma's rule, kept in the schema
    link.join_target_column = link.join_owner_column == "A" ? "B" : "A";
    link.owner_columns = columns_of(owner, link.owner_fields);
    link.target_columns = columns_of(*link.target, link.target_fields);
    return link;
  }
  if (r.holds_foreign_key) {
    link.owner_fields = r.fields;
    link.target_fields = r.references;
  } else {
    const field_def *back = link.target->field(r.back_field);
    if (!back || !back->relation || !back->relation->holds_foreign_key) unresolved(owner, f, "its opposite field holds no foreign key");
    link.owner_fields = back->relation->references;
    link.target_fields = back->relation->fields;
  }
  link.owner_columns = columns_of(owner, link.owner_fields);
  link.target_columns = columns_of(*link.target, link.target_fields);
  if (link.owner_columns.empty() || link.owner_columns.size() != link.target_columns.size())
    unresolved(owner, f, "its fields and references differ in number");
  return link;
}

}  // namespace carrierdb::internal
