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
enum class scalar_type { int_, bigint, float_, decimal, boolean, string, datetime, json, bytes, enum_ };
const char *to_string(scalar_type type);

/// What a field is: a column (scalar or enum), the model side of a relation (no column of its
/// own), or a declaration carrierdb does not support yet (kept so the rest of the model works).
enum class field_kind { scalar, enum_, relation, unsupported };
const char *to_string(field_kind kind);  // "scalar", "enum", "relation", "unsupported"

/// Prisma's referential actions (`onDelete`, `onUpdate`).
enum class referential_action { cascade, restrict, no_action, set_null, set_default };
const char *to_string(referential_action action);  // as Prisma spells it: "Cascade", "SetNull", ...

enum class relation_kind { one_to_one, one_to_many, many_to_many };
const char *to_string(relation_kind kind);  // "one_to_one", "one_to_many", "many_to_many"

/// The table Prisma creates for an implicit many-to-many relation: `_AToB` (or `_<name>`), with
/// column A referencing the model first in alphabetical order and B the other; a key on (A, B)
/// and an index on B.
struct join_table {
  std::string table;            // _CarrierToTag, or _<relation name>
  std::string model_a, model_b; // the models A and B reference (alphabetical; the same for a self-relation)
  std::string key_name;         // _AToB_AB_pkey (PostgreSQL, Prisma 6+) or _AToB_AB_unique (SQLite)
  bool key_is_primary = true;   // PostgreSQL: primary key; SQLite: unique index
  std::string index_name;       // _AToB_B_index
};

/// A relation field resolved at parse time, with its pair on the other model.
struct relation_info {
  std::string name;                        // @relation("name"), or empty
  std::string target;                      // the related model
  relation_kind kind = relation_kind::one_to_many;
  std::string back_field;                  // the opposite relation field on `target`
  bool holds_foreign_key = false;          // this side has fields/references (the FK is in this table)
  std::vector<std::string> fields;         // this model's FK fields (holding side only)
  std::vector<std::string> references;     // the target's referenced fields (holding side only)
  /// Set on the holding side, Prisma's defaults applied: onDelete SetNull for an optional relation,
  /// Restrict for a required one; onUpdate Cascade.
  std::optional<referential_action> on_delete, on_update;
  std::string constraint_name;             // map: "...", else Prisma's <table>_<columns>_fkey (holding side)
  std::optional<join_table> join;          // implicit many-to-many only
  source_location where;                   // the @relation attribute, else the field
};

/// A key or index from @@id, @@unique or @@index, as written.
struct index_field {
  std::string name;
  bool descending = false;  // sort: Desc
  int length = 0;           // length: n (0 = whole value)
};
struct index_def {
  enum class kind { primary, unique, index } what = kind::index;
  std::vector<index_field> fields;
  std::string name;   // name: "..." (the client's compound name)
  std::string map;    // map: "..." (the database name)
  std::string type;   // PostgreSQL index method: BTree, Hash, Gin, Gist, SpGist, Brin (empty = BTree)
  source_location where;
  std::vector<std::string> field_names() const;
};

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
  // db_generated: dbgenerated("expr"), the database's own default; list_literal: @default([...])
  // on a scalar list. Both are left to the database: nothing computes them client-side.
  enum class kind { autoincrement, now, uuid, cuid, literal, enum_value, db_generated, list_literal } what = kind::literal;
  std::string text;  // literal (unquoted), enum value, the dbgenerated expression, or the list as written
};

