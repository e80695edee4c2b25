// "Did you mean ...": the closest known name to a misspelt attribute, type, native type or unique key.
#include <algorithm>
#include <cctype>

#include "carrierdb/schema/suggest.hpp"

namespace carrierdb {

namespace {

// Levenshtein distance, case-insensitive (a wrong case is one typo, not several).
std::size_t edit_distance(const std::string &a, const std::string &b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string did_you_mean(const std::string &word, const std::vector<std::string> &candidates) {
  // Short names allow one edit, longer ones a third of their length: "Strng" finds String,
  // "x" finds nothing.
  const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  const std::string *best = nullptr;
  std::size_t best_distance = allowed + 1;
  for (const auto &c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  return best ? " (did you mean '" + *best + "'?)" : "";
}

}  // namespace carrierdb
