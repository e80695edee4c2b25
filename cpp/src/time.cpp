// utc_from_unix_ms(), format_utc() and the calendar arithmetic under them.
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

bool valid_calendar_date(int year, int month, int day) {
  static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month >= 1 && month <= 12 && day >= 1 && day <= days_in[month - 1] + (month == 2 && leap ? 1 : 0);
}

long long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<long long>(era) * 146097 + static_cast<long long>(doe) - 719468;
}

std::string format_utc(std::int64_t unix_ms, const char *suffix) {
  const utc_time u = utc_from_unix_ms(unix_ms);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d%s", u.year, u.month, u.day, u.hour, u.minute, u.second, u.millisecond,
                suffix);
  return buf;
}

}  // namespace carrierdb
