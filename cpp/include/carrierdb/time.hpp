// Instants as Unix milliseconds, split into UTC calendar fields: the one conversion every part uses.
#pragma once

#include <cstdint>
#include <string>

namespace carrierdb {

struct utc_time {
  int year, month, day, hour, minute, second, millisecond;
};

/// Splits Unix milliseconds into UTC fields (floor division: instants before 1970 work too).
utc_time utc_from_unix_ms(std::int64_t unix_ms);

/// "YYYY-MM-DD HH:MM:SS.mmm" in UTC, optionally followed by `suffix` (e.g. "+00").
std::string format_utc(std::int64_t unix_ms, const char *suffix = "");

}  // namespace carrierdb
