// parent_keys: the key maps that turn an exported foreign key into its parent's natural key.
#include "parent_keys.hpp"

#include <algorithm>

#include "carrierdb/schema/field_roles.hpp"
#include "carrierdb/seed/data_files.hpp"

namespace carrierdb::exporting {

namespace {

bool holds_foreign_key(const model_def &m, const std::string &field) {
  return std::any_of(m.fields.begin(), m.fields.end(), [&](const field_def &f) {
    return f.relation && f.relation->holds_foreign_key && std::count(f.relation->fields.begin(), f.relation->fields.end(), field);
  });
}

// The fields that name a row of `m` in another database: its first @unique field, else its first
// @@unique set free of foreign keys (their ids differ there too), else `referenced` when the
// database numbers none of them (a composite foreign key's own target, e.g. [code, country]).
std::vector<std::string> natural_key(const model_def &m, const std::vector<std::string> &referenced) {
  for (const auto &f : m.fields)
    if (f.unique && !f.id && f.is_column()) return {f.name};
  for (const auto &set : m.uniques)
    if (std::none_of(set.begin(), set.end(), [&](const std::string &f) { return holds_foreign_key(m, f); })) return set;
  if (referenced.size() > 1 &&
      std::none_of(referenced.begin(), referenced.end(), [&](const std::string &f) { return numbered_by_database(*m.field(f)); }))
    return referenced;
  return {};
}

}  // namespace

std::string fk_text(const std::vector<std::string> &texts) {
  std::string text;
  for (std::size_t k = 0; k < texts.size(); ++k) text += (k ? "\x1f" : "") + texts[k];
  return text;
}

std::vector<parent_reference> parent_references(database &db, const schema &s, const model_def &model) {
  std::vector<parent_reference> found;
  for (const auto &f : model.fields) {
    if (!f.relation || !f.relation->holds_foreign_key || f.relation->fields.empty()) continue;
    const model_def &target = *s.model(f.relation->target);
    const auto key = natural_key(target, f.relation->references);
    if (key.empty()) continue;  // no natural key: the id stays
    parent_reference r;
    r.relation = &f;
    r.fk_fields = f.relation->fields;
    r.target_fields = key;
    for (const auto &k : key) r.columns.push_back(f.name + "." + k);
    db.with_connection([&](connection &conn) {
      // The referenced fields (one per foreign key field, in its order), then the natural key.
      std::string select;
      for (const auto &ref : f.relation->references) select += (select.empty() ? "" : ", ") + conn.quote_identifier(target.field(ref)->column);
      for (const auto &k : key) select += ", " + conn.quote_identifier(target.field(k)->column);
      const auto rows = conn.query("SELECT " + select + " FROM " + conn.quote_identifier(target.table), {});
      const std::size_t parts = f.relation->references.size();
      std::vector<std::string> referenced(parts);
      for (const auto &row : rows.rows) {
        for (std::size_t c = 0; c < parts; ++c) referenced[c] = text_of(row[c]);
        std::vector<std::string> texts;
        for (std::size_t c = parts; c < row.size(); ++c) texts.push_back(text_of(row[c]));
        r.keys.emplace(fk_text(referenced), std::move(texts));
      }
    });
    found.push_back(std::move(r));
  }
  return found;
}

bool replaced_by_reference(const std::vector<parent_reference> &references, const std::string &field) {
  return std::any_of(references.begin(), references.end(), [&](const parent_reference &r) {
    return std::find(r.fk_fields.begin(), r.fk_fields.end(), field) != r.fk_fields.end();
  });
}

}  // namespace carrierdb::exporting
