// The data model read from schema.prisma: models, fields, enums and their validation rules.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carrierdb/base/backend_kind.hpp"

namespace carrierdb {

class pattern;  // a compiled regular expression (PCRE2), internal

/// Where something stands in a schema file (1-based).
struct source_location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string to_string() const { return file + ":" + std::to_string(line) + ":" + std::to_string(column); }
};

/// Prisma's scalar types, plus enum references.
enum class scalar_type { int_, bigint, float_, decimal, boolean, string, datetime, json, enum_ };
const char *to_string(scalar_type type);

/// One rule from a `/// @zod.<type>.<rule>(args)` doc comment, or a carrierdb normaliser from
/// `/// @carrierdb.normalize(name)`. Arguments keep their source text (strings unquoted).
struct field_rule {
  std::string kind;                 // the zod type: string, number or bigint
  std::string name;                 // min, max, length, regex, email, int, gte, trim, ...
  std::vector<std::string> args;    // e.g. {"1"} for min(1); {"^MC[0-9]+$", ""} for regex(/^MC[0-9]+$/)
  std::string message;              // custom message from { message: "..." }, if any
  source_location where;
  std::shared_ptr<const pattern> compiled;  // regex rules: the pattern, compiled once by the parser
};

struct default_value {
  enum class kind { autoincrement, now, uuid, cuid, literal, enum_value } what = kind::literal;
  std::string text;  // literal (unquoted) or enum value
};

struct field_def {
  std::string name;
  std::string column;               // @map, else the name
  scalar_type type = scalar_type::string;
  std::string type_name;            // as written: String, Int, CarrierStatus, ...
  bool optional = false;
  bool id = false;
  bool unique = false;
  bool updated_at = false;
  std::optional<default_value> default_;
  std::string native_type;          // @db.VarChar(255) -> "VarChar"
  std::vector<std::string> native_args;
  std::vector<field_rule> rules;           // zod rules, in order
  std::vector<std::string> normalizers;    // carrierdb normalisers, in order
  std::vector<std::string> doc;            // other /// lines
  source_location where;

  /// VarChar(n)/Char(n) length limit, or 0.
  int max_length() const;
  /// The field gets a value without the caller giving one (default, @updatedAt, optional).
  bool has_implicit_value() const { return default_.has_value() || updated_at || optional; }
};

struct model_def {
  std::string name;
  std::string table;                               // @@map, else the name
  std::vector<field_def> fields;
  std::vector<std::vector<std::string>> uniques;   // @@unique([a, b]) field lists
  std::vector<std::vector<std::string>> indexes;   // @@index([a, b])
  std::vector<std::string> id_fields;              // @id, or @@id([...])
  source_location where;

  const field_def *field(const std::string &name) const;
  const field_def *field_by_column(const std::string &column) const;
};

struct enum_def {
  std::string name;
  std::string db_name;                 // @@map, else the name
  std::vector<std::string> values;
  source_location where;
  bool contains(const std::string &value) const;
};

/// A parsed schema.prisma. Parsing needs no database.
class schema {
public:
  /// Parses schema text; `file` names it in errors. Throws schema_error at the first problem.
  static schema parse(const std::string &text, const std::string &file = "schema.prisma");
  static schema load(const std::string &path);

  const std::string &provider() const noexcept { return m_provider; }
  const std::string &url_env() const noexcept { return m_url_env; }
  const std::string &file() const noexcept { return m_file; }
  const std::vector<model_def> &models() const noexcept { return m_models; }
  const std::vector<enum_def> &enums() const noexcept { return m_enums; }
  const model_def *model(const std::string &name) const;
  /// Model lookup that also accepts the lowerCamel accessor name (carrier -> Carrier).
  const model_def *model_by_accessor(const std::string &name) const;
  const enum_def *enumeration(const std::string &name) const;

private:
  friend class schema_parser;
  std::string m_file;
  std::string m_provider;
  std::string m_url_env;
  std::vector<model_def> m_models;
  std::vector<enum_def> m_enums;
};

/// The column type a field maps to on `backend`, as the catalogs spell it (lowercase),
/// e.g. "character varying(255)", "integer", "timestamp(3) without time zone", "text".
std::string expected_column_type(const field_def &field, const schema &s, backend_kind backend);

}  // namespace carrierdb
