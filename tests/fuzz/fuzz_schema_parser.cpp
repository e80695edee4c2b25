// libFuzzer target: schema::parse must reject or accept any input, never crash or hang.
#include <cstdint>
#include <string>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);
  try {
    const carrierdb::schema s = carrierdb::schema::parse(text, "fuzz.prisma");
    for (const auto &m : s.models())
      for (const auto &f : m.fields) (void)carrierdb::expected_column_type(f, s, carrierdb::backend_kind::postgresql);
  } catch (const carrierdb::error &) {
    // Rejecting malformed input with a schema_error is the expected outcome.
  }
  return 0;
}
