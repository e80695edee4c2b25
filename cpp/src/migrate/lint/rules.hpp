// The lock-hazard rules of `migrate lint`, one function per rule, over one statement's facts.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "known_schema.hpp"
#include "statement_facts.hpp"

namespace carrierdb::lint_internal {

/// A rule that fired: everything of a finding but where it is.
struct rule_hit {
  std::string rule;
  std::string severity;
  std::string lock;
  std::string blocks;
  std::string message;
  std::string rewrite;
};

/// What the rules know about the migration a statement is in.
struct migration_scope {
  const known_schema *previous = nullptr;  // before this migration: what running code still uses
  const known_schema *current = nullptr;   // before this statement (earlier statements applied)
  std::set<std::string> created_here;      // tables this migration created: nobody else uses them yet
  bool lock_timeout_set = false;           // a SET lock_timeout (non-zero) came earlier in the migration
};

std::vector<rule_hit> check_statement(const statement_facts &f, const migration_scope &scope);

/// The names of every rule check_statement() can report, plus the silence rules.
const std::vector<std::string> &rule_names();

}  // namespace carrierdb::lint_internal
