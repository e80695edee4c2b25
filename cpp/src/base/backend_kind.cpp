// backend_kind: the names backends go by in files and messages.
#include "carrierdb/base/backend_kind.hpp"

namespace carrierdb {

const char *to_string(backend_kind kind) {
  return kind == backend_kind::postgresql ? "postgresql" : "sqlite";
}

}  // namespace carrierdb
