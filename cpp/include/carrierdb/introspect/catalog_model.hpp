// catalog_model: a live database read back as the target_model that would have created it, so that
// `migrate diff --from-url`, `db pull` and `migrate dev` compare a database with a schema (or with
// another database) through the same differ as two schemas.
#pragma once

#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/schema/target_model.hpp"

namespace carrierdb {

/// The tables, keys, indexes, foreign keys and enum types of the database behind `conn` (its current
/// schema) as a target_model of conn.kind(), spelled as carrierdb's DDL writes them: a database made
/// from the script diff_schemas(nullptr, &s, backend) writes reads back equal to target_model::of(s, backend).
/// Tables named in `ignore_tables` (the migration and seed history) are left out.
target_model read_target_model(connection &conn, const std::vector<std::string> &ignore_tables);

}  // namespace carrierdb
