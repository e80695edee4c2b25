// UTF-8 validity: the one check every way into the database uses (seed files, DataFrames,
// repository input, statement parameters), with PostgreSQL's definition of valid.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace carrierdb {

/// Byte offset of the first byte that does not belong to a well-formed UTF-8 sequence, or
/// std::string_view::npos when `text` is valid. Invalid, as PostgreSQL says: stray continuation
/// bytes, truncated sequences, overlong forms, UTF-16 surrogates (U+D800..U+DFFF) encoded in
/// UTF-8, and code points above U+10FFFF.
std::size_t invalid_utf8_at(std::string_view text) noexcept;

/// What is wrong at `at` (an offset from invalid_utf8_at), for messages: the 1-based byte
/// position and the offending bytes in hex, never the raw bytes, e.g.
/// "byte 2: 0xFC (not UTF-8: text in another encoding, such as Latin-1 or Windows-1252?)".
std::string describe_invalid_utf8(std::string_view text, std::size_t at);

/// `text` with each byte of an invalid sequence written as \xNN, so that a message or a report
/// can show it; valid text comes back unchanged.
std::string printable_utf8(std::string_view text);

}  // namespace carrierdb
