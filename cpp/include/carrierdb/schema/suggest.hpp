// suggest: "did you mean ...", the closest known name to a misspelt one (schema attributes and
// types, and the repository's unique keys).
#pragma once

#include <string>
#include <vector>

namespace carrierdb {

/// " (did you mean 'String'?)" when a candidate is a small edit away from `word`, else "".
std::string did_you_mean(const std::string &word, const std::vector<std::string> &candidates);

}  // namespace carrierdb
