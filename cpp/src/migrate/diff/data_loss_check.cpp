// data_loss_check: find_data_loss(), the rows of the target database a planned schema change
// (ddl::plan_steps) would destroy or fail on, counted there; and the refusal that lists them.
// Every count is one statement with identifiers quoted by the connection's dialect and values
// passed as parameters.
#include <algorithm>
#include <optional>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/diff_data_loss.hpp"
#include "ddl_steps.hpp"

namespace carrierdb {

namespace {

std::string counted(std::int64_t n, const std::string &one, const std::string &many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::vector<std::string> missing_from(const std::vector<std::string> &values, const std::vector<std::string> &kept) {
  std::vector<std::string> out;
  for (const auto &v : values)
    if (std::find(kept.begin(), kept.end(), v) == kept.end()) out.push_back(v);
  return out;
}

/// A type as DDL spells it, split: "VARCHAR(255)" -> VARCHAR {255}, "DECIMAL(10,2)" -> DECIMAL {10, 2}.
struct parsed_type {
  std::string base;
  std::vector<long long> args;
};

parsed_type parse_type(const std::string &ddl) {
  parsed_type t;
  const auto open = ddl.find('(');
  t.base = ddl.substr(0, open);
  if (open == std::string::npos) return t;
  std::size_t at = open + 1;
  while (at < ddl.size() && ddl[at] != ')') {
    std::size_t used = 0;
    try {
      t.args.push_back(std::stoll(ddl.substr(at), &used));
    } catch (const std::exception &) {
      return {ddl, {}};  // not a length or precision list: treat the whole spelling as the type
    }
    at += used;
    if (at < ddl.size() && ddl[at] == ',') ++at;
  }
  return t;
}

/// A condition that is true for the rows whose value in a column would not survive a type change
/// as its statement would make it, with its parameters.
struct risky_rows {
  std::string where;
  params args;
};

// PostgreSQL: `ALTER COLUMN ... SET DATA TYPE` converts with the assignment cast. Only the
// narrowings whose failing rows are well defined are counted:
// - to VARCHAR(n)/CHAR(n) from unbounded or longer text: values longer than n characters (the cast
//   fails on them, or cuts them when the excess is spaces);
// - to a smaller integer type (BIGINT -> INTEGER -> SMALLINT): values out of its range;
// - to DECIMAL(p,s) from a wider DECIMAL or an integer type: values that overflow p-s integer
//   digits once rounded, or that lose digits to the smaller scale.
// Other changes (text to a number, to an enum, ...) have no assignment cast: PostgreSQL refuses
// them whatever the rows hold, which is the statement failing, not a count of rows.
std::optional<risky_rows> postgres_narrowing(const std::string &col, const std::string &from_ddl, const std::string &to_ddl) {
  const parsed_type from = parse_type(from_ddl), to = parse_type(to_ddl);
  const bool from_text = from.base == "TEXT" || from.base == "VARCHAR" || from.base == "CHAR";
  if ((to.base == "VARCHAR" || to.base == "CHAR") && to.args.size() == 1 && from_text) {
    const bool wider = from.base == "TEXT" || from.args.empty() || from.args[0] > to.args[0];
    if (wider) return risky_rows{"char_length(" + col + ") > $1", {value(static_cast<std::int64_t>(to.args[0]))}};
    return std::nullopt;
  }
  const auto integer_digits = [](const parsed_type &t) -> std::optional<long long> {
    if (t.base == "SMALLINT") return 5;
    if (t.base == "INTEGER") return 10;
    if (t.base == "BIGINT") return 19;
    return std::nullopt;
  };
  const auto from_digits = integer_digits(from), to_digits = integer_digits(to);
  if (from_digits && to_digits && *to_digits < *from_digits) {
    const std::int64_t high = to.base == "SMALLINT" ? 32767 : 2147483647;
    return risky_rows{col + " NOT BETWEEN $1 AND $2", {value(-high - 1), value(high)}};
  }
  if (to.base == "DECIMAL" && to.args.size() == 2 && (from.base == "DECIMAL" || from_digits)) {
    const long long precision = to.args[0], scale = to.args[1];
    // What the source can hold: an unbounded DECIMAL anything, an integer type its digits, no fraction.
    const long long from_whole = from_digits ? *from_digits : from.args.size() == 2 ? from.args[0] - from.args[1] : 1000;
    const long long from_scale = from_digits ? 0 : from.args.size() == 2 ? from.args[1] : 1000;
    if (precision - scale >= from_whole && scale >= from_scale) return std::nullopt;
    const std::string rounded = "round(" + col + "::numeric, $1::integer)";
    return risky_rows{"(abs(" + rounded + ") >= $2::numeric OR " + col + "::numeric <> " + rounded + ")",
                      {value(static_cast<std::int64_t>(scale)), value("1" + std::string(static_cast<std::size_t>(precision - scale), '0'))}};
  }
  return std::nullopt;
}

// SQLite keeps any value in any column (type affinity), and a rebuild copies the values as they
// are, so a type change destroys nothing there. One case is well defined and makes the data
// unreadable as the new type: to INTEGER or BIGINT, a value that is neither an integer nor text or
// a real SQLite turns into the same integer stays what it was (`'abc'`, `2.5`). Those are counted.
std::optional<risky_rows> sqlite_narrowing(const std::string &col, const std::string &from_ddl, const std::string &to_ddl) {
  if ((to_ddl != "INTEGER" && to_ddl != "BIGINT") || from_ddl == "INTEGER" || from_ddl == "BIGINT" || from_ddl == "BOOLEAN")
    return std::nullopt;
  return risky_rows{"typeof(" + col + ") NOT IN ('integer', 'null') AND CAST(CAST(" + col + " AS INTEGER) AS TEXT) <> CAST(" + col +
                        " AS TEXT) AND NOT (typeof(" + col + ") = 'real' AND " + col + " = CAST(" + col + " AS INTEGER))",
                    {}};
}

class checker {
public:
  checker(const ddl::plan &plan, connection &conn) : m_plan(plan), m_conn(conn) {}

  std::vector<data_loss_finding> run() {
    std::vector<std::pair<const target_table *, const target_table *>> changed;
    for (const auto &s : m_plan.steps) {
      if (s.kind == ddl::step_kind::drop_table) {
        add("drop_table", s.from_table->name, "", "", count("SELECT count(*) FROM " + q(s.from_table->name)));
        continue;
      }
      if (s.kind == ddl::step_kind::alter_enum) {
        removed_enum_values(*s.from_enum, *s.to_enum);
        continue;
      }
      // A table that stays: its column changes (alter_table, or SQLite's rebuild) and new unique indexes.
      const target_table *to = s.to_table;
      const target_table *from = to ? m_plan.from.table(to->name) : nullptr;
      if (!from) continue;
      const auto pair = std::make_pair(from, to);
      if (std::find(changed.begin(), changed.end(), pair) == changed.end()) changed.push_back(pair);
    }
    for (const auto &[from, to] : changed) table_changes(*from, *to);
    return std::move(m_found);
  }

private:
  std::string q(const std::string &name) const { return m_conn.quote_identifier(name); }

  std::int64_t count(const std::string &sql, const params &args = {}) {
    const result r = m_conn.query(sql, args);
    const value &v = r.rows.at(0).at(0);
    if (const auto *n = std::get_if<std::int64_t>(&v)) return *n;
    if (const auto *text = std::get_if<std::string>(&v)) return std::stoll(*text);
    return 0;
  }

  // The values of enum `name` that `now` lacks, renamed ones (plan::renames) excepted: their rows keep them.
  std::vector<std::string> lost(const std::string &name, const std::vector<std::string> &before, const std::vector<std::string> &now) const {
    std::vector<std::string> out;
    for (const auto &v : missing_from(before, now))
      if (m_plan.renamed(name, v) == v) out.push_back(v);
    return out;
  }

  void add(const char *kind, const std::string &table, const std::string &column, const std::string &detail, std::int64_t rows) {
    if (rows > 0) m_found.push_back(data_loss_finding{kind, table, column, detail, rows});
  }

  // PostgreSQL: the columns of the enum's type that the new model keeps as that type are cast to the
  // new type, which fails on a row holding a removed value.
  void removed_enum_values(const target_enum &from, const target_enum &to) {
    const auto removed = lost(from.name, from.values, to.values);
    if (removed.empty()) return;
    for (const auto &t : m_plan.from.tables) {
      const target_table *now = m_plan.to.table(t.name);
      for (const auto &c : t.columns) {
        const target_column *kept = now ? now->column(c.name) : nullptr;
        if (c.enum_type != from.name || !kept || kept->enum_type != to.name) continue;
        const bool list = c.type.ddl.size() > 2 && c.type.ddl.compare(c.type.ddl.size() - 2, 2, "[]") == 0;
        const std::string holds = list ? "$1 = ANY(" + q(c.name) + "::text[])" : q(c.name) + "::text = $1";
        for (const auto &v : removed)
          add("remove_enum_value", t.name, c.name, v, count("SELECT count(*) FROM " + q(t.name) + " WHERE " + holds, {value(v)}));
      }
    }
  }

  void table_changes(const target_table &a, const target_table &b) {
    const std::string table = q(a.name);
    for (const auto &c : a.columns)
      if (!b.column(c.name)) add("drop_column", a.name, c.name, "", count("SELECT count(*) FROM " + table + " WHERE " + q(c.name) + " IS NOT NULL"));
    for (const auto &c : b.columns) {
      const target_column *old = a.column(c.name);
      if (!old) {
        if (!c.nullable && !c.default_sql && !c.autoincrement) add("add_required_column", a.name, c.name, "", count("SELECT count(*) FROM " + table));
        continue;
      }
      if (*old == c) continue;
      const std::string col = q(c.name);
      if (old->nullable && !c.nullable)
        add("make_required", a.name, c.name, "", count("SELECT count(*) FROM " + table + " WHERE " + col + " IS NULL"));
      column_values(a.name, *old, c);
    }
    unique_keys(a, b);
  }

  // The values a column keeps through a change of type or of its CHECK list (SQLite's enums).
  void column_values(const std::string &table, const target_column &old, const target_column &now) {
    const std::string col = q(now.name);
    const std::string from = "SELECT count(*) FROM " + q(table) + " WHERE ";
    if (!now.check_values.empty() && !old.check_values.empty()) {
      for (const auto &v : lost(now.enum_type, lost(old.enum_type, old.check_values, now.check_values), now.check_values))  // either side may be a SQLite read back, which names no enum
        add("remove_enum_value", table, now.name, v, count(from + col + " = $1", {value(v)}));
    } else if (!now.check_values.empty()) {
      // Text becoming an enum: every value outside the list fails the new CHECK.
      params allowed;
      std::string list;
      for (const auto &v : now.check_values) {
        allowed.push_back(value(v));
        list += (list.empty() ? "$" : ", $") + std::to_string(allowed.size());
      }
      add("narrow_type", table, now.name, now.type.ddl, count(from + col + " IS NOT NULL AND " + col + " NOT IN (" + list + ")", allowed));
    }
    if (old.type.ddl == now.type.ddl) return;
    const auto risky = m_plan.to.backend == backend_kind::sqlite ? sqlite_narrowing(col, old.type.ddl, now.type.ddl)
                                                                : postgres_narrowing(col, old.type.ddl, now.type.ddl);
    if (risky) add("narrow_type", table, now.name, now.type.ddl, count(from + risky->where, risky->args));
  }

  // A unique index or primary key the table does not have yet, over columns it has: the rows that
  // share their values with another row (NULLs never clash, on either backend).
  void unique_keys(const target_table &a, const target_table &b) {
    std::vector<std::vector<std::string>> keys;
    for (const auto &i : b.indexes) {
      if (!i.unique) continue;
      const bool existed = std::any_of(a.indexes.begin(), a.indexes.end(), [&](const target_index &o) { return o.same_definition(i); });
      if (!existed) keys.push_back(i.columns);
    }
    if (!b.primary_key.empty() && a.primary_key != b.primary_key) keys.push_back(b.primary_key);
    for (const auto &key : keys) {
      const bool all_old = std::all_of(key.begin(), key.end(), [&](const std::string &c) { return a.column(c) != nullptr; });
      if (key.empty() || !all_old) continue;  // a new column's values come from its default: not the rows' data
      std::string columns, present, detail;
      for (const auto &c : key) {
        columns += (columns.empty() ? "" : ", ") + q(c);
        present += (present.empty() ? "" : " AND ") + q(c) + " IS NOT NULL";
        detail += (detail.empty() ? "" : ",") + c;
      }
      const std::int64_t rows = count("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM (SELECT count(*) AS n FROM " + q(a.name) + " WHERE " +
                                      present + " GROUP BY " + columns + " HAVING count(*) > 1) AS duplicates");
      add("make_unique", a.name, "", detail, rows);
    }
  }

  const ddl::plan &m_plan;
  connection &m_conn;
  std::vector<data_loss_finding> m_found;
};

}  // namespace

std::string data_loss_finding::message() const {
  const std::string col = "`" + column + "`", tab = "`" + table + "`";
  if (kind == "drop_table")
    return "You are about to drop the " + tab + " table, which is not empty (" + counted(rows, "row", "rows") +
           "). All the data it contains will be lost.";
  if (kind == "drop_column")
    return "You are about to drop the column " + col + " on the " + tab + " table, which still contains " +
           counted(rows, "non-null value", "non-null values") + ". All the data in the column will be lost.";
  if (kind == "make_required")
    return "Made the column " + col + " on table " + tab + " required, but there " + (rows == 1 ? "is " : "are ") +
           counted(rows, "existing NULL value", "existing NULL values") + ".";
  if (kind == "add_required_column")
    return "Added the required column " + col + " to the " + tab + " table without a default value. There " + (rows == 1 ? "is " : "are ") +
           counted(rows, "row", "rows") + " in this table, it is not possible to execute this step.";
  if (kind == "make_unique")
    return "A unique constraint covering the columns `[" + detail + "]` on the table " + tab + " will be added, but " +
           counted(rows, "existing row shares its values", "existing rows share their values") + " with another row. This will fail.";
  if (kind == "remove_enum_value")
    return "The enum value `" + detail + "` will be removed, but " + counted(rows, "row", "rows") + " of the column " + col + " on the " + tab +
           " table still " + (rows == 1 ? "holds" : "hold") + " it. This will fail.";
  if (kind == "narrow_type")
    return "The column " + col + " on the " + tab + " table will be changed to `" + detail + "`, but " +
           counted(rows, "existing value does", "existing values do") + " not fit it. This will fail or lose data.";
  return kind + " on " + tab + (column.empty() ? "" : "." + col) + ": " + counted(rows, "row", "rows");
}

std::vector<data_loss_finding> find_data_loss(const target_model &from, const target_model &to, connection &target,
                                              const std::vector<enum_value_rename> &renames) {
  const ddl::plan plan = ddl::plan_steps(from, to, renames);
  return checker(plan, target).run();
}

void refuse_schema_data_loss(const std::vector<data_loss_finding> &findings, const std::string &what) {
  if (findings.empty()) return;
  std::string text = what + " would lose data or fail on existing rows:";
  std::vector<data_loss_entry> losses;
  for (const auto &f : findings) {
    text += "\n  - " + f.message();
    losses.push_back(data_loss_entry{"", f.table, f.column, f.rows});
  }
  throw data_loss_error(text + "\nNothing was changed.", migration_context{}, std::move(losses),
                        "fix or back up the rows listed, then re-run with --accept-data-loss (CLI) or accept_data_loss=True (Python) "
                        "to go on anyway");
}

}  // namespace carrierdb
