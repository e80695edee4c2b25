// ids: generated identifiers and the clock generated values use.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace carrierdb {

/// A random (version 4) UUID in its canonical lowercase form; from OpenSSL's generator.
std::string uuid_v4();
/// A collision-resistant id in cuid's shape: 'c', then 24 lowercase base-36 characters.
std::string make_cuid();

/// Milliseconds since the Unix epoch: the canonical DateTime value of generated timestamps.
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace carrierdb
