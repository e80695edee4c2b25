// Live rows to a seed file (CSV), with deterministic pseudonyms for named fields.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "carrierdb/database.hpp"
#include "carrierdb/repo/document.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

struct export_options {
  document where;                      // Prisma-style filter
  std::vector<std::string> anonymize;  // fields replaced by pseudonyms
  std::string salt = "carrierdb";      // keys the pseudonyms; keep a secret one for real data
};

/// Writes the rows of `model` as CSV with a header of field names: the fields a seed file
/// carries (autoincrement ids and generated timestamps are left out), read in id order, page by
/// page so memory stays flat. Returns the number of rows written.
std::int64_t export_csv(std::shared_ptr<database> db, std::shared_ptr<const schema> s, const std::string &model,
                        const std::string &path, const export_options &options);

/// The pseudonym of `text` for `field`: the same input and salt always give the same output.
/// MC-number-like values (MC + digits) and plain digit strings keep their length and stay
/// distinct (a keyed permutation); e-mail addresses become user-<hash>@example.com; other text
/// becomes a realistic company name.
std::string pseudonym(const std::string &text, const std::string &field, const std::string &salt);

}  // namespace carrierdb
