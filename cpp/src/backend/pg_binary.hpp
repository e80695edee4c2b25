// PostgreSQL's binary COPY format for the column types bulk loads meet. The server then skips
// its text input functions (timestamps, integers, uuids): less of its time per row.
#pragma once

#include <optional>
#include <string>

#include "carrierdb/base/value.hpp"

namespace carrierdb::internal {

enum class pg_binary_type { text, jsonb, int2, int4, int8, float4, float8, boolean, timestamp, timestamptz, date, uuid };

/// The binary form for a column of pg_catalog type `typname` (typtype 'e': an enum, sent as its
/// label), or nullopt when a load into that column must use the text format (numeric, intervals,
/// domains, arrays, types outside pg_catalog, ...).
std::optional<pg_binary_type> pg_binary_type_of(const std::string &typname, char typtype, bool in_pg_catalog);

/// Appends one field of a binary COPY tuple (int32 length, then the bytes) for `v` in the
/// parameter forms the text path takes (a string, or an int, double or bool, as a parameter
/// would print). What the server would refuse as text is refused here with the same SQLSTATE
/// and message (22P02, 22003, 22007, 22021). Timestamps are taken as ISO 8601 text
/// (YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|+HH[:MM]]), the form every carrierdb path sends.
void append_pg_binary_field(std::string &out, const value &v, pg_binary_type type);

/// The binary COPY header (signature, flags, extension length) and trailer.
void append_pg_binary_header(std::string &out);
void append_pg_binary_trailer(std::string &out);
/// The field count that starts each tuple.
void append_pg_binary_tuple_start(std::string &out, std::size_t fields);

}  // namespace carrierdb::internal
