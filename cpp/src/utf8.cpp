// invalid_utf8_at(): RFC 3629's well-formed byte sequences (Unicode table 3-7), which is what
// PostgreSQL's pg_verify_mbstr accepts for UTF8.
#include "carrierdb/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace carrierdb {

namespace {

// The length of the well-formed sequence starting at `p` (at most `left` bytes), 0 if none.
std::size_t sequence_length(const unsigned char *p, std::size_t left) noexcept {
  const unsigned char c = p[0];
  std::size_t n;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) low = 0xA0;        // overlong
    else if (c == 0xED) high = 0x9F;  // U+D800..U+DFFF: surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) low = 0x90;        // overlong
    else if (c == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong) or F5..FF
  }
  if (left < n || p[1] < low || p[1] > high) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if ((p[k] & 0xC0) != 0x80) return 0;
  return n;
}

const char k_hex[] = "0123456789ABCDEF";

}  // namespace

std::size_t invalid_utf8_at(std::string_view text) noexcept {
  const auto *p = reinterpret_cast<const unsigned char *>(text.data());
  const std::size_t size = text.size();
  std::size_t k = 0;
  while (k < size) {
    // Most seed text is ASCII: eight bytes at a time while no high bit is set.
    while (k + 8 <= size) {
      std::uint64_t word;
      std::memcpy(&word, p + k, 8);
      if (word & 0x8080808080808080ULL) break;
      k += 8;
    }
    if (k >= size) break;
    if (p[k] < 0x80) {
      ++k;
      continue;
    }
    const std::size_t n = sequence_length(p + k, size - k);
    if (n == 0) return k;
    k += n;
  }
  return std::string_view::npos;
}

std::string describe_invalid_utf8(std::string_view text, std::size_t at) {
  const auto *p = reinterpret_cast<const unsigned char *>(text.data());
  // The bytes shown: the lead byte and the continuation bytes that follow it (up to 4).
  std::size_t end = at + 1;
  while (end < text.size() && end < at + 4 && (p[end] & 0xC0) == 0x80) ++end;
  std::string bytes;
  for (std::size_t k = at; k < end; ++k) {
    if (k > at) bytes += ' ';
    bytes += "0x";
    bytes += k_hex[p[k] >> 4];
    bytes += k_hex[p[k] & 0xF];
  }
  const unsigned char lead = p[at], next = end > at + 1 ? p[at + 1] : 0;
  const char *why = "not UTF-8: text in another encoding, such as Latin-1 or Windows-1252?";
  if (lead < 0xC0) why = "a continuation byte without a lead byte";
  else if (lead < 0xC2 || (lead == 0xE0 && next && next < 0xA0) || (lead == 0xF0 && next && next < 0x90)) why = "an overlong form";
  else if (lead == 0xED && next >= 0xA0) why = "a UTF-16 surrogate (U+D800..U+DFFF), which UTF-8 cannot hold";
  else if ((lead == 0xF4 && next >= 0x90) || (lead >= 0xF5 && lead <= 0xF7 && next)) why = "a code point above U+10FFFF";
  else if (end == text.size() && lead >= 0xC2 && lead <= 0xF4 && next != 0) why = "a sequence cut short at the end";
  return "byte " + std::to_string(at + 1) + ": " + bytes + " (" + why + ")";
}

std::string printable_utf8(std::string_view text) {
  std::size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos) return std::string(text);
  const auto *p = reinterpret_cast<const unsigned char *>(text.data());
  std::string out(text.substr(0, at));
  while (at < text.size()) {
    const std::size_t n = p[at] < 0x80 ? 1 : sequence_length(p + at, text.size() - at);
    if (n == 0) {
      out += "\\x";
      out += k_hex[p[at] >> 4];
      out += k_hex[p[at] & 0xF];
      ++at;
    } else {
      out.append(text.substr(at, n));
      at += n;
    }
  }
  return out;
}

}  // namespace carrierdb
