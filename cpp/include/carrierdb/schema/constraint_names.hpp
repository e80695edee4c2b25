// constraint_names: the names Prisma gives keys, indexes and foreign keys that the schema does not
// name (`map:`), cut to the provider's identifier limit as Prisma cuts them.
#pragma once

#include <string>
#include <vector>

namespace carrierdb {

/// `prefix` + `suffix` ("carriers_mc_number" + "_key"). On PostgreSQL (63 bytes at most) a longer
/// name keeps its suffix and loses the end of its prefix, as Prisma writes it (which PostgreSQL would
/// otherwise cut silently, losing the suffix); SQLite has no limit.
std::string prisma_constraint_name(const std::string &prefix, const std::string &suffix, const std::string &provider);

/// `table` + "_" + each column + `suffix`, cut as above.
std::string prisma_constraint_name(const std::string &table, const std::vector<std::string> &columns, const std::string &suffix,
                                   const std::string &provider);

}  // namespace carrierdb
