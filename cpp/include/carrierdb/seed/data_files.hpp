// Seed data files, streamed: CSV (RFC 4180), JSON arrays and NDJSON. Memory stays flat as files grow.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "carrierdb/base/value.hpp"

namespace carrierdb {

/// One record as read from a file. CSV fields are text (empty unquoted field = NULL); JSON values
/// keep their JSON types (objects and arrays as JSON text).
struct source_row {
  std::vector<std::pair<std::string, value>> fields;
  std::int64_t line = 0;  // CSV/NDJSON: line where the record starts; JSON array: element number
};

enum class data_format { csv, json, ndjson };

/// Format from the file name: .csv, .json, .ndjson / .jsonl. Throws configuration_error otherwise.
data_format format_of(const std::string &path);

/// Reads `path` and calls `emit` for each record, in order. `progress(bytes_read, bytes_total)`
/// is called now and then. Throws seed_file_error (a configuration_error) naming file:line on
/// malformed input.
void read_records(const std::string &path, const std::function<void(source_row &)> &emit,
                  const std::function<void(std::uint64_t, std::uint64_t)> &progress = {});


/// One CSV field as carrierdb writes it (RFC 4180): quoted when it holds a comma, a quote or a line
/// break, and "" for the empty string, so that an empty cell can stand for NULL when read back.
std::string csv_quote(const std::string &text);

/// A value as a seed file or a report shows it: text, NULL as "".
std::string text_of(const value &v);

}  // namespace carrierdb
