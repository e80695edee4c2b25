// `migrate lint`: static lock-hazard rules over PostgreSQL migration files.
#pragma once

#include <string>
#include <vector>

namespace carrierdb {

/// One hazard in one statement: where it is, the lock it takes, what that lock blocks, and the
/// safe way to write it. `severity` is "error" (a deploy can stall the application) or "warning".
struct lint_finding {
  std::string rule;       // e.g. "index-not-concurrent"; the name a silence comment uses
  std::string severity;   // "error" or "warning"
  std::string migration;  // folder name
  std::string file;       // the file linted
  int line = 1;           // 1-based line of the statement in `file`
  std::string statement;  // the statement's first line
  std::string lock;       // e.g. "ShareLock on \"Truck\""
  std::string blocks;     // what that lock blocks, while the statement runs and until commit
  std::string message;    // what is wrong
  std::string rewrite;    // the safe form
};

/// One migration's SQL as the linter reads it.
struct lint_source {
  std::string name;  // folder name; sources are in the order they apply
  std::string file;
  std::string sql;
};

struct lint_result {
  std::vector<lint_finding> findings;  // in migration order, then by line
  std::vector<std::string> linted;     // the migrations whose files were linted
  std::vector<std::string> notes;      // e.g. why nothing was linted for an SQLite folder
  bool has_errors() const;
};

/// Every rule's name, for silence comments and documentation.
const std::vector<std::string> &lint_rule_names();

/// Lints the `selected` sources (every one when empty). All sources before a selected one are read
/// too, without findings: they make the previous schema (tables, columns, types, validated checks)
/// that the rules compare against. A statement is silenced for a rule by a comment line directly
/// above it, `-- carrierdb-lint: ignore <rule>[, <rule>] because <reason>`; a silence without a
/// reason, or naming an unknown rule, is itself an error finding. Pure: reads no file, no database.
lint_result lint_scripts(const std::vector<lint_source> &sources, const std::vector<std::string> &selected = {});

/// Lints the PostgreSQL files of the migrations folder `directory` (migration.postgresql.sql where
/// a folder has it, else migration.sql; never the SQLite variants). `selected` names migrations by
/// folder name or by the name after the timestamp; empty lints all. An SQLite folder (its
/// migration_lock.toml names sqlite and it has no PostgreSQL variants) is not linted: the result
/// says why in `notes`. Throws migration_file_error for a name that matches no migration.
lint_result lint_migrations(const std::string &directory, const std::vector<std::string> &selected = {});

}  // namespace carrierdb
