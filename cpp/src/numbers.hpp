// Numbers as text in the C locale, whatever setlocale() the host process made: a notebook that
// switched to a comma-decimal locale must not turn 3.25 into "3,25" or read "3.25" as 3.
#pragma once

#include <locale.h>

#include <string>

namespace carrierdb {

/// The C locale, for the *_l functions.
locale_t c_locale();

/// printf's %.{precision}g in the C locale.
std::string format_double(double d, int precision = 17);
/// format_double() appended to `out` (no temporary string: bulk paths).
void append_double(std::string &out, double d, int precision = 17);

/// strtod in the C locale (leading blanks, a sign, inf/nan and hex floats as strtod reads them).
double parse_double(const char *text, char **end = nullptr);

}  // namespace carrierdb
