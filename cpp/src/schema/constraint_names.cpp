// constraint_names: Prisma's default names and their cut at the identifier limit.
#include "carrierdb/schema/constraint_names.hpp"

namespace carrierdb {

std::string prisma_constraint_name(const std::string &prefix, const std::string &suffix, const std::string &provider) {
  // PostgreSQL's NAMEDATALEN - 1; Prisma uses the schema's provider, whatever database runs it.
  const std::size_t limit = provider == "sqlite" ? std::string::npos : 63;
  if (limit == std::string::npos || prefix.size() + suffix.size() <= limit) return prefix + suffix;
  std::size_t keep = limit > suffix.size() ? limit - suffix.size() : 0;
  // Never cut a UTF-8 character in two: back up to the start of the one the cut falls in.
  while (keep > 0 && (static_cast<unsigned char>(prefix[keep]) & 0xC0) == 0x80) --keep;
  return prefix.substr(0, keep) + suffix;
}

std::string prisma_constraint_name(const std::string &table, const std::vector<std::string> &columns, const std::string &suffix,
                                   const std::string &provider) {
  std::string prefix = table;
  for (const auto &c : columns) prefix += "_" + c;
  return prisma_constraint_name(prefix, suffix, provider);
}

}  // namespace carrierdb
