// Validation of records against a model's fields and rules, reporting every issue (zod's codes).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "carrierdb/base/value.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// A record as (field name, value) pairs in the caller's order.
using record = std::vector<std::pair<std::string, value>>;

/// create: every required field must be present; update: only the given fields are checked.
/// create and update: the repository's writes, which (as Prisma's client) never carry an @ignore'd
/// field. load: a whole row written to the table by seeding, which knows the table, @ignore'd
/// columns included; otherwise checked like create.
enum class validation_mode { create, update, load };

/// Validates `data` for `model` and returns it normalised and typed:
///   Int/BigInt -> int64, Float -> double, Decimal -> decimal text, Boolean -> bool,
///   String -> text after normalisers and trim/case transforms, enum -> its value,
///   DateTime -> int64 Unix milliseconds (UTC), Json -> JSON text.
/// Appends every problem to `issues` (paths are field names); the result is only meaningful
/// when no issue was added.
record check_record(const schema &s, const model_def &model, const record &data, validation_mode mode,
                    std::vector<validation_issue> &issues);
/// check_record() that takes the values over instead of copying them (bulk paths).
record check_record(const schema &s, const model_def &model, record &&data, validation_mode mode, std::vector<validation_issue> &issues);

/// check_record() that throws validation_error when anything is wrong.
record validate_record(const schema &s, const model_def &model, const record &data, validation_mode mode);

/// Converts one value to `field`'s canonical type without its rules (for filters). Appends an
/// issue at `path` when it cannot.
value coerce_field_value(const schema &s, const field_def &field, const value &v, const std::vector<std::string> &path,
                         std::vector<validation_issue> &issues);

/// Parses ISO-8601 ("2024-09-06", "2024-09-06 12:30:00.123", "...T...Z", "...+02:00") to Unix
/// milliseconds; false when it is not a valid date-time.
bool parse_iso_timestamp(const std::string &text, std::int64_t &unix_ms);
/// Unix milliseconds -> "YYYY-MM-DD HH:MM:SS.mmm" (UTC).
std::string format_timestamp_ms(std::int64_t unix_ms);

}  // namespace carrierdb
