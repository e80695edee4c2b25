// load_order: the order a seed set's files load in, from the schema's foreign keys (parents
// first), whatever order the manifest lists them in; which relations wait for a second pass.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "carrierdb/schema/schema.hpp"
#include "carrierdb/seed/seeder.hpp"

namespace carrierdb::seeding {

struct file_order {
  std::vector<std::size_t> files;  // indexes into the manifest's files, in loading order
  // (model, relation field) whose references are set in a second pass, once every file is in:
  // self-relations, and the optional relation that breaks each cycle.
  std::set<std::pair<std::string, std::string>> deferred;
};

/// Model files parents first (ties: the schema's model order, then the manifest's), then the
/// files of implicit many-to-many pairs. Throws configuration_error naming the cycle when the
/// manifest's models reference each other through required relations only.
file_order order_files(const schema &s, const seed_manifest &manifest);

}  // namespace carrierdb::seeding
