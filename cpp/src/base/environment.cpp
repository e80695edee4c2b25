// canonical_environment(): the short spellings of CARRIERDB_ENV and the names they stand for.
#include "carrierdb/base/environment.hpp"

namespace carrierdb {

std::string canonical_environment(const std::string &name) {
  if (name == "test") return "testing";
  if (name == "dev") return "development";
  if (name == "prod") return "production";
  return name;
}

}  // namespace carrierdb
