// run_issues: how a seed run reports its bad rows: validation rejects (and the lenient rejects
// file), keys met twice, rows the database refused; and whether the run has failed.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "carrierdb/error.hpp"
#include "carrierdb/seed/seeder.hpp"
#include "column_plan.hpp"
#include "load_refusals.hpp"

namespace carrierdb::seeding {


class run_issues {
public:
  /// Opens the rejects file when `options` asks for one (lenient mode).
  explicit run_issues(const seed_options &options);

  /// True once a row made the run fail: strict mode rejected one, or a key came twice.
  bool failed() const { return m_failed; }

  /// Validation refused the row at `line` of `label` (`input` as given).
  void reject(const std::string &label, std::int64_t line, const record &input, std::vector<validation_issue> &issues,
              seed_file_result &file, seed_result &result);

  /// The key of `row` (the load's columns) at `line` came at `first_line` already. Duplicates are
  /// errors even in lenient mode: which row wins would be a guess.
  void duplicate_key(const column_plan &plan, const std::vector<value> &row, std::int64_t first_line, std::int64_t line,
                     const std::string &label, seed_file_result &file, seed_result &result);

  /// Keys found more than once in a staging table (as seed_merge::duplicate_keys lists them).
  [[noreturn]] void duplicate_keys(std::vector<validation_issue> issues, const std::string &label, seed_file_result &file,
                                   seed_result &result);

  /// Direct load into an empty table: a key twice in the data is a seed error, reported like the others.
  [[noreturn]] void duplicate_in_direct_load(const std::string &where, const unique_violation &e, seed_result &result);

  /// The database refused a row of the load (a CHECK, a type's range, a key twice): reported at its
  /// line. `current_line` is the row being written, for errors that carry no row of their own.
  /// Called in a catch block: an operational_error (the connection, not the row) is rethrown as is.
  [[noreturn]] void refused_in_load(const std::string &label, const internal::sent_lines &sent, std::int64_t current_line,
                                    const database_error &e, seed_result &result);

private:
  const seed_options &m_options;
  bool m_failed = false;
  std::ofstream m_rejects;
};

}  // namespace carrierdb::seeding
