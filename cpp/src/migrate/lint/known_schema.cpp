// known_schema::apply(): follows CREATE/ALTER/DROP TABLE through the migrations.
#include "known_schema.hpp"

namespace carrierdb::lint_internal {

bool known_schema::has_column(const std::string &table, const std::string &column) const {
  const auto t = m_tables.find(table);
  return t != m_tables.end() && t->second.count(column) > 0;
}

const std::string *known_schema::column_type(const std::string &table, const std::string &column) const {
  const auto t = m_tables.find(table);
  if (t == m_tables.end()) return nullptr;
  const auto c = t->second.find(column);
  return c == t->second.end() || c->second.empty() ? nullptr : &c->second;
}

bool known_schema::has_validated_not_null(const std::string &table, const std::string &column) const {
  return m_validated_not_null.count({table, column}) > 0;
}

void known_schema::apply(const statement_facts &f) {
  using kind = table_action::kind;
  if (f.what == statement_facts::kind::create_table) {
    auto &columns = m_tables[f.tables.front()];
    for (const auto &c : f.columns) columns[c.name] = c.type;
  } else if (f.what == statement_facts::kind::drop_table) {
    for (const auto &t : f.tables) m_tables.erase(t);
  } else if (f.what == statement_facts::kind::alter_table) {
    std::string table = f.tables.front();
    for (const auto &a : f.actions) {
      auto &columns = m_tables[table];
      switch (a.what) {
        case kind::add_column: columns[a.column.name] = a.column.type; break;
        case kind::alter_type: columns[a.target] = a.column.type; break;
        case kind::drop_column: columns.erase(a.target); break;
        case kind::rename_column: {
          const std::string type = columns[a.target];
          columns.erase(a.target);
          columns[a.new_name] = type;
          break;
        }
        case kind::rename_table: {
          auto moved = std::move(columns);
          m_tables.erase(table);
          m_tables[a.new_name] = std::move(moved);
          table = a.new_name;
          break;
        }
        case kind::add_constraint:
          if (a.not_null_check.empty()) break;
          if (a.not_valid) m_unvalidated_not_null[a.constraint_name] = {table, a.not_null_check};
          else m_validated_not_null.insert({table, a.not_null_check});
          break;
        case kind::validate_constraint: {
          const auto check = m_unvalidated_not_null.find(a.target);
          if (check != m_unvalidated_not_null.end()) m_validated_not_null.insert(check->second);
          break;
        }
        default: break;
      }
    }
  }
}

}  // namespace carrierdb::lint_internal
