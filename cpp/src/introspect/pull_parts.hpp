// pull_parts: what schema_writer.cpp (db pull) builds on: a column's Prisma type and @default
// (pull_columns.cpp), Prisma-style names, and the `///` comments and layout of an existing
// schema.prisma (pull_comments.cpp). Internal to introspect/.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "carrierdb/schema/target_model.hpp"

namespace carrierdb::pull_parts {

/// A column's type as schema.prisma writes it.
struct prisma_type {
  std::string scalar;  // Int, String, ...; for an enum column its database name (the caller names the enum); Unsupported("...")
  std::string native;  // "@db.VarChar(255)", or "" where the scalar's default type is the column's
  bool list = false;
  bool is_enum = false;
  bool unsupported = false;
};

/// The Prisma type whose column type (column_type_of) is `c`'s on `backend`.
prisma_type prisma_type_of(const target_column &c, backend_kind backend);

/// The argument of `c`'s @default(...) ("" for none): autoincrement(), now(), a literal, an enum
/// value (`enum_value` names a database value in the schema), a list, or dbgenerated("...") for any
/// other expression, so that the DDL written back is the database's default again.
std::string default_argument(const target_column &c, const prisma_type &t, const std::function<std::string(const std::string &)> &enum_value);

/// "insurance_policies" -> "InsurancePolicies"; "carrier_id" -> "carrierId" (camel); valid Prisma identifiers.
std::string pascal_case(const std::string &name);
std::string camel_case(const std::string &name);
/// A name as a Prisma string literal: "name" with " and \ escaped.
std::string quoted(const std::string &text);

/// What an existing schema.prisma says besides its declarations.
struct file_layout {
  std::string header;  // the text before its first model or enum block (datasource, generator, comments)
  std::map<std::string, std::vector<std::string>> block_docs;                        // model or enum name -> its /// lines
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> member_docs;  // (block, field or value) -> /// lines
};

/// The layout of schema.prisma text.
file_layout read_layout(const std::string &text);

}  // namespace carrierdb::pull_parts
