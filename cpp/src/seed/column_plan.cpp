// column_plan: the columns of a seed load and the key that matches them to stored rows.
#include "column_plan.hpp"

#include <algorithm>

#include "carrierdb/error.hpp"

namespace carrierdb::seeding {

namespace {

std::vector<std::string> default_key(const model_def &m) {
  for (const auto &f : m.fields)
    if (f.unique) return {f.name};
  if (!m.uniques.empty()) return m.uniques.front();
  return m.id_fields;
}

// The key must identify a record for the schema (its @id, a @unique field or a @@unique set):
// otherwise re-running the seed could not tell an update from an insert.
void check_key_is_unique(const model_def &model, const std::vector<std::string> &key, const std::string &label) {
  if (identifies_a_record(model, key)) return;
  std::string shown;
  for (const auto &k : key) shown += (shown.empty() ? "" : ", ") + k;
  throw configuration_error("the seed key (" + shown + ") of " + label + " is not unique in the schema for " + model.name,
                            "use the @id, a @unique field or a @@unique set of " + model.name + " as the key");
}

}  // namespace

bool identifies_a_record(const model_def &model, const std::vector<std::string> &fields) {
  std::vector<std::string> sorted = fields;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<std::string>> candidates{model.id_fields};
  for (const auto &f : model.fields)
    if (f.unique) candidates.push_back({f.name});
  for (const auto &u : model.uniques) candidates.push_back(u);
  for (auto c : candidates) {
    std::sort(c.begin(), c.end());
    if (c == sorted) return true;
  }
  return false;
}

bool column_plan::is_key(const std::string &field) const { return std::find(key.begin(), key.end(), field) != key.end(); }

column_plan plan_columns(const model_def &model, std::vector<std::string> key, const std::string &label,
                         const std::vector<std::string> &left_out) {
  column_plan plan;
  plan.key = key.empty() ? default_key(model) : std::move(key);
  for (const auto &k : plan.key)
    if (!model.field(k) || !model.field(k)->is_column())
      throw configuration_error("seed key field '" + k + "' is not a " + (model.field(k) ? "column" : "field") + " of " + model.name + " (" +
                                label + ")");
  check_key_is_unique(model, plan.key, label);
  for (const auto &k : plan.key) plan.key_columns.push_back(model.field(k)->column);

  // Relation fields are no columns; autoincrement ids are not written: the database numbers
  // them (unless they are the key).
  for (const auto &f : model.fields) {
    if (std::find(left_out.begin(), left_out.end(), f.name) != left_out.end() && !plan.is_key(f.name)) continue;
    if (f.is_column() && (!numbered_by_database(f) || plan.is_key(f.name))) plan.fields.push_back(&f);
  }
  for (std::size_t j = 0; j < plan.fields.size(); ++j) {
    const field_def &f = *plan.fields[j];
    plan.columns.push_back(f.column);
    if (plan.is_key(f.name)) {
      plan.key_positions.push_back(j);
      continue;
    }
    if (!filled_by_run_clock(f)) plan.compared_positions.push_back(j);
    if (!stamped_at_creation(f)) plan.overwritten_positions.push_back(j);
  }
  return plan;
}

}  // namespace carrierdb::seeding
