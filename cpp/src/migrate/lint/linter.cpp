// lint_scripts() and lint_migrations(): statements through the rules, silence comments, and the
// migrations folder read for PostgreSQL.
#include "carrierdb/migrate/lint.hpp"

#include <algorithm>

#include "backend/sql_script.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migration_files.hpp"
#include "rules.hpp"

namespace carrierdb {

using namespace lint_internal;

namespace {

constexpr std::string_view k_silence = "carrierdb-lint:";

/// `-- carrierdb-lint: ignore <rules> because <reason>` comments between two statements.
struct silence {
  std::vector<std::string> rules;
  bool has_reason = false;
  int line = 1;
};

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<silence> silences_in(std::string_view sql, std::size_t from, std::size_t to) {
  std::vector<silence> out;
  for (std::size_t at = sql.find(k_silence, from); at != std::string_view::npos && at < to; at = sql.find(k_silence, at + 1)) {
    const std::size_t line_start = sql.rfind('\n', at) == std::string_view::npos ? 0 : sql.rfind('\n', at) + 1;
    if (trim(std::string(sql.substr(line_start, at - line_start))) != "--") continue;  // only a line comment of its own
    const std::size_t end = std::min(sql.find('\n', at), to);
    std::string body = trim(std::string(sql.substr(at + k_silence.size(), end == std::string_view::npos ? std::string_view::npos : end - at - k_silence.size())));
    silence s;
    s.line = 1 + static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    if (body.rfind("ignore", 0) == 0) body = body.substr(6);
    const auto because = body.find(" because");
    s.has_reason = because != std::string::npos && !trim(body.substr(because + 8)).empty();
    std::string list = body.substr(0, because);
    for (char &c : list)
      if (c == ',') c = ' ';
    for (std::size_t k = 0; k < list.size();) {
      const auto start = list.find_first_not_of(' ', k);
      if (start == std::string::npos) break;
      const auto stop = list.find(' ', start);
      s.rules.push_back(list.substr(start, stop - start));
      k = stop == std::string::npos ? list.size() : stop;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string first_line(std::string_view statement) {
  std::string line(statement.substr(0, statement.find('\n')));
  if (line.size() > 120) line = line.substr(0, 117) + "...";
  return trim(line);
}

bool chosen(const lint_source &source, const std::vector<std::string> &selected) {
  return selected.empty() || std::find(selected.begin(), selected.end(), source.name) != selected.end();
}

void lint_one(const lint_source &source, const known_schema &previous, known_schema &state, lint_result &result) {
  migration_scope scope;
  scope.previous = &previous;
  scope.current = &state;
  const auto spans = internal::split_postgres_script(source.sql);
  std::size_t gap = 0;
  for (const auto &span : spans) {
    const std::string_view text = std::string_view(source.sql).substr(span.offset, span.length);
    const statement_facts facts = read_statement(tokenize(text));
    const auto finding = [&](const rule_hit &h, int line) {
      result.findings.push_back(lint_finding{h.rule, h.severity, source.name, source.file, line, first_line(text), h.lock, h.blocks, h.message,
                                             h.rewrite});
    };
    std::vector<std::string> silenced;
    for (const auto &s : silences_in(source.sql, gap, span.offset)) {
      const rule_hit problem{s.has_reason ? "silence-unknown-rule" : "silence-without-reason", "error", "", "", "", ""};
      if (!s.has_reason) {
        rule_hit h = problem;
        h.message = "a carrierdb-lint silence must say why: it does not silence anything without `because <reason>`";
        h.rewrite = "-- carrierdb-lint: ignore <rule> because <why this statement is safe here>";
        finding(h, s.line);
        continue;
      }
      for (const auto &rule : s.rules) {
        const auto &known = rule_names();
        if (std::find(known.begin(), known.end(), rule) != known.end()) {
          silenced.push_back(rule);
          continue;
        }
        rule_hit h = problem;
        h.message = "the silence names no rule carrierdb knows: '" + rule + "'";
        h.rewrite = "name one of the rules `carrierdb migrate lint --help` lists";
        finding(h, s.line);
      }
    }
    for (const auto &h : check_statement(facts, scope))
      if (std::find(silenced.begin(), silenced.end(), h.rule) == silenced.end()) finding(h, span.line);
    if (facts.what == statement_facts::kind::create_table) scope.created_here.insert(facts.tables.front());
    if (facts.what == statement_facts::kind::set_lock_timeout) scope.lock_timeout_set = facts.lock_timeout_set;
    state.apply(facts);
    gap = span.offset + span.length;
  }
}

}  // namespace

bool lint_result::has_errors() const {
  return std::any_of(findings.begin(), findings.end(), [](const lint_finding &f) { return f.severity == "error"; });
}

const std::vector<std::string> &lint_rule_names() { return rule_names(); }

lint_result lint_scripts(const std::vector<lint_source> &sources, const std::vector<std::string> &selected) {
  lint_result result;
  known_schema state;
  for (const auto &source : sources) {
    if (!chosen(source, selected)) {
      // Not linted, but what it did is the schema the next migrations start from.
      for (const auto &span : internal::split_postgres_script(source.sql))
        state.apply(read_statement(tokenize(std::string_view(source.sql).substr(span.offset, span.length))));
      continue;
    }
    const known_schema previous = state;
    lint_one(source, previous, state, result);
    result.linted.push_back(source.name);
  }
  return result;
}

lint_result lint_migrations(const std::string &directory, const std::vector<std::string> &selected) {
  migration_set set;
  try {
    set = migration_set::load(directory, backend_kind::postgresql);
  } catch (const provider_mismatch_error &) {
    // An SQLite folder without PostgreSQL variants: nothing here takes PostgreSQL's locks.
    lint_result result;
    result.notes.push_back("the migrations in " + directory +
                           " are written for SQLite (migration_lock.toml: provider = \"sqlite\"): SQLite has no table locks, only "
                           "one database-wide write lock per transaction, so there is nothing to lint");
    return result;
  }
  std::vector<lint_source> sources;
  for (const auto &m : set.migrations()) sources.push_back(lint_source{m.name, m.up_path, m.up_sql});
  std::vector<std::string> names;
  for (const auto &wanted : selected) {
    const auto match = std::find_if(sources.begin(), sources.end(), [&](const lint_source &s) {
      return s.name == wanted || (s.name.size() > 15 && s.name.compare(15, std::string::npos, wanted) == 0);
    });
    if (match == sources.end()) {
      migration_context ctx;
      ctx.migration = wanted;
      throw migration_file_error("no migration named '" + wanted + "' in " + directory, ctx,
                                 "give the folder name (or the part after its timestamp); `carrierdb migrate status` lists them");
    }
    names.push_back(match->name);
  }
  lint_result result = lint_scripts(sources, names);
  if (set.provider() == "sqlite")
    result.notes.push_back("migration_lock.toml names sqlite: the migration.postgresql.sql variants were linted; SQLite itself has no table locks");
  return result;
}

}  // namespace carrierdb
