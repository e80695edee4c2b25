// libFuzzer target: the statement splitter must handle any input, and its spans must stay in bounds.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "backend/sql_script.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view sql(reinterpret_cast<const char *>(data), size);
  for (const auto &span : carrierdb::internal::split_postgres_script(sql)) {
    if (span.offset + span.length > size || span.line < 1) std::abort();
    (void)carrierdb::internal::is_transaction_control(sql.substr(span.offset, span.length));
  }
  return 0;
}
