// check_statement(): the lock-hazard rules. Each says which lock the statement takes, what that
// blocks while it runs (and until the migration commits), and the form that does not.
#include "rules.hpp"

#include <cstdlib>

#include "carrierdb/migrate/lock_modes.hpp"

namespace carrierdb::lint_internal {

namespace {

std::string q(const std::string &name) { return "\"" + name + "\""; }

rule_hit hit(const char *rule, const char *severity, const std::string &mode, const std::string &table, std::string message,
             std::string rewrite) {
  return rule_hit{rule, severity, mode + " on " + q(table), lock_mode_blocks(mode), std::move(message), std::move(rewrite)};
}

struct type_parts {
  std::string base;
  std::vector<long> args;
};

type_parts parts_of(const std::string &spelling) {
  type_parts p;
  const auto open = spelling.find('(');
  p.base = spelling.substr(0, open);
  if (open == std::string::npos || spelling.back() != ')') return p;
  for (std::size_t at = open + 1; at < spelling.size();) {
    p.args.push_back(std::strtol(spelling.c_str() + at, nullptr, 10));
    const auto comma = spelling.find(',', at);
    at = comma == std::string::npos ? spelling.size() : comma + 1;
  }
  return p;
}

// PostgreSQL's documented changes that keep the table's files: a binary-coercible type whose
// constraint only widens (ALTER TABLE, "Notes": varchar -> text, varchar(n) -> varchar(m >= n),
// numeric(p, s) -> numeric(q >= p, s), numeric(p, s) -> numeric).
bool keeps_files(const std::string &from, const std::string &to) {
  if (from == to) return true;
  const type_parts a = parts_of(from), b = parts_of(to);
  const bool text_like = a.base == "VARCHAR" || a.base == "TEXT";
  if (b.base == "TEXT") return text_like;
  if (b.base == "VARCHAR" && b.args.empty()) return text_like;
  if (b.base == "VARCHAR" && a.base == "VARCHAR" && a.args.size() == 1 && b.args.size() == 1) return b.args[0] >= a.args[0];
  if (b.base == "NUMERIC" && a.base == "NUMERIC") {
    if (b.args.empty()) return true;
    return a.args.size() == 2 && b.args.size() == 2 && b.args[1] == a.args[1] && b.args[0] >= a.args[0];
  }
  return false;
}

void index_rule(const statement_facts &f, const migration_scope &s, std::vector<rule_hit> &out) {
  if (f.concurrently || f.tables.empty() || s.created_here.count(f.tables.front())) return;
  const std::string &t = f.tables.front();
  const std::string index = f.index_name.empty() ? "the_index" : f.index_name;
  out.push_back(hit("index-not-concurrent", "error", "ShareLock", t,
                    std::string("CREATE ") + (f.unique ? "UNIQUE " : "") + "INDEX on the existing table " + q(t) +
                        " without CONCURRENTLY: writes to it wait for the whole index build",
                    std::string("CREATE ") + (f.unique ? "UNIQUE " : "") + "INDEX CONCURRENTLY " + q(index) + " ON " + q(t) +
                        " (...) in a migration of its own whose first line is `-- carrierdb:no-transaction` "
                        "(CONCURRENTLY cannot run in a transaction)"));
}

void alter_rules(const statement_facts &f, const migration_scope &s, std::vector<rule_hit> &out) {
  using kind = table_action::kind;
  const std::string &t = f.tables.front();
  const bool existing = !s.created_here.count(t);
  const bool used_before = s.previous->has_table(t);
  for (const auto &a : f.actions) {
    if (a.what == kind::add_constraint && existing && !a.not_valid && (a.constraint_type == "FOREIGN KEY" || a.constraint_type == "CHECK")) {
      const bool fk = a.constraint_type == "FOREIGN KEY";
      const std::string name = a.constraint_name.empty() ? "the_constraint" : a.constraint_name;
      rule_hit h = hit("constraint-not-valid", "error", fk ? "ShareRowExclusiveLock" : "AccessExclusiveLock", t,
                       "ADD " + a.constraint_type + " on the existing table " + q(t) +
                           " without NOT VALID: every row is checked while the lock is held",
                       "ALTER TABLE " + q(t) + " ADD CONSTRAINT " + q(name) + " ... NOT VALID; then, in a later statement or migration, "
                           "ALTER TABLE " + q(t) + " VALIDATE CONSTRAINT " + q(name) +
                           " (takes ShareUpdateExclusiveLock: reads and writes go on while it checks the rows)");
      if (fk && !a.referenced_table.empty()) h.lock += " and on " + q(a.referenced_table);
      out.push_back(std::move(h));
    }
    if (a.what == kind::add_constraint && existing && !a.using_index && (a.constraint_type == "UNIQUE" || a.constraint_type == "PRIMARY KEY")) {
      const std::string name = a.constraint_name.empty() ? t + "_key" : a.constraint_name;
      out.push_back(hit("unique-constraint-direct", "error", "AccessExclusiveLock", t,
                        "ADD " + a.constraint_type + " on the existing table " + q(t) + " builds its index under the lock",
                        "CREATE UNIQUE INDEX CONCURRENTLY " + q(name) + " ON " + q(t) +
                            " (...) in a `-- carrierdb:no-transaction` migration; then ALTER TABLE " + q(t) + " ADD CONSTRAINT " +
                            q(name) + " " + a.constraint_type + " USING INDEX " + q(name)));
    }
    if (a.what == kind::set_not_null && existing && !s.current->has_validated_not_null(t, a.target)) {
      const std::string check = t + "_" + a.target + "_not_null";
      out.push_back(hit("set-not-null", "error", "AccessExclusiveLock", t,
                        "SET NOT NULL on " + q(t) + "." + q(a.target) +
                            " scans the whole table under the lock: no validated CHECK (" + q(a.target) + " IS NOT NULL) precedes it",
                        "ALTER TABLE " + q(t) + " ADD CONSTRAINT " + q(check) + " CHECK (" + q(a.target) + " IS NOT NULL) NOT VALID; "
                            "ALTER TABLE " + q(t) + " VALIDATE CONSTRAINT " + q(check) + "; then SET NOT NULL (PostgreSQL 12+ "
                            "skips the scan) and DROP CONSTRAINT " + q(check)));
    }
    if (a.what == kind::alter_type && existing) {
      const std::string *was = s.current->column_type(t, a.target);
      if (a.using_expression || !was || !keeps_files(*was, a.column.type)) {
        std::string why = a.using_expression ? "a USING expression recomputes every row"
                          : !was ? "its current type is not known from the migrations, so the change cannot be shown not to rewrite it"
                                 : *was + " -> " + a.column.type + " is not a binary-compatible widening";
        out.push_back(hit("column-type-rewrite", "error", "AccessExclusiveLock", t,
                          "changing the type of " + q(t) + "." + q(a.target) + " rewrites the table and its indexes: " + why,
                          "add a column of the new type, backfill it in batches, switch the application to it, and drop the old "
                          "column in a later migration (varchar -> text, varchar(n) -> varchar(m >= n) and numeric widening do not rewrite)"));
      }
    }
    if (a.what == kind::add_column && existing && !a.column.volatile_call.empty()) {
      out.push_back(hit("volatile-default", "error", "AccessExclusiveLock", t,
                        "ADD COLUMN " + q(a.column.name) + " with a volatile default (" + a.column.volatile_call +
                            ") fills every existing row: the table is rewritten under the lock",
                        "ADD COLUMN " + q(a.column.name) + " without that default (or with a constant one: PostgreSQL 11+ stores it "
                            "without a rewrite), backfill existing rows in batches, then ALTER COLUMN " + q(a.column.name) + " SET DEFAULT ..."));
    }
    if ((a.what == kind::rename_column || a.what == kind::rename_table) && used_before &&
        (a.what == kind::rename_table || s.previous->has_column(t, a.target))) {
      const std::string what = a.what == kind::rename_table ? "table " + q(t) : "column " + q(t) + "." + q(a.target);
      out.push_back(hit("rename-in-use", "error", "AccessExclusiveLock", t,
                        "renaming the " + what + ", which the previous schema has: code still running against it fails as soon as "
                            "this migration commits",
                        "expand and contract: add the new " + std::string(a.what == kind::rename_table ? "table (or a view " : "column (") +
                            "under the new name), write to both and backfill, move the code to the new name, and drop the old one "
                            "in a later release"));
    }
    if (a.what == kind::drop_column && used_before && s.previous->has_column(t, a.target)) {
      out.push_back(hit("drop-in-use", "warning", "AccessExclusiveLock", t,
                        "dropping the column " + q(t) + "." + q(a.target) +
                            ", which the previous schema has: code still running may read or write it",
                        "first deploy code that no longer uses " + q(a.target) + ", then drop it in a later migration "
                            "(silence this once that is so)"));
    }
  }
}

bool exclusive_on_existing(const statement_facts &f, const migration_scope &s, std::string &table) {
  if (f.what == statement_facts::kind::alter_table) {
    if (s.created_here.count(f.tables.front())) return false;
    for (const auto &a : f.actions)
      if (takes_access_exclusive(a)) return table = f.tables.front(), true;
    return false;
  }
  if (f.what == statement_facts::kind::drop_table || f.what == statement_facts::kind::exclusive_other) {
    for (const auto &t : f.tables)
      if (!s.created_here.count(t)) return table = t, true;
    if (f.tables.empty()) return table = "the index's table", true;  // DROP INDEX names no table
  }
  return false;
}

}  // namespace

std::vector<rule_hit> check_statement(const statement_facts &f, const migration_scope &s) {
  std::vector<rule_hit> out;
  if (f.what == statement_facts::kind::create_index) index_rule(f, s, out);
  if (f.what == statement_facts::kind::alter_table) alter_rules(f, s, out);
  if (f.what == statement_facts::kind::drop_table)
    for (const auto &t : f.tables)
      if (s.previous->has_table(t))
        out.push_back(hit("drop-in-use", "warning", "AccessExclusiveLock", t,
                          "dropping the table " + q(t) + ", which the previous schema has: code still running may read or write it",
                          "first deploy code that no longer uses " + q(t) + ", then drop it in a later migration (silence this once that is so)"));
  std::string table;
  if (!s.lock_timeout_set && exclusive_on_existing(f, s, table))
    out.push_back(hit("lock-timeout-missing", "warning", "AccessExclusiveLock", table,
                      "no SET lock_timeout before this ACCESS EXCLUSIVE statement: while it waits for the lock (behind any long "
                      "query), every other query on " + q(table) + " queues behind it",
                      "put `SET lock_timeout = '5s';` at the top of the migration, and retry the deploy when it times out"));
  return out;
}

const std::vector<std::string> &rule_names() {
  static const std::vector<std::string> names = {
      "index-not-concurrent", "constraint-not-valid", "set-not-null", "column-type-rewrite", "volatile-default",
      "unique-constraint-direct", "rename-in-use", "drop-in-use", "lock-timeout-missing", "silence-without-reason",
      "silence-unknown-rule"};
  return names;
}

}  // namespace carrierdb::lint_internal
