#include "numbers.hpp"

#include <charconv>
#include <cstdlib>

namespace carrierdb {

locale_t c_locale() {
  static const locale_t c = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return c;
}

void append_double(std::string &out, double d, int precision) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general, precision);
  out.append(buf, r.ptr);
}

std::string format_double(double d, int precision) {
  std::string out;
  append_double(out, d, precision);
  return out;
}

double parse_double(const char *text, char **end) { return strtod_l(text, end, c_locale()); }

}  // namespace carrierdb
