// merge: the set-based SQL of a seed run, on its connection: staging tables, keys staged twice,
// the upsert of a staging table into its target (new rows inserted, changed rows updated,
// unchanged rows left alone), prune, and secondary indexes rebuilt after a first load.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/seed/seeder.hpp"
#include "column_plan.hpp"

namespace carrierdb::seeding {

/// The staging table's column holding each row's seed line.
inline const std::string k_line_column = "_carrierdb_line";

class seed_merge {
public:
  explicit seed_merge(connection &conn) : m_conn(conn) {}

  bool table_is_empty(const std::string &table);
  std::int64_t count_rows(const std::string &table);

  /// A temporary table with the `columns` of `target` (no rows, no constraints) and the line column.
  std::string create_stage(const std::string &target, const std::vector<std::string> &columns);
  void drop(const std::string &table);

  /// Runs the index definitions that drop_secondary_indexes() returned. A unique_violation from
  /// one means a key came twice in the data.
  void rebuild_indexes(const std::vector<std::string> &definitions);

  /// Keys staged more than once (the first 1,000), as issues naming `label`:line; empty when none.
  std::vector<validation_issue> duplicate_keys(const std::string &label, const std::string &stage, const std::vector<std::string> &key_columns);
  /// Staged rows whose key `target` holds.
  std::int64_t count_matched(const std::string &stage, const std::string &target, const std::vector<std::string> &key_columns);
  /// Deletes the rows of `target` whose key is not staged; returns how many.
  std::int64_t delete_missing(const std::string &target, const std::string &stage, const std::vector<std::string> &key_columns);
  /// Deletes the staged rows identical (in the plan's compared columns) to the stored ones, so the
  /// merge neither writes them nor changes their @updatedAt; returns how many.
  std::int64_t drop_unchanged(const std::string &stage, const std::string &target, const column_plan &plan);
  /// Inserts the staged rows into `target`, updating those whose key it holds. A refusal by the
  /// database is reported at the refused row's line of `label`.
  void upsert(const std::string &stage, const std::string &target, const column_plan &plan, const std::string &label);

  /// Collects the keys `source` holds for `table` (of `model`), for a prune after every source is in.
  void remember_keys(const std::string &table, const std::vector<std::string> &key_columns, const std::string &source,
                     const std::string &model = "");
  /// For each table whose keys were remembered, the last remembered first (a seed set loads parents
  /// first, so children go before their parents): counts the rows whose keys no source had (prune
  /// candidates, listed in result.prune_order) and deletes them when `prune`. Drops the key tables.
  void prune_remembered(bool prune, seed_result &result);

private:
  std::string q(const std::string &name) const { return m_conn.quote_identifier(name); }
  std::string column_list(const std::vector<std::string> &columns) const;
  std::string key_match(const std::string &alias, const std::string &other, const std::vector<std::string> &key_columns) const;
  std::int64_t count(const std::string &sql);

  connection &m_conn;
  int m_counter = 0;  // numbers the run's temporary tables
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> m_keys;  // table -> (keys table, key columns)
  std::vector<std::pair<std::string, std::string>> m_key_order;                     // (table, model), first remembered first
};

}  // namespace carrierdb::seeding
