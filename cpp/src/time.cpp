// utc_from_unix_ms() and format_utc().
#include "carrierdb/time.hpp"

#include <cstdio>
#include <ctime>

namespace carrierdb {

utc_time utc_from_unix_ms(std::int64_t unix_ms) {
  long long seconds = unix_ms / 1000;
  int millis = static_cast<int>(unix_ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  return utc_time{utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis};
}

std::string format_utc(std::int64_t unix_ms, const char *suffix) {
  const utc_time u = utc_from_unix_ms(unix_ms);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d%s", u.year, u.month, u.day, u.hour, u.minute, u.second, u.millisecond,
                suffix);
  return buf;
}

}  // namespace carrierdb
