// row_preparation: what a preparer thread does to a seed row: field names mapped, CSV text typed,
// validated, and the load's columns filled (defaults, the run's clock), with the row's digests
// when unchanged rows are recognised before sending.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/seed/seeder.hpp"
#include "column_plan.hpp"

namespace carrierdb::seeding {

// A row as the preparing thread hands it over: the columns ready to send, or what was wrong.
struct rejected_input {
  record input;
  std::vector<validation_issue> issues;
};
struct prepared_row {
  std::int64_t line = 0;
  std::vector<value> row;                    // the load's columns; empty when rejected or not wanted
  std::unique_ptr<rejected_input> rejected;  // set when validation failed
  // When unchanged rows are recognised before sending: the digests of the key and of the
  // compared columns, and the columns (bits) that take the run's "now" once the row is sent.
  std::uint64_t key_digest = 0, row_digest = 0, now_columns = 0;
};

// What a preparer needs to know about the load. Read by every preparer at once: nothing in it
// changes during the load, and the connection is only asked for timestamp_value().
struct prepare_plan {
  const schema &model_schema;
  const model_def &model;
  const column_plan &columns;
  const connection &conn;
  std::int64_t now_ms;    // the run's "now"
  const value &now_param; // the same as a parameter
  bool digests;           // compute the digests, leave "now" columns for later
};

inline const value *find_field(const record &r, const std::string &name) {
  for (const auto &[k, v] : r)
    if (k == name) return &v;
  return nullptr;
}

/// Prepares `src` into `out`. `wanted`: false once a strict load stopped writing (only validation
/// goes on). Touches neither the connection's session nor the report. The source row stays as
/// read (the reader reuses and frees it; the values in `out` are this thread's own, so no memory
/// changes hands between threads).
void prepare_row(const prepare_plan &plan, bool wanted, const source_row &src, prepared_row &out);

/// The run's "now" into the columns prepare_row() left for it, once the row is to be sent.
inline void fill_clock_columns(prepared_row &prepared, const value &now_param) {
  for (std::uint64_t pending = prepared.now_columns; pending != 0; pending &= pending - 1)
    prepared.row[static_cast<std::size_t>(__builtin_ctzll(pending))] = now_param;
}

}  // namespace carrierdb::seeding