struct field_def {
  std::string name;
  std::string column;               // @map, else the name
  scalar_type type = scalar_type::string;
  std::string type_name;            // as written: String, Int, CarrierStatus, Truck, ...
  field_kind kind = field_kind::scalar;
  bool optional = false;
  bool list = false;                // Type[]: a relation list, or a scalar list (PostgreSQL only)
  bool ignored = false;             // @ignore
  bool id = false;
  bool unique = false;
  std::string id_map, unique_map;   // @id(map: "..."), @unique(map: "..."): the key's database name
  bool updated_at = false;
  std::optional<default_value> default_;
  std::string native_type;          // @db.VarChar(255) -> "VarChar"
  std::vector<std::string> native_args;
  std::vector<field_rule> rules;           // zod rules, in order
  std::vector<std::string> normalizers;    // carrierdb normalisers, in order
  std::vector<std::string> doc;            // other /// lines
  std::optional<relation_info> relation;   // relation fields only
  std::string unsupported;          // unsupported fields: why, said when the field is used
  source_location where;

  /// A column of the model's table: scalar and enum fields (also lists). Relation fields live in
  /// the other table or a join table; unsupported fields are not read or written.
  bool is_column() const { return kind == field_kind::scalar || kind == field_kind::enum_; }
  /// A column the repository reads, writes and filters on: an @ignore'd column stays in the
  /// database (migrations and drift see it through is_column()) but, as in Prisma's client, not here.
  bool is_client_field() const { return is_column() && !ignored; }
  /// VarChar(n)/Char(n) length limit, or 0.
  int max_length() const;
  /// The field gets a value without the caller giving one (default, @updatedAt, optional).
  bool has_implicit_value() const { return default_.has_value() || updated_at || optional || list || !is_column(); }
};

struct model_def {
  std::string name;
  std::string table;                               // @@map, else the name
  std::vector<field_def> fields;
  std::vector<std::vector<std::string>> uniques;   // @@unique([a, b]) field lists
  std::vector<std::vector<std::string>> indexes;   // @@index([a, b])
  std::vector<std::string> id_fields;              // @id, or @@id([...])
  std::vector<index_def> keys;                     // @@id, @@unique and @@index with their options, in order
  bool ignored = false;                            // @@ignore
  source_location ignored_at;                      // where the @@ignore is written
  source_location where;

  const field_def *field(const std::string &name) const;
  const field_def *field_by_column(const std::string &column) const;
};

struct enum_def {
  std::string name;
  std::string db_name;                 // @@map, else the name
  std::vector<std::string> values;
  std::vector<std::string> db_values;  // each value's @map, else the value
  source_location where;
  bool contains(const std::string &value) const;
};

/// A block carrierdb reads but cannot use yet (view, composite type, a model in another
/// @@schema). Recorded, not fatal: using it raises its error.
struct unsupported_block {
  std::string keyword;  // view, type, model
  std::string name;
  std::string message;  // "'view' blocks are not supported yet"
  std::string hint;
  source_location where;
  [[noreturn]] void raise() const;
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
  const std::vector<unsupported_block> &unsupported_blocks() const noexcept { return m_unsupported; }
  const model_def *model(const std::string &name) const;
  /// Model lookup that also accepts the lowerCamel accessor name (carrier -> Carrier). Throws the
  /// recorded schema_error when the name is an unsupported block (a view, a composite type).
  const model_def *model_by_accessor(const std::string &name) const;
  const enum_def *enumeration(const std::string &name) const;

private:
  friend class schema_parser;
  std::string m_file;
  std::string m_provider;
  std::string m_url_env;
  std::vector<model_def> m_models;
  std::vector<enum_def> m_enums;
  std::vector<unsupported_block> m_unsupported;
};

/// A field's column type as Prisma's DDL writes it ("VARCHAR(255)", "TIMESTAMP(3)", "\"Status\"")
/// and as the catalog spells it ("character varying(255)", ...): one computation, two spellings.
struct column_type {
  std::string ddl;
  std::string catalog;
};
column_type column_type_of(const field_def &field, const schema &s, backend_kind backend);

/// The column type a field maps to on `backend`, as the catalogs spell it (lowercase),
/// e.g. "character varying(255)", "integer", "timestamp(3) without time zone", "text", "text[]".
/// Defined in native_types.cpp, beside the rules for which @db.* type fits which scalar.
std::string expected_column_type(const field_def &field, const schema &s, backend_kind backend);

}  // namespace carrierdb
