// digest: the checksums carrierdb computes (SHA-256 of migrations and seed sets, FNV-1a of rows).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace carrierdb {

/// Lowercase hex SHA-256 of `bytes` (the checksum Prisma stores for a migration).
std::string sha256_hex(const std::string &bytes);
/// Lowercase hex SHA-256 of a file's bytes, read in 64 KiB blocks. Throws configuration_error
/// when the file cannot be read.
std::string file_sha256(const std::string &path);

/// A fast 64-bit hash (FNV-1a) for comparing rows with what a table holds. Not for anything an
/// adversary chooses: a collision is about 1 in 2^64.
inline std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace carrierdb
