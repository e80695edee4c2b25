// pair_files: the pairs of an implicit many-to-many relation (a self-relation's too), resolved in
// bulk and inserted at once.
#include "pair_files.hpp"

#include <cctype>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/join_columns.hpp"
#include "carrierdb/seed/data_files.hpp"
#include "references.hpp"
#include "row_preparation.hpp"

namespace carrierdb::seeding {

namespace {

std::string lower_first(std::string name) {
  if (!name.empty()) name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

}  // namespace

void load_pairs(connection &conn, const schema &s, const seed_file_spec &spec, seed_merge &merge, run_issues &issues, seed_result &result) {
  const model_def &model = *s.model_by_accessor(spec.model);
  const field_def *relation = model.field(spec.relation);
  if (!relation || !relation->relation || !relation->relation->join)
    throw configuration_error(spec.path + ": '" + spec.relation + "' is not an implicit many-to-many relation of " + model.name,
                              "\"relation\" names a list field of \"model\" whose other side is a list too, with no join model");
  const join_table &join = *relation->relation->join;
  const model_def &other = *s.model(relation->relation->target);
  // Each side by its prefix: the model's name (`carrier`), the other's name (`tag`) or the
  // relation's (`tags`). A self-relation's sides are the model (`person`) and the relation
  // (`following`): the row says "this person's following includes that one".
  const bool self = other.name == model.name;
  const std::string own_prefix = lower_first(model.name);
  const std::string other_prefix = self ? spec.relation : lower_first(other.name);
  reference_group sides[2];  // [0]: the record owning `relation`, [1]: the related one
  for (const auto &[prefix, columns] : dotted_groups(header_of(spec.resolved_path))) {
    int side = -1;
    if (prefix == own_prefix) side = 0;
    else if (prefix == other_prefix || prefix == spec.relation) side = 1;
    if (side < 0)
      throw configuration_error(spec.path + ": the column " + columns.front() + " names neither " + own_prefix + " nor " + other_prefix,
                                "name the sides " + own_prefix + ".<unique field> and " + other_prefix + ".<unique field>");
    reference_group &g = sides[side];
    g.relation = relation;
    g.target = side == 0 ? &model : &other;
    g.columns = columns;
    for (const auto &c : columns) g.target_fields.push_back(c.substr(prefix.size() + 1));
    check_unique_set(*g.target, g.target_fields, prefix, spec.path);
  }
  for (int side = 0; side < 2; ++side) {
    if (!sides[side].target)
      throw configuration_error(spec.path + ": no column names the " + (side == 0 ? own_prefix : other_prefix) + " of a pair",
                                "give both sides, e.g. " + own_prefix + ".<unique field>," + other_prefix + ".<unique field>");
    sides[side].parents = load_key_map(conn, *sides[side].target, sides[side].target_fields, sides[side].target->id_fields);
  }
  const int side_a = join_owner_column(model, *relation) == "A" ? 0 : 1;

  seed_file_result file;
  file.file = spec.path;
  file.model = model.name + "." + spec.relation;
  const std::string stage = merge.create_stage(join.table, {"A", "B"});
  std::int64_t valid = 0;
  {
    auto sink = conn.begin_copy(stage, {"A", "B", k_line_column});
    std::vector<value> row(3);
    read_records(spec.resolved_path, [&](source_row &src) {
      ++file.rows;
      const record input(src.fields.begin(), src.fields.end());
      std::vector<validation_issue> refused;
      for (int side = 0; side < 2; ++side) {
        std::vector<std::string> texts;
        for (const auto &c : sides[side].columns) {
          const value *v = find_field(input, c);
          texts.push_back(v ? text_of(*v) : "");
        }
        const std::vector<value> *found = find_key(sides[side].parents, s, *sides[side].target, sides[side].target_fields, texts);
        if (!found) refused.push_back(unresolved_issue(sides[side], texts));
        else row[side == side_a ? 0 : 1] = found->front();
      }
      if (!refused.empty()) {
        issues.reject(spec.path, src.line, input, refused, file, result);
        return;
      }
      row[2] = src.line;
      sink->write(row);
      ++valid;
    });
    sink->finish();
  }
  const auto q = [&](const std::string &name) { return conn.quote_identifier(name); };
  file.inserted = conn.execute("INSERT INTO " + q(join.table) + " (" + q("A") + ", " + q("B") + ") SELECT DISTINCT " + q("A") + ", " + q("B") +
                                   " FROM " + q(stage) + " WHERE NOT EXISTS (SELECT 1 FROM " + q(join.table) + " WHERE " + q(join.table) + "." +
                                   q("A") + " = " + q(stage) + "." + q("A") + " AND " + q(join.table) + "." + q("B") + " = " + q(stage) + "." + q("B") + ")",
                               {});
  file.unchanged = valid - file.inserted;
  merge.remember_keys(join.table, {"A", "B"}, stage, join.table);
  merge.drop(stage);
  result.files.push_back(file);
}

}  // namespace carrierdb::seeding
