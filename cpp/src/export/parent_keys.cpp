// parent_keys: the key maps that turn an exported foreign key into its parent's natural key.
#include "parent_keys.hpp"

#include <algorithm>

#include "carrierdb/seed/data_files.hpp"

namespace carrierdb::exporting {

namespace {

std::vector<std::string> natural_key(const model_def &m) {
  for (const auto &f : m.fields)
    if (f.unique && !f.id && f.is_column()) return {f.name};
  if (!m.uniques.empty()) return m.uniques.front();
  return {};
}

}  // namespace

std::vector<parent_reference> parent_references(database &db, const schema &s, const model_def &model) {
  std::vector<parent_reference> found;
  for (const auto &f : model.fields) {
    if (!f.relation || !f.relation->holds_foreign_key || f.relation->fields.size() != 1) continue;
    const model_def &target = *s.model(f.relation->target);
    const auto key = natural_key(target);
    if (key.empty()) continue;  // no natural key: the id stays
    parent_reference r;
    r.relation = &f;
    r.fk_fields = f.relation->fields;
    r.target_fields = key;
    for (const auto &k : key) r.columns.push_back(f.name + "." + k);
    db.with_connection([&](connection &conn) {
      std::string select = conn.quote_identifier(target.field(f.relation->references.front())->column);
      for (const auto &k : key) select += ", " + conn.quote_identifier(target.field(k)->column);
      const auto rows = conn.query("SELECT " + select + " FROM " + conn.quote_identifier(target.table), {});
      for (const auto &row : rows.rows) {
        std::vector<std::string> texts;
        for (std::size_t c = 1; c < row.size(); ++c) texts.push_back(text_of(row[c]));
        r.keys.emplace(text_of(row[0]), std::move(texts));
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
