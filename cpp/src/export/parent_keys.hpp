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
  /// The parent's referenced values (their texts, as fk_text() joins them) -> its natural key (texts).
  std::unordered_map<std::string, std::vector<std::string>> keys;
};

/// The texts of a foreign key's fields as one key of parent_reference::keys.
std::string fk_text(const std::vector<std::string> &texts);

/// The relations of `model` holding a foreign key (of one field or several) to a model with a
/// natural key (its first @unique field, else its first @@unique set without foreign keys, else,
/// for a composite foreign key, the referenced fields when the database numbers none of them),
/// each with the parent's key map read in one query.
std::vector<parent_reference> parent_references(database &db, const schema &s, const model_def &model);

/// Whether `field` is one of the foreign key fields `references` writes as natural keys.
bool replaced_by_reference(const std::vector<parent_reference> &references, const std::string &field);

}  // namespace carrierdb::exporting
