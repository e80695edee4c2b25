// ids: random UUIDs and cuids from OpenSSL's generator.
#include "carrierdb/base/ids.hpp"

#include <openssl/rand.h>

#include "carrierdb/error.hpp"

namespace carrierdb {

std::string uuid_v4() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw error("OpenSSL's random generator failed");
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (int k = 0; k < 16; ++k) {
    if (k == 4 || k == 6 || k == 8 || k == 10) out += '-';
    out += hex[b[k] >> 4];
    out += hex[b[k] & 0xF];
  }
  return out;
}

std::string make_cuid() {
  static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out = "c";
  std::int64_t t = now_ms();
  std::string stamp;
  while (t > 0) {
    stamp.insert(stamp.begin(), alphabet[t % 36]);
    t /= 36;
  }
  out += stamp;
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw error("OpenSSL's random generator failed");
  for (std::size_t k = 0; out.size() < 25; ++k) out += alphabet[bytes[k % sizeof bytes] % 36];
  return out;
}

}  // namespace carrierdb
