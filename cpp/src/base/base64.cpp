// base64 encoding and strict decoding (RFC 4648 standard alphabet).
#include "carrierdb/base/base64.hpp"

namespace carrierdb {

namespace {

constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  const std::size_t at = c ? std::string_view(k_alphabet).find(c) : std::string_view::npos;
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

std::string base64_encode(std::string_view octets) {
  std::string out;
  out.reserve((octets.size() + 2) / 3 * 4);
  std::size_t k = 0;
  for (; k + 2 < octets.size(); k += 3) {
    const unsigned n = (static_cast<unsigned char>(octets[k]) << 16) | (static_cast<unsigned char>(octets[k + 1]) << 8) |
                       static_cast<unsigned char>(octets[k + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += k_alphabet[n & 63];
  }
  if (const std::size_t left = octets.size() - k; left > 0) {
    unsigned n = static_cast<unsigned char>(octets[k]) << 16;
    if (left == 2) n |= static_cast<unsigned char>(octets[k + 1]) << 8;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += left == 2 ? k_alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '=' && text.size() - end < 2) --end;
  if (end % 4 == 1) return std::nullopt;
  if (end != text.size() && text.size() % 4 != 0) return std::nullopt;  // padding only completes a quad
  std::string out;
  out.reserve(end / 4 * 3 + 2);
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t k = 0; k < end; ++k) {
    const int s = sextet(text[k]);
    if (s < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(s);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, so each octet string has exactly one encoding.
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace carrierdb
