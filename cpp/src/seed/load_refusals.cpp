// The database's refusals during a seed load, reported at the seed file's line.
#include "load_refusals.hpp"

#include <algorithm>

namespace carrierdb::internal {

std::int64_t sent_lines::line_of(std::int64_t nth) const {
  if (nth < 1 || nth > m_count) return 0;
  auto it = std::upper_bound(m_runs.begin(), m_runs.end(), nth, [](std::int64_t n, const run &r) { return n < r.first_row; });
  --it;  // the run holding row `nth` (the first run starts at row 1)
  return it->first_line + (nth - it->first_row);
}

std::string refusal_text(const database_error &e) {
  std::string text = e.what(), out;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, end - pos);
    if (line.rfind("CONTEXT:", 0) != 0 && line.rfind("HINT:", 0) != 0) out += (out.empty() ? "" : "\n") + line;
    pos = end + 1;
  }
  return out;
}

void rethrow_at_line(const database_error &e, const std::string &label, std::int64_t line) {
  diagnostics diag = e.diag();
  const std::string where = line > 0 ? label + ":" + std::to_string(line) + ": the database refused the row" : label;
  rethrow_with_context(e, "seed " + where + ": " + refusal_text(e), diag);
}

void locate_merge_refusal(connection &conn, const database_error &e, const std::string &merge_sql, const std::string &stage,
                          const std::string &line_column, const std::string &label) {
  // The failed statement left PostgreSQL's transaction aborted: back to before the merge.
  conn.rollback_to_savepoint("carrierdb_merge");
  const std::string q_line = conn.quote_identifier(line_column);
  const result bounds = conn.query("SELECT min(" + q_line + "), max(" + q_line + ") FROM " + conn.quote_identifier(stage), {});
  const auto *first = std::get_if<std::int64_t>(&bounds.rows.at(0)[0]);
  const auto *last = std::get_if<std::int64_t>(&bounds.rows.at(0)[1]);
  if (!first || !last) rethrow_at_line(e, label, 0);
  static const std::string all_rows = " WHERE true";
  const std::size_t where = merge_sql.rfind(all_rows);
  if (where == std::string::npos) rethrow_at_line(e, label, 0);
  const std::string sql = merge_sql.substr(0, where) + " WHERE " + q_line + " BETWEEN $1 AND $2" + merge_sql.substr(where + all_rows.size());
  // Merges [from, to] on top of what succeeded so far; true if it worked (and is kept).
  const auto merges = [&](std::int64_t from, std::int64_t to) {
    scoped_savepoint probe(conn, "carrierdb_probe");
    try {
      conn.execute(sql, {from, to});
    } catch (const database_error &) {
      probe.rollback();
      return false;
    }
    probe.release();
    return true;
  };
  // Invariant: rows before `lo` merged; the first refused row is in [lo, hi].
  std::int64_t lo = *first, hi = *last;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (merges(lo, mid)) lo = mid + 1;
    else hi = mid;
  }
  try {
    conn.execute(sql, {lo, lo});
  } catch (const operational_error &) {
    throw;
  } catch (const database_error &row_error) {
    rethrow_at_line(row_error, label, lo);
  }
  rethrow_at_line(e, label, 0);  // no single row is refused: the rows only conflict together
}

}  // namespace carrierdb::internal
