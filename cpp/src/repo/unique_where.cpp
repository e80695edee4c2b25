// unique_where: the one unique key a `where` names, for find_unique, update, upsert, delete,
// cursor and every nested connect, connectOrCreate, set, disconnect, update and delete.
// A key of several fields is given as Prisma gives it, under the compound's name
// ({"truckId_driverId": {"truckId": 1, "driverId": 2}}), or flat ({"truckId": 1, "driverId": 2}).
#include <algorithm>

#include "carrierdb/repo/repository.hpp"
#include "carrierdb/schema/suggest.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

namespace {

// A unique key of the model: @id or @@id, a field's @unique, or @@unique.
struct unique_candidate {
  std::vector<std::string> fields;
  std::string compound;  // the client's name of a key of several fields; "" for one field
};

std::vector<unique_candidate> unique_candidates(const model_def &m) {
  std::vector<unique_candidate> out;
  const auto add = [&](const std::vector<std::string> &fields, const std::string &name) {
    if (fields.empty()) return;  // a model without an id has no id to look up by
    std::string compound;
    if (fields.size() > 1) {
      // Prisma's name for the compound: `name:` of @@id/@@unique, else the fields joined by "_".
      compound = name;
      if (name.empty())
        for (std::size_t k = 0; k < fields.size(); ++k) compound += (k ? "_" : "") + fields[k];
    }
    out.push_back({fields, compound});
  };
  std::string id_name;
  for (const auto &k : m.keys)
    if (k.what == index_def::kind::primary) id_name = k.name;
  add(m.id_fields, id_name);
  for (const auto &f : m.fields)
    if (f.unique) add({f.name}, "");
  for (const auto &k : m.keys)
    if (k.what == index_def::kind::unique) add(k.field_names(), k.name);
  return out;
}

// "id, vin, unit: {carrierId, unitNumber}": the keys a lookup may use, as the caller writes them.
std::string listed(const std::vector<unique_candidate> &candidates) {
  std::string out;
  for (const auto &c : candidates) {
    std::string one;
    for (const auto &n : c.fields) one += (one.empty() ? "" : ", ") + n;
    out += (out.empty() ? "" : ", ") + (c.compound.empty() ? one : c.compound + ": {" + one + "}");
  }
  return out;
}

// A value the caller gave for one field of the key, and where it was given.
struct given_value {
  std::string field;
  const document *value;
  std::vector<std::string> path;
};

// `where` with compounds opened: each field's value at its path. Issues for a key that is neither
// a field nor a compound, a compound that is not an object, and a compound's unknown or missing part.
std::vector<given_value> given_values(const model_def &m, const std::vector<unique_candidate> &candidates, const document &where,
                                      std::vector<validation_issue> &issues) {
  std::vector<given_value> out;
  if (where.what != document::kind::object) return out;
  for (const auto &[key, v] : where.object) {
    if (m.field(key)) {
      out.push_back({key, &v, {"where", key}});
      continue;
    }
    const auto compound = std::find_if(candidates.begin(), candidates.end(), [&](const unique_candidate &c) { return c.compound == key; });
    if (compound == candidates.end()) {
      std::vector<std::string> names;
      for (const auto &c : candidates) names.push_back(c.compound.empty() ? c.fields.front() : c.compound);
      for (const auto &f : m.fields) names.push_back(f.name);
      validation_issue i = argument_issue("where." + key, "unrecognized_keys",
                                          "Unknown field or unique key '" + key + "' in " + m.name + did_you_mean(key, names) +
                                              "; a unique lookup takes one of: " + listed(candidates));
      i.options = {key};
      issues.push_back(std::move(i));
      continue;
    }
    const std::string parts = listed({{compound->fields, ""}});
    if (v.what != document::kind::object) {
      issues.push_back(argument_issue("where." + key, "invalid_type", key + " takes an object of its fields: {" + parts + "}"));
      continue;
    }
    for (const auto &[part, pv] : v.object) {
      if (std::find(compound->fields.begin(), compound->fields.end(), part) != compound->fields.end()) {
        out.push_back({part, &pv, {"where", key, part}});
        continue;
      }
      validation_issue i = argument_issue("where." + key + "." + part, "unrecognized_keys",
                                          "'" + part + "' is not a field of " + key + did_you_mean(part, compound->fields) + "; it takes {" + parts + "}");
      i.options = {part};
      issues.push_back(std::move(i));
    }
    for (const auto &f : compound->fields)
      if (!v.get(f)) issues.push_back(argument_issue("where." + key + "." + f, "invalid_type", "Required: " + key + " takes {" + parts + "}"));
  }
  return out;
}

}  // namespace

repository::unique_key repository::unique_where(const document &where, const char *operation) const {
  const std::vector<unique_candidate> candidates = unique_candidates(*m_model);
  std::vector<validation_issue> issues;
  const std::vector<given_value> given = given_values(*m_model, candidates, where, issues);
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
  std::vector<std::string> sorted_given;
  for (const auto &g : given) sorted_given.push_back(g.field);
  std::sort(sorted_given.begin(), sorted_given.end());
  for (auto candidate : candidates) {
    std::sort(candidate.fields.begin(), candidate.fields.end());
    if (candidate.fields != sorted_given) continue;
    unique_key key;
    for (const auto &g : given) {
      if (g.value->what != document::kind::scalar || g.value->is_null()) {
        validation_issue i;
        i.path = g.path;
        i.code = "invalid_type";
        i.message = "A unique lookup needs a plain, non-null value";
        issues.push_back(std::move(i));
        continue;
      }
      // Typed and normalised exactly as a stored value would be (no rules: a lookup is not a write).
      const field_def *f = m_model->field(g.field);
      value typed = coerce_field_value(*m_schema, *f, g.value->scalar, g.path, issues);
      if (f->type == scalar_type::string && !f->normalizers.empty() && std::holds_alternative<std::string>(typed)) {
        record one{{g.field, typed}};
        std::vector<validation_issue> ignored;
        const record normalised = check_record(*m_schema, *m_model, one, validation_mode::update, ignored);
        if (!normalised.empty()) typed = normalised.front().second;
      }
      key.fields.push_back(f);
      key.values.emplace_back(g.field, typed);
    }
    if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
    return key;
  }
  throw validation_error(m_model->name, {argument_issue("where", "invalid_arguments",
                                                         std::string(operation) + " needs exactly one unique key in `where`: " + listed(candidates))});
}

}  // namespace carrierdb
