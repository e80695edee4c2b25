// statement_facts: what a migration statement does to tables, as far as the lock rules care.
#pragma once

#include <string>
#include <vector>

#include "sql_tokens.hpp"

namespace carrierdb::lint_internal {

/// A column as CREATE TABLE or ADD COLUMN defines it.
struct column_definition {
  std::string name;
  std::string type;           // type_spelling() of its type
  bool has_default = false;
  std::string volatile_call;  // a volatile function its default calls ("" when none)
};

/// One action of an ALTER TABLE (which may list several, comma-separated).
struct table_action {
  enum class kind { add_column, add_constraint, validate_constraint, drop_column, drop_constraint, alter_type, set_not_null,
                    rename_column, rename_table, other_exclusive, other_weaker };
  kind what = kind::other_exclusive;
  column_definition column;     // add_column
  std::string target;           // column (drop/alter/rename/set not null) or constraint (validate/drop)
  std::string new_name;         // rename_column, rename_table
  bool using_expression = false;  // alter_type ... USING
  std::string constraint_name;  // add_constraint
  std::string constraint_type;  // add_constraint: CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY, EXCLUDE
  bool not_valid = false;       // add_constraint ... NOT VALID
  bool using_index = false;     // add_constraint UNIQUE/PRIMARY KEY USING INDEX
  std::string referenced_table;  // add_constraint FOREIGN KEY
  std::string not_null_check;   // add_constraint CHECK (col IS NOT NULL): the column
};

struct statement_facts {
  enum class kind { create_table, create_index, alter_table, drop_table, set_lock_timeout, exclusive_other, other };
  kind what = kind::other;
  std::vector<std::string> tables;  // the table(s) it works on (DROP TABLE may name several)
  bool concurrently = false;        // create_index, and DROP INDEX / REFRESH MATERIALIZED VIEW
  bool unique = false;              // create_index
  std::string index_name;           // create_index
  std::vector<column_definition> columns;  // create_table
  std::vector<table_action> actions;       // alter_table
  bool lock_timeout_set = false;           // set_lock_timeout: to a non-zero value
  std::string exclusive_verb;              // exclusive_other: "TRUNCATE", "LOCK TABLE", ...
};

statement_facts read_statement(const std::vector<sql_token> &tokens);

/// True for the lock modes of ALTER TABLE actions that take ACCESS EXCLUSIVE.
bool takes_access_exclusive(const table_action &action);

}  // namespace carrierdb::lint_internal
