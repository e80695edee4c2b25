// parent_keys: an exported child names its parent by the parent's natural key
// (`carrier.mcNumber`), not by an id the database of the next seed will number differently.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "carrierdb/database.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb::exporting {

/// One relation of the exported model, written as its parent's natural key.
struct parent_reference {
  const field_def *relation = nullptr;
  std::vector<std::string> fk_fields;      // this model's foreign key fields (carrierId)
  std::vector<std::string> columns;        // the header: carrier.mcNumber
  std::vector<std::string> target_fields;  // mcNumber
  std::unordered_map<std::string, std::vector<std::string>> keys;  // the parent's id (text) -> its natural key (text)
};

/// The relations of `model` holding a single-field foreign key to a model with a natural key
/// (its first @unique field, else its first @@unique set), each with the parent's key map read
/// in one query.
std::vector<parent_reference> parent_references(database &db, const schema &s, const model_def &model);

/// Whether `field` is one of the foreign key fields `references` writes as natural keys.
bool replaced_by_reference(const std::vector<parent_reference> &references, const std::string &field);

}  // namespace carrierdb::exporting
