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

/// Whether month/day exist in that (proleptic Gregorian) year.
bool valid_calendar_date(int year, int month, int day);

/// Days since 1970-01-01 of a calendar date (Howard Hinnant's algorithm: no time zone database).
long long days_from_civil(int year, int month, int day);

/// "YYYY-MM-DD HH:MM:SS.mmm" in UTC, optionally followed by `suffix` (e.g. "+00").
std::string format_utc(std::int64_t unix_ms, const char *suffix = "");

}  // namespace carrierdb
