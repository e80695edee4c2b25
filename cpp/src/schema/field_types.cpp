// Field resolution: each field's kind and scalar type, and the per-field and per-key checks Prisma
// runs once every block is read.
#include <algorithm>
#include <set>

#include "carrierdb/error.hpp"
#include "schema_rules.hpp"

namespace carrierdb {

namespace {

const std::pair<const char *, scalar_type> scalars[] = {
    {"Int", scalar_type::int_},         {"BigInt", scalar_type::bigint},     {"Float", scalar_type::float_},
    {"Decimal", scalar_type::decimal},  {"Boolean", scalar_type::boolean},   {"String", scalar_type::string},
    {"DateTime", scalar_type::datetime}, {"Json", scalar_type::json},       {"Bytes", scalar_type::bytes},
};

struct names {
  std::set<std::string> models, enums;
  const std::vector<unsupported_block> *unsupported;
};

// Sets f.kind and f.type from the type name; throws at an unknown one.
void resolve_type(field_def &f, const names &known, const std::string &file) {
  const std::string &t = f.type_name;
  const source_location &w = f.where;
  if (f.kind == field_kind::unsupported) return;  // Unsupported("...")
  if (known.models.count(t)) {
    f.kind = field_kind::relation;
    if (!f.relation) f.relation = relation_info{};
    return;
  }
  if (f.relation)
    throw schema_error("@relation on field " + f.name + " of type " + t + ": expected a model type, found a " +
                           (known.enums.count(t) ? "enum" : "scalar type"),
                       file, f.relation->where.line, f.relation->where.column, "@relation belongs on the field whose type is the related model");
  for (const auto &u : *known.unsupported)
    if (u.name == t) {
      f.kind = field_kind::unsupported;
      f.unsupported = "field " + f.name + " uses " + u.keyword + " " + t + ": " + u.message;
      return;
    }
  if (known.enums.count(t)) {
    f.kind = field_kind::enum_;
    f.type = scalar_type::enum_;
    return;
  }
  for (const auto &[name, type] : scalars)
    if (t == name) {
      f.type = type;
      return;
    }
  std::vector<std::string> candidates;
  for (const auto &[name, type] : scalars) candidates.emplace_back(name);
  candidates.insert(candidates.end(), known.models.begin(), known.models.end());
  candidates.insert(candidates.end(), known.enums.begin(), known.enums.end());
  throw schema_error("unknown type '" + t + "' for field " + f.name + schema_rules::did_you_mean(t, candidates), file, w.line, w.column,
                     "use a scalar type (Int, BigInt, Float, Decimal, Boolean, String, DateTime, Json, Bytes), an enum or a model");
}

void check_column_field(const field_def &f, const std::vector<enum_def> &enums, const std::string &provider, const std::string &file) {
  const std::string &t = f.type_name;
  const source_location &w = f.where;
  if (f.list && provider == "sqlite")
    throw schema_error("field " + f.name + " can't be a list: the sqlite provider does not support lists of primitive types (" + t + "[])",
                       file, w.line, w.column, "use a Json field, or a related model, for a list of values on SQLite");
  if (f.list && f.optional) throw schema_error("field " + f.name + ": a list cannot be optional (" + t + "[]?)", file, w.line, w.column);
  const bool numeric = f.type == scalar_type::int_ || f.type == scalar_type::bigint || f.type == scalar_type::float_ ||
                       f.type == scalar_type::decimal;
  for (const auto &rule : f.rules) {
    if ((rule.kind == "string" && f.type != scalar_type::string) || (rule.kind != "string" && !numeric))
      throw schema_error("@zod." + rule.kind + " rules on field " + f.name + " of type " + t, file, rule.where.line, rule.where.column,
                         "use @zod.string rules on String fields and @zod.number rules on numeric fields");
  }
  if (f.default_ && f.default_->what == default_value::kind::enum_value) {
    const auto e = std::find_if(enums.begin(), enums.end(), [&](const enum_def &x) { return x.name == t; });
    if (e == enums.end() || !e->contains(f.default_->text))
      throw schema_error("@default(" + f.default_->text + ") is not a value of " + t, file, w.line, w.column);
  }
  if (f.default_ && f.default_->what == default_value::kind::autoincrement && f.type != scalar_type::int_ && f.type != scalar_type::bigint)
    throw schema_error("autoincrement() needs an Int or BigInt field", file, w.line, w.column);
  if (f.default_ && f.default_->what == default_value::kind::list_literal && !f.list)
    throw schema_error("@default(" + f.default_->text + ") needs a list field (" + f.name + " is " + t + ")", file, w.line, w.column);
  if (f.updated_at && f.type != scalar_type::datetime) throw schema_error("@updatedAt needs a DateTime field", file, w.line, w.column);
  // As Prisma: now() fills DateTime fields only, uuid() and cuid() String fields only.
  if (f.default_ && f.default_->what == default_value::kind::now && f.type != scalar_type::datetime)
    throw schema_error("now() needs a DateTime field (" + f.name + " is " + t + ")", file, w.line, w.column);
  if (f.default_ && (f.default_->what == default_value::kind::uuid || f.default_->what == default_value::kind::cuid) &&
      f.type != scalar_type::string)
    throw schema_error(std::string(f.default_->what == default_value::kind::uuid ? "uuid()" : "cuid()") + " needs a String field (" +
                           f.name + " is " + t + ")",
                       file, w.line, w.column);
  schema_rules::check_native_type(f, provider, file);
}

void check_keys(const model_def &m, const std::string &file) {
  for (const auto &k : m.keys) {
    const char *attr = k.what == index_def::kind::primary ? "@@id" : k.what == index_def::kind::unique ? "@@unique" : "@@index";
    for (const auto &kf : k.fields) {
      const field_def *f = m.field(kf.name);
      if (!f) {
        std::vector<std::string> columns;
        for (const auto &c : m.fields)
          if (c.is_column()) columns.push_back(c.name);
        throw schema_error(std::string(attr) + " of model " + m.name + " names field " + kf.name + ", which model " + m.name +
                               " does not have" + schema_rules::did_you_mean(kf.name, columns),
                           file, k.where.line, k.where.column);
      }
      if (!f->is_column())
        throw schema_error(std::string(attr) + " of model " + m.name + ": expected scalar fields, found relation field " + kf.name, file,
                           k.where.line, k.where.column, "list the relation's scalar fields (fields: [...]) instead");
    }
    if (!k.type.empty()) {
      static const std::vector<std::string> methods{"BTree", "Hash", "Gin", "Gist", "SpGist", "Brin"};
      if (k.what != index_def::kind::index)
        throw schema_error(std::string(attr) + " takes no index type (type: " + k.type + ")", file, k.where.line, k.where.column);
      if (std::find(methods.begin(), methods.end(), k.type) == methods.end())
        throw schema_error("unknown index type '" + k.type + "'" + schema_rules::did_you_mean(k.type, methods), file, k.where.line,
                           k.where.column, "use BTree, Hash, Gin, Gist, SpGist or Brin (PostgreSQL)");
    }
  }
}

}  // namespace

void schema_rules::resolve_fields(std::vector<model_def> &models, const std::vector<enum_def> &enums,
                                  const std::vector<unsupported_block> &unsupported, const std::string &provider, const std::string &file) {
  names known{{}, {}, &unsupported};
  for (const auto &m : models) {
    if (!known.models.insert(m.name).second) throw schema_error("model " + m.name + " is defined twice", file, m.where.line, m.where.column);
  }
  for (const auto &e : enums) {
    if (!known.enums.insert(e.name).second || known.models.count(e.name))
      throw schema_error("enum " + e.name + " clashes with another model or enum", file, e.where.line, e.where.column);
  }
  for (auto &m : models) {
    for (auto &f : m.fields) {
      resolve_type(f, known, file);
      if (f.is_column()) check_column_field(f, enums, provider, file);
    }
    check_keys(m, file);
    for (const auto &name : m.id_fields)
      if (!m.field(name)) throw schema_error("model " + m.name + " has no field " + name + " for @@id", file, m.where.line, m.where.column);
    // As Prisma: an @@ignore'd model needs no unique criterion (the client does not use it).
    if (m.id_fields.empty() && !m.ignored)
      throw schema_error("model " + m.name + " has no @id field", file, m.where.line, m.where.column,
                         "mark one field with @id (e.g. id Int @id @default(autoincrement()))");
  }
}

}  // namespace carrierdb
