// merge: a seed run's staging, upsert and prune SQL.
#include "merge.hpp"

#include "carrierdb/error.hpp"
#include "load_refusals.hpp"
#include "run_issues.hpp"

namespace carrierdb::seeding {

std::string seed_merge::column_list(const std::vector<std::string> &columns) const {
  std::string out;
  for (const auto &c : columns) out += (out.empty() ? "" : ", ") + q(c);
  return out;
}

std::string seed_merge::key_match(const std::string &alias, const std::string &other, const std::vector<std::string> &key_columns) const {
  std::string out;
  for (const auto &c : key_columns) out += (out.empty() ? "" : " AND ") + alias + "." + q(c) + " = " + other + "." + q(c);
  return out;
}

std::int64_t seed_merge::count(const std::string &sql) { return std::get<std::int64_t>(m_conn.query(sql, {}).rows.at(0).at(0)); }

bool seed_merge::table_is_empty(const std::string &table) { return m_conn.query("SELECT 1 FROM " + q(table) + " LIMIT 1", {}).rows.empty(); }

std::int64_t seed_merge::count_rows(const std::string &table) { return count("SELECT count(*) FROM " + q(table)); }

std::string seed_merge::create_stage(const std::string &target, const std::vector<std::string> &columns) {
  const std::string stage = "_carrierdb_stage_" + std::to_string(++m_counter);
  m_conn.execute("CREATE TEMP TABLE " + q(stage) + " AS SELECT " + column_list(columns) + " FROM " + q(target) + " WHERE 1 = 0", {});
  m_conn.execute("ALTER TABLE " + q(stage) + " ADD COLUMN " + q(k_line_column) + " BIGINT", {});
  return stage;
}

void seed_merge::drop(const std::string &table) { m_conn.execute("DROP TABLE " + q(table), {}); }

void seed_merge::rebuild_indexes(const std::vector<std::string> &definitions) {
  for (const auto &sql : definitions) m_conn.execute(sql, {});
}

std::vector<validation_issue> seed_merge::duplicate_keys(const std::string &label, const std::string &stage,
                                                         const std::vector<std::string> &key_columns) {
  const std::string cols = column_list(key_columns);
  const auto r = m_conn.query("SELECT " + cols + ", min(" + q(k_line_column) + "), max(" + q(k_line_column) + "), count(*) FROM " + q(stage) +
                                  " GROUP BY " + cols + " HAVING count(*) > 1 ORDER BY 2 LIMIT 1000",
                              {});
  std::vector<validation_issue> issues;
  for (const auto &row : r.rows) {
    validation_issue i;
    std::string shown;
    for (std::size_t k = 0; k < key_columns.size(); ++k) shown += (k ? ", " : "") + text_of(row[k]);
    i.path = key_columns;
    i.code = "duplicate_key";
    i.message = "key (" + shown + ") appears " + text_of(row[key_columns.size() + 2]) + " times (lines " + text_of(row[key_columns.size()]) +
                " and " + text_of(row[key_columns.size() + 1]) + ")";
    i.row = label + ":" + text_of(row[key_columns.size() + 1]);
    i.value = shown;
    issues.push_back(i);
  }
  return issues;
}

std::int64_t seed_merge::count_matched(const std::string &stage, const std::string &target, const std::vector<std::string> &key_columns) {
  return count("SELECT count(*) FROM " + q(stage) + " WHERE EXISTS (SELECT 1 FROM " + q(target) + " t WHERE " + key_match("t", q(stage), key_columns) +
               ")");
}

std::int64_t seed_merge::delete_missing(const std::string &target, const std::string &stage, const std::vector<std::string> &key_columns) {
  return m_conn.execute("DELETE FROM " + q(target) + " WHERE NOT EXISTS (SELECT 1 FROM " + q(stage) + " WHERE " +
                            key_match(q(target), q(stage), key_columns) + ")",
                        {});
}

std::int64_t seed_merge::drop_unchanged(const std::string &stage, const std::string &target, const column_plan &plan) {
  std::string same = key_match("t", q(stage), plan.key_columns);
  for (std::size_t p : plan.compared_positions) {
    const std::string &column = plan.fields[p]->column;
    same += " AND " + m_conn.null_safe_equal_sql("t." + q(column), q(stage) + "." + q(column));
  }
  return m_conn.execute("DELETE FROM " + q(stage) + " WHERE EXISTS (SELECT 1 FROM " + q(target) + " t WHERE " + same + ")", {});
}

void seed_merge::upsert(const std::string &stage, const std::string &target, const column_plan &plan, const std::string &label) {
  const std::string cols = column_list(plan.columns);
  std::string sets;
  for (std::size_t p : plan.overwritten_positions) {
    const std::string &column = plan.fields[p]->column;
    sets += (sets.empty() ? "" : ", ") + q(column) + " = excluded." + q(column);
  }
  const std::string conflict = column_list(plan.key_columns);
  const std::string merge = "INSERT INTO " + q(target) + " (" + cols + ") SELECT " + cols + " FROM " + q(stage) + " WHERE true ON CONFLICT (" +
                            conflict + ") " + (sets.empty() ? "DO NOTHING" : "DO UPDATE SET " + sets);
  // A savepoint, so that a refused merge (a CHECK, a foreign key) can be replayed to find the row.
  scoped_savepoint merging(m_conn, "carrierdb_merge");
  try {
    m_conn.execute(merge, {});
  } catch (const programming_error &e) {
    throw configuration_error("the seed key (" + conflict + ") of " + label + " has no unique constraint in " + target + ": " + e.what(),
                              "use a unique field (or @@unique set) as the key");
  } catch (const operational_error &) {
    throw;
  } catch (const database_error &e) {
    internal::locate_merge_refusal(m_conn, e, merge, stage, k_line_column, label);  // throws, naming the row
  }
  merging.release();
}

void seed_merge::remember_keys(const std::string &table, const std::vector<std::string> &key_columns, const std::string &source,
                               const std::string &model) {
  auto it = m_keys.find(table);
  if (it == m_keys.end()) {
    const std::string keys = "_carrierdb_keys_" + std::to_string(++m_counter);
    m_conn.execute("CREATE TEMP TABLE " + q(keys) + " AS SELECT " + column_list(key_columns) + " FROM " + q(table) + " WHERE 1 = 0", {});
    // Without an index SQLite would compare every row with every key when counting prune candidates.
    m_conn.execute("CREATE INDEX " + q(keys + "_key") + " ON " + q(keys) + " (" + column_list(key_columns) + ")", {});
    it = m_keys.emplace(table, std::make_pair(keys, key_columns)).first;
    m_key_order.emplace_back(table, model.empty() ? table : model);
  }
  m_conn.execute("INSERT INTO " + q(it->second.first) + " SELECT " + column_list(key_columns) + " FROM " + q(source), {});
}

void seed_merge::prune_remembered(bool prune, seed_result &result) {
  for (auto order = m_key_order.rbegin(); order != m_key_order.rend(); ++order) {
    const std::string &table = order->first;
    const auto &info = m_keys.at(table);
    // Qualified by the table's own name: SQLite's DELETE takes no alias.
    const std::string match = key_match(q(table), q(info.first), info.second);
    const std::string missing = " FROM " + q(table) + " WHERE NOT EXISTS (SELECT 1 FROM " + q(info.first) + " WHERE " + match + ")";
    const std::int64_t candidates = count("SELECT count(*)" + missing);
    result.prune_candidates += candidates;
    if (candidates > 0) result.prune_order.push_back(seed_prune_entry{order->second, table, candidates});
    if (prune && candidates > 0) result.pruned += m_conn.execute("DELETE" + missing, {});
    // Temporary tables outlive a committed transaction on a pooled session: drop them now.
    drop(info.first);
  }
  m_keys.clear();
  m_key_order.clear();
}

}  // namespace carrierdb::seeding
