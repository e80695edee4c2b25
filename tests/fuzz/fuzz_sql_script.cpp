// libFuzzer target: the statement splitter must handle any input, and its spans must stay in
// bounds; reading what a script drops (rollback's data-loss check) must handle any input too.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "backend/sql_script.hpp"
#include "carrierdb/migrate/data_loss.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view sql(reinterpret_cast<const char *>(data), size);
  for (const auto &span : carrierdb::internal::split_postgres_script(sql)) {
    if (span.offset + span.length > size || span.line < 1) std::abort();
    (void)carrierdb::internal::is_transaction_control(sql.substr(span.offset, span.length));
  }
  for (const auto &dropped : carrierdb::find_dropped_objects(sql))
    if (dropped.table.size() > size) std::abort();
  return 0;
}
