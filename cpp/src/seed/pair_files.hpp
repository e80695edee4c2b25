// pair_files: a seed file of an implicit many-to-many relation's pairs, each side named by its
// natural key (`carrier.mcNumber,tag.name`), added to Prisma's join table (`_CarrierToTag`). A
// self-relation's file names the record and the relation (`person.email,following.email`).
#pragma once

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/seed/seeder.hpp"
#include "merge.hpp"
#include "run_issues.hpp"

namespace carrierdb::seeding {

/// Loads the pairs of `spec` (its `model` and `relation`): both sides resolved against key maps
/// read once, the pairs staged and inserted with one INSERT ... SELECT (pairs already there are
/// unchanged). The join table's keys are remembered for prune. Adds the file's result.
void load_pairs(connection &conn, const schema &s, const seed_file_spec &spec, seed_merge &merge, run_issues &issues, seed_result &result);

}  // namespace carrierdb::seeding
