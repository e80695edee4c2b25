// read_statement(): recognises the statements whose locks matter (CREATE TABLE/INDEX, ALTER TABLE,
// DROP TABLE, SET lock_timeout, TRUNCATE, LOCK, ...) and what they do to which table.
#include "statement_facts.hpp"

#include <algorithm>
#include <array>

namespace carrierdb::lint_internal {

namespace {

// Functions PostgreSQL marks VOLATILE that defaults commonly call: a new column defaulting to one
// of them is filled row by row, rewriting the table. now() and CURRENT_TIMESTAMP are STABLE
// (evaluated once per statement), so PostgreSQL 11+ stores them as a fast default: not listed.
constexpr std::array<const char *, 10> k_volatile = {"random", "gen_random_uuid", "gen_random_bytes", "uuid_generate_v1", "uuid_generate_v1mc",
                                                     "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval", "setseed"};

bool constraint_word(const sql_token &t) {
  for (const char *w : {"CONSTRAINT", "NOT", "NULL", "DEFAULT", "CHECK", "UNIQUE", "PRIMARY", "REFERENCES", "GENERATED", "COLLATE"})
    if (t.is(w)) return true;
  return false;
}

std::string volatile_call_in(const std::vector<sql_token> &expr) {
  for (std::size_t k = 0; k + 1 < expr.size(); ++k)
    if (expr[k].type == sql_token::kind::word && expr[k + 1].is_symbol('('))
      for (const char *f : k_volatile)
        if (expr[k].name == f) return f;
  return "";
}

column_definition read_column(const std::vector<sql_token> &tokens) {
  column_definition c;
  token_cursor at(tokens);
  c.name = at.peek().name;
  at.skip();
  std::vector<sql_token> type;
  for (int depth = 0; !at.done() && (depth > 0 || !constraint_word(at.peek())); at.skip()) {
    if (at.peek().is_symbol('(')) ++depth;
    if (at.peek().is_symbol(')')) --depth;
    type.push_back(at.peek());
  }
  c.type = type_spelling(type);
  if (c.type == "SERIAL" || c.type == "BIGSERIAL" || c.type == "SMALLSERIAL") c.volatile_call = "nextval";
  while (!at.done()) {
    if (!at.accept({"DEFAULT"})) {
      at.skip();
      continue;
    }
    c.has_default = true;
    std::vector<sql_token> expr;
    for (int depth = 0; !at.done() && (depth > 0 || !constraint_word(at.peek())); at.skip()) {
      if (at.peek().is_symbol('(')) ++depth;
      if (at.peek().is_symbol(')')) --depth;
      expr.push_back(at.peek());
    }
    if (c.volatile_call.empty()) c.volatile_call = volatile_call_in(expr);
  }
  return c;
}

bool contains_sequence(const std::vector<sql_token> &tokens, std::size_t from, std::string_view a, std::string_view b) {
  for (std::size_t k = from; k + 1 < tokens.size(); ++k)
    if (tokens[k].is(a) && tokens[k + 1].is(b)) return true;
  return false;
}

// CHECK (col IS NOT NULL), with any number of parentheses around it: the column, else "".
std::string not_null_check_column(std::vector<sql_token> body) {
  while (body.size() >= 2 && body.front().is_symbol('(') && body.back().is_symbol(')')) body = {body.begin() + 1, body.end() - 1};
  if (body.size() == 4 && body[0].names_something() && body[1].is("IS") && body[2].is("NOT") && body[3].is("NULL")) return body[0].name;
  return "";
}

table_action read_add(token_cursor &at, const std::vector<sql_token> &part) {
  table_action a;
  const sql_token &next = at.peek();
  if (!(next.is("CONSTRAINT") || next.is("CHECK") || next.is("UNIQUE") || next.is("PRIMARY") || next.is("FOREIGN") || next.is("EXCLUDE"))) {
    a.what = table_action::kind::add_column;
    at.accept({"COLUMN"});
    at.accept({"IF", "NOT", "EXISTS"});
    a.column = read_column({part.begin() + static_cast<std::ptrdiff_t>(at.position()), part.end()});
    return a;
  }
  a.what = table_action::kind::add_constraint;
  if (at.accept({"CONSTRAINT"})) a.constraint_name = at.name();
  a.not_valid = contains_sequence(part, at.position(), "NOT", "VALID");
  a.using_index = contains_sequence(part, at.position(), "USING", "INDEX");
  if (at.accept({"CHECK"})) {
    a.constraint_type = "CHECK";
    a.not_null_check = not_null_check_column(at.group());
  } else if (at.accept({"FOREIGN", "KEY"})) {
    a.constraint_type = "FOREIGN KEY";
    at.group();
    if (at.accept({"REFERENCES"})) a.referenced_table = at.name();
  } else if (at.accept({"PRIMARY", "KEY"})) {
    a.constraint_type = "PRIMARY KEY";
  } else if (at.accept({"UNIQUE"})) {
    a.constraint_type = "UNIQUE";
  } else {
    a.constraint_type = at.peek().upper;
  }
  return a;
}

table_action read_alter_column(token_cursor &at) {
  table_action a;
  at.accept({"COLUMN"});
  a.target = at.name();
  if (at.accept({"TYPE"}) || at.accept({"SET", "DATA", "TYPE"})) {
    a.what = table_action::kind::alter_type;
    std::vector<sql_token> type;
    while (!at.done() && !at.peek().is("USING") && !at.peek().is("COLLATE")) {
      type.push_back(at.peek());
      at.skip();
    }
    a.column.name = a.target;
    a.column.type = type_spelling(type);
    a.using_expression = at.peek().is("USING");
  } else if (at.accept({"SET", "NOT", "NULL"})) {
    a.what = table_action::kind::set_not_null;
  } else if (at.accept({"SET", "STATISTICS"}) || (at.peek().is("SET") && at.peek(1).is_symbol('(')) || at.accept({"RESET"})) {
    a.what = table_action::kind::other_weaker;
  }
  return a;
}

table_action read_action(const std::vector<sql_token> &part) {
  token_cursor at(part);
  table_action a;
  if (at.accept({"ADD"})) return read_add(at, part);
  if (at.accept({"ALTER"})) return read_alter_column(at);
  if (at.accept({"VALIDATE", "CONSTRAINT"})) {
    a.what = table_action::kind::validate_constraint;
    a.target = at.name();
  } else if (at.accept({"DROP", "CONSTRAINT"})) {
    a.what = table_action::kind::drop_constraint;
    at.accept({"IF", "EXISTS"});
    a.target = at.name();
  } else if (at.accept({"DROP"})) {
    a.what = table_action::kind::drop_column;
    at.accept({"COLUMN"});
    at.accept({"IF", "EXISTS"});
    a.target = at.name();
  } else if ((at.peek().is("SET") && (at.peek(1).is_symbol('(') || at.peek(1).is("STATISTICS") || at.peek(1).is("WITHOUT"))) ||
             at.peek().is("RESET") || at.peek().is("CLUSTER") || at.peek().is("ENABLE") || at.peek().is("DISABLE")) {
    a.what = table_action::kind::other_weaker;  // SHARE UPDATE EXCLUSIVE or SHARE ROW EXCLUSIVE
  }
  return a;
}

void read_alter_table(token_cursor &at, statement_facts &f) {
  f.what = statement_facts::kind::alter_table;
  at.accept({"IF", "EXISTS"});
  at.accept({"ONLY"});
  f.tables.push_back(at.name());
  at.accept_symbol('*');
  if (at.accept({"RENAME"})) {
    table_action a;
    if (at.accept({"TO"})) {
      a.what = table_action::kind::rename_table;
      a.new_name = at.name();
    } else if (at.accept({"CONSTRAINT"})) {
      a.what = table_action::kind::other_exclusive;
    } else {
      a.what = table_action::kind::rename_column;
      at.accept({"COLUMN"});
      a.target = at.name();
      if (at.accept({"TO"})) a.new_name = at.name();
    }
    f.actions.push_back(a);
    return;
  }
  while (!at.done()) {
    f.actions.push_back(read_action(at.until_comma()));
    at.accept_symbol(',');
  }
}

void read_create(token_cursor &at, statement_facts &f) {
  at.accept({"OR", "REPLACE"});
  f.unique = at.accept({"UNIQUE"});
  if (at.accept({"INDEX"})) {
    f.what = statement_facts::kind::create_index;
    f.concurrently = at.accept({"CONCURRENTLY"});
    at.accept({"IF", "NOT", "EXISTS"});
    if (!at.peek().is("ON")) f.index_name = at.name();
    if (!at.accept({"ON"})) return;
    at.accept({"ONLY"});
    f.tables.push_back(at.name());
    return;
  }
  for (const char *w : {"GLOBAL", "LOCAL", "TEMPORARY", "TEMP", "UNLOGGED"}) at.accept({w});
  if (!at.accept({"TABLE"})) return;
  f.what = statement_facts::kind::create_table;
  at.accept({"IF", "NOT", "EXISTS"});
  f.tables.push_back(at.name());
  const std::vector<sql_token> body = at.group();
  token_cursor elements(body);
  while (!elements.done()) {
    const std::vector<sql_token> element = elements.until_comma();
    elements.accept_symbol(',');
    if (element.empty() || constraint_word(element.front()) || element.front().is("FOREIGN") || element.front().is("EXCLUDE") ||
        element.front().is("LIKE"))
      continue;
    f.columns.push_back(read_column(element));
  }
}

bool is_zero_setting(const sql_token &value) {
  const std::string &v = value.type == sql_token::kind::number ? value.upper : value.name;
  return value.is("DEFAULT") || v.empty() || v.find_first_not_of("0") == std::string::npos || v == "0s" || v == "0ms" ||
         v == "0S" || v == "0MS";
}

}  // namespace

bool takes_access_exclusive(const table_action &action) {
  switch (action.what) {
    case table_action::kind::validate_constraint:
    case table_action::kind::other_weaker: return false;
    case table_action::kind::add_constraint: return action.constraint_type != "FOREIGN KEY";
    default: return true;
  }
}

statement_facts read_statement(const std::vector<sql_token> &tokens) {
  statement_facts f;
  token_cursor at(tokens);
  if (at.accept({"CREATE"})) {
    read_create(at, f);
  } else if (at.accept({"ALTER", "TABLE"})) {
    read_alter_table(at, f);
  } else if (at.accept({"DROP", "TABLE"})) {
    f.what = statement_facts::kind::drop_table;
    at.accept({"IF", "EXISTS"});
    do f.tables.push_back(at.name());
    while (at.accept_symbol(','));
  } else if (at.accept({"SET"})) {
    at.accept({"SESSION"}) || at.accept({"LOCAL"});
    if (at.peek().type == sql_token::kind::word && at.peek().name == "lock_timeout") {
      at.skip();
      if (!at.accept({"TO"})) at.accept_symbol('=');
      f.what = statement_facts::kind::set_lock_timeout;
      f.lock_timeout_set = !is_zero_setting(at.peek());
    }
  } else if (at.accept({"SELECT"}) && at.peek().type == sql_token::kind::word && at.peek().name == "set_config") {
    at.skip();
    at.accept_symbol('(');
    if (at.peek().name == "lock_timeout") {
      at.skip();
      at.accept_symbol(',');
      f.what = statement_facts::kind::set_lock_timeout;
      f.lock_timeout_set = !is_zero_setting(at.peek());
    }
  } else if (at.accept({"TRUNCATE"})) {
    f.what = statement_facts::kind::exclusive_other;
    f.exclusive_verb = "TRUNCATE";
    at.accept({"TABLE"});
    at.accept({"ONLY"});
    do f.tables.push_back(at.name());
    while (at.accept_symbol(','));
  } else if (at.accept({"LOCK"})) {
    at.accept({"TABLE"});
    at.accept({"ONLY"});
    f.tables.push_back(at.name());
    const bool weaker = std::any_of(tokens.begin(), tokens.end(), [](const sql_token &t) { return t.is("IN"); }) &&
                        !contains_sequence(tokens, 0, "ACCESS", "EXCLUSIVE");
    if (!weaker) {
      f.what = statement_facts::kind::exclusive_other;
      f.exclusive_verb = "LOCK TABLE";
    }
  } else if (at.accept({"DROP", "INDEX"})) {
    if (!at.accept({"CONCURRENTLY"})) {
      f.what = statement_facts::kind::exclusive_other;
      f.exclusive_verb = "DROP INDEX";
    }
  } else if (at.accept({"VACUUM", "FULL"}) || at.accept({"CLUSTER"})) {
    f.what = statement_facts::kind::exclusive_other;
    f.exclusive_verb = tokens.front().upper == "VACUUM" ? "VACUUM FULL" : "CLUSTER";
    at.accept({"VERBOSE"});
    if (!at.done()) f.tables.push_back(at.name());
  } else if (at.accept({"REFRESH", "MATERIALIZED", "VIEW"})) {
    if (!at.accept({"CONCURRENTLY"})) {
      f.what = statement_facts::kind::exclusive_other;
      f.exclusive_verb = "REFRESH MATERIALIZED VIEW";
      f.tables.push_back(at.name());
    }
  }
  return f;
}

}  // namespace carrierdb::lint_internal
