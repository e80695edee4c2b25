// base64: Prisma's text form of Bytes (its JSON protocol, and carrierdb's seed files).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carrierdb {

/// Standard base64 (RFC 4648, `+/`, padded with `=`).
std::string base64_encode(std::string_view octets);
/// The octets of standard base64 text (padding optional, no blanks); nullopt when it is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace carrierdb
