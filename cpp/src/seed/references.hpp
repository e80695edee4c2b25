// references: a seed row naming its parent by the parent's natural key, in columns
// `<relation>.<field>` (`carrier.mcNumber`). The parent's key map is read once per file, in one
// query, and the rows are rewritten on the reader thread (the foreign key in place of the
// reference columns); references the schema defers (a self-relation, the optional side of a
// cycle) are set in a second pass, in one UPDATE, once every file is in.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/seed/seeder.hpp"
#include "merge.hpp"
#include "run_issues.hpp"

namespace carrierdb::seeding {

/// A model's rows: the text of the `by` fields (joined) -> the values of the `want` fields.
using key_map = std::unordered_map<std::string, std::vector<value>>;
key_map load_key_map(connection &conn, const model_def &target, const std::vector<std::string> &by, const std::vector<std::string> &want);
/// Values as one key_map key (their text, separated by a unit separator).
std::string key_text(const std::vector<std::string> &texts);
/// The entry of `map` (keyed by `fields` of `m`) for `texts`; else, when the fields have
/// normalisers, for the texts normalised as the stored values were (`mc 123` finds `MC123`); else null.
const std::vector<value> *find_key(const key_map &map, const schema &s, const model_def &m, const std::vector<std::string> &fields,
                                   const std::vector<std::string> &texts);

/// The column names of a data file's first record (none for an empty file).
std::vector<std::string> header_of(const std::string &path);

/// The reference columns of one relation in a file: `carrier.mcNumber` (or `driver.licenseNumber`
/// and `driver.licenseState`).
struct reference_group {
  const field_def *relation = nullptr;  // on the file's model, holding the foreign key
  const model_def *target = nullptr;
  std::vector<std::string> columns;        // as in the file
  std::vector<std::string> target_fields;  // the fields of `target` they name, a unique set
  key_map parents;
};

/// Groups `<prefix>.<field>` columns of `header` by prefix. `resolve(prefix)` gives the target
/// model of a prefix or null (then the columns are an error naming `label`). Checks that each
/// group names a unique set of its target.
std::vector<std::pair<std::string, std::vector<std::string>>> dotted_groups(const std::vector<std::string> &header);
void check_unique_set(const model_def &target, const std::vector<std::string> &fields, const std::string &what, const std::string &label);

/// A row refused for a reference, reported once the file is in.
struct refused_row {
  std::int64_t line = 0;
  record input;
  std::vector<validation_issue> issues;
};

/// The issue of a reference naming no row of its target.
validation_issue unresolved_issue(const reference_group &group, const std::vector<std::string> &texts);

class reference_resolver {
public:
  /// The reference columns of a file of `model` with columns `header`; `deferred` lists the
  /// (model, relation) pairs set in the second pass; `key`: the load's key fields.
  reference_resolver(const schema &s, const model_def &model, const std::vector<std::string> &header,
                     const std::set<std::pair<std::string, std::string>> &deferred, std::vector<std::string> key, std::string label);

  bool empty() const { return m_now.empty() && m_later.empty(); }
  /// The foreign key fields the second pass sets: the first pass neither writes nor compares them.
  std::vector<std::string> deferred_fields() const;
  /// Reads the parents' key maps of the references resolved now (one query each).
  void load_parents(connection &conn);
  /// `produce` with each row rewritten: the foreign keys in place of the reference columns. Rows
  /// with an unresolved reference are left out and kept for report_refused().
  seed_row_producer wrap(seed_row_producer produce);
  /// The rows left out, as rejects of `file` (strict mode: the run fails).
  void report_refused(run_issues &issues, seed_file_result &file, seed_result &result);
  /// The second pass: the deferred references resolved and set in one UPDATE per relation. One
  /// that names no row is a reject; `lenient`: its row stays, with that foreign key NULL.
  void set_deferred(connection &conn, seed_merge &merge, run_issues &issues, bool lenient, seed_file_result &file, seed_result &result);

private:
  bool rewrite(source_row &src);

  struct later_row {
    std::vector<std::string> child_key;  // the texts of the load's key fields
    std::vector<std::vector<std::string>> refs;  // per deferred group, the texts given
    std::int64_t line = 0;
    record input;
  };

  const schema &m_schema;
  const model_def &m_model;
  std::vector<std::string> m_key;
  std::string m_label;
  std::vector<reference_group> m_now, m_later;
  std::vector<refused_row> m_refused;  // written by the reader thread, read after the load
  std::vector<later_row> m_later_rows;
};

}  // namespace carrierdb::seeding
