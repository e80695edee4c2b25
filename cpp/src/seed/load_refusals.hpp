// Where a seed row came from when the database refuses it during a load or a merge: the seed
// file and line, not the staging table and the COPY's row count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/error.hpp"

namespace carrierdb::internal {

/// The source lines of the rows written to a bulk load, in the order written, so that the Nth
/// row of the load (diagnostics::copy_row) maps back to its line. Stored as runs of consecutive
/// lines: one comparison a row, and a few entries for a file whose rows are all sent.
class sent_lines {
public:
  void add(std::int64_t line) {
    if (!m_runs.empty() && line == m_last + 1) {
      m_last = line;
      ++m_count;
      return;
    }
    m_runs.push_back({++m_count, line});
    m_last = line;
  }
  /// The line of the `nth` row written (1-based); 0 when out of range.
  std::int64_t line_of(std::int64_t nth) const;

private:
  struct run {
    std::int64_t first_row, first_line;
  };
  std::vector<run> m_runs;
  std::int64_t m_count = 0, m_last = 0;
};

/// The server's message for a seed report: its first line and DETAIL, without the CONTEXT that
/// names a staging table.
std::string refusal_text(const database_error &e);

/// Throws `e` again (same class, so callers catch what they did) as "seed <label>:<line>: ...".
/// `line` 0 names the file only.
[[noreturn]] void rethrow_at_line(const database_error &e, const std::string &label, std::int64_t line);

/// The merge `merge_sql` failed with `e`: finds the first staged row (in line order) whose merge
/// fails after the rows before it, by bisecting on the staging table's line column under
/// savepoints, and throws that row's error naming label:line. `merge_sql` selects the staged rows
/// with " WHERE true", which the probes replace by a range of lines. Work: about twice the merge's,
/// only after a failure.
[[noreturn]] void locate_merge_refusal(connection &conn, const database_error &e, const std::string &merge_sql, const std::string &stage,
                                       const std::string &line_column, const std::string &label);

}  // namespace carrierdb::internal
