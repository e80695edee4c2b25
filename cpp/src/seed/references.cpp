// references: natural-key references of seed rows resolved against key maps read in one query.
#include "references.hpp"

#include <algorithm>

#include "carrierdb/error.hpp"
#include "carrierdb/seed/data_files.hpp"
#include "column_plan.hpp"
#include "row_preparation.hpp"

namespace carrierdb::seeding {

namespace {

struct header_read {};  // stops reading a file after its first record

std::string joined(const std::vector<std::string> &names, const std::string &sep = ", ") {
  std::string text;
  for (const auto &n : names) text += (text.empty() ? "" : sep) + n;
  return text;
}

std::vector<std::string> columns_of(const model_def &m, const std::vector<std::string> &fields) {
  std::vector<std::string> columns;
  for (const auto &f : fields) columns.push_back(m.field(f)->column);
  return columns;
}

const value *field_value(const model_def &m, const std::vector<std::pair<std::string, value>> &fields, const std::string &name) {
  for (const auto &[k, v] : fields)
    if (k == name || (m.field(name) && k == m.field(name)->column)) return &v;
  return nullptr;
}

}  // namespace

std::string key_text(const std::vector<std::string> &texts) { return joined(texts, "\x1f"); }

const std::vector<value> *find_key(const key_map &map, const schema &s, const model_def &m, const std::vector<std::string> &fields,
                                   const std::vector<std::string> &texts) {
  auto found = map.find(key_text(texts));
  if (found != map.end()) return &found->second;
  // Only on a miss: the fast path pays nothing for normalisers.
  std::vector<std::string> normalised = texts;
  bool changed = false;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    const field_def *f = m.field(fields[k]);
    if (f->type != scalar_type::string || f->normalizers.empty()) continue;
    std::vector<validation_issue> ignored;
    const record stored = check_record(s, m, record{{fields[k], value(texts[k])}}, validation_mode::update, ignored);
    const std::string *text = stored.empty() ? nullptr : std::get_if<std::string>(&stored.front().second);
    if (text && *text != texts[k]) {
      normalised[k] = *text;
      changed = true;
    }
  }
  if (!changed) return nullptr;
  found = map.find(key_text(normalised));
  return found == map.end() ? nullptr : &found->second;
}

key_map load_key_map(connection &conn, const model_def &target, const std::vector<std::string> &by, const std::vector<std::string> &want) {
  std::string select;
  for (const auto &c : columns_of(target, by)) select += (select.empty() ? "" : ", ") + conn.quote_identifier(c);
  for (const auto &c : columns_of(target, want)) select += ", " + conn.quote_identifier(c);
  const auto rows = conn.query("SELECT " + select + " FROM " + conn.quote_identifier(target.table), {});
  key_map map;
  map.reserve(rows.rows.size());
  std::vector<std::string> texts(by.size());
  for (const auto &row : rows.rows) {
    for (std::size_t k = 0; k < by.size(); ++k) texts[k] = text_of(row[k]);
    map.emplace(key_text(texts), std::vector<value>(row.begin() + static_cast<std::ptrdiff_t>(by.size()), row.end()));
  }
  return map;
}

std::vector<std::string> header_of(const std::string &path) {
  std::vector<std::string> names;
  try {
    read_records(path, [&](source_row &row) {
      for (const auto &f : row.fields) names.push_back(f.first);
      throw header_read{};
    });
  } catch (const header_read &) {
  }
  return names;
}

std::vector<std::pair<std::string, std::vector<std::string>>> dotted_groups(const std::vector<std::string> &header) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto &column : header) {
    const auto dot = column.find('.');
    if (dot == std::string::npos) continue;
    const std::string prefix = column.substr(0, dot);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto &p) { return p.first == prefix; });
    if (g == groups.end()) g = groups.insert(groups.end(), {prefix, {}});
    g->second.push_back(column);
  }
  return groups;
}

void check_unique_set(const model_def &target, const std::vector<std::string> &fields, const std::string &what, const std::string &label) {
  for (const auto &f : fields)
    if (!target.field(f) || !target.field(f)->is_column())
      throw configuration_error(label + ": the column " + what + "." + f + " names no field '" + f + "' of " + target.name,
                                "name the parent by one of " + target.name + "'s unique fields, e.g. " + what + ".<field>");
  if (identifies_a_record(target, fields)) return;
  throw configuration_error(label + ": the columns " + what + ".(" + joined(fields) + ") do not identify one " + target.name +
                                " (they are not its @id, a @unique field or a @@unique set)",
                            "name the parent by a unique key of " + target.name);
}

validation_issue unresolved_issue(const reference_group &group, const std::vector<std::string> &texts) {
  validation_issue i;
  i.path = {group.columns.front()};
  i.code = "unresolved_reference";
  std::string named;
  for (std::size_t k = 0; k < texts.size(); ++k) named += (k ? ", " : "") + group.target_fields[k] + " = " + texts[k];
  i.message = "no " + group.target->name + " with " + named + " (column " + joined(group.columns) + ")";
  i.value = joined(texts);
  return i;
}

reference_resolver::reference_resolver(const schema &s, const model_def &model, const std::vector<std::string> &header,
                                       const std::set<std::pair<std::string, std::string>> &deferred, std::vector<std::string> key,
                                       std::string label)
    : m_schema(s), m_model(model), m_key(std::move(key)), m_label(std::move(label)) {
  for (const auto &[prefix, columns] : dotted_groups(header)) {
    const field_def *relation = model.field(prefix);
    if (!relation || !relation->relation || !relation->relation->holds_foreign_key)
      throw configuration_error(m_label + ": the column " + columns.front() + " names '" + prefix + "', which is not a relation of " +
                                    model.name + " holding a foreign key",
                                "name the parent as <relation field>.<unique field of the parent>, e.g. carrier.mcNumber");
    reference_group group;
    group.relation = relation;
    group.target = s.model(relation->relation->target);
    group.columns = columns;
    for (const auto &c : columns) group.target_fields.push_back(c.substr(prefix.size() + 1));
    check_unique_set(*group.target, group.target_fields, prefix, m_label);
    if (deferred.count({model.name, relation->name})) {
      if (m_model.id_fields.empty())
        throw configuration_error(m_label + ": " + model.name + "." + relation->name + " is set in a second pass, which needs an @id on " +
                                  model.name);
      m_later.push_back(std::move(group));
    } else {
      m_now.push_back(std::move(group));
    }
  }
}

std::vector<std::string> reference_resolver::deferred_fields() const {
  std::vector<std::string> fields;
  for (const auto &g : m_later) fields.insert(fields.end(), g.relation->relation->fields.begin(), g.relation->relation->fields.end());
  return fields;
}

void reference_resolver::load_parents(connection &conn) {
  for (auto &g : m_now) g.parents = load_key_map(conn, *g.target, g.target_fields, g.relation->relation->references);
}

seed_row_producer reference_resolver::wrap(seed_row_producer produce) {
  return [this, produce = std::move(produce)](const std::function<void(source_row &)> &emit,
                                               const std::function<void(std::uint64_t, std::uint64_t)> &progress) {
    produce([&](source_row &src) {
      if (rewrite(src)) emit(src);
    }, progress);
  };
}

bool reference_resolver::rewrite(source_row &src) {
  // Every lookup first, the row unchanged: a refused row is reported as it was given.
  auto texts_of = [&](const reference_group &g, bool &all_null) {
    std::vector<std::string> texts;
    all_null = true;
    for (const auto &c : g.columns) {
      const value *v = find_field(src.fields, c);
      texts.push_back(v ? text_of(*v) : "");
      all_null = all_null && texts.back().empty();
    }
    return texts;
  };
  thread_local std::vector<const std::vector<value> *> parents;  // per group of m_now; null: no parent
  parents.assign(m_now.size(), nullptr);
  std::vector<validation_issue> issues;
  for (std::size_t k = 0; k < m_now.size(); ++k) {
    const reference_group &g = m_now[k];
    bool all_null = false;
    const auto texts = texts_of(g, all_null);
    if (all_null) continue;  // no parent: validation decides whether one is required
    parents[k] = find_key(g.parents, m_schema, *g.target, g.target_fields, texts);
    if (!parents[k]) issues.push_back(unresolved_issue(g, texts));
  }
  if (!issues.empty()) {
    m_refused.push_back(refused_row{src.line, src.fields, std::move(issues)});
    return false;
  }
  later_row later;
  if (!m_later.empty()) {
    later.line = src.line;
    later.input = src.fields;
    for (const auto &g : m_later) {
      bool all_null = false;
      auto texts = texts_of(g, all_null);
      if (all_null) texts.clear();
      later.refs.push_back(std::move(texts));
    }
  }
  // The reference columns out, the foreign keys in.
  src.fields.erase(std::remove_if(src.fields.begin(), src.fields.end(), [](const auto &f) { return f.first.find('.') != std::string::npos; }),
                   src.fields.end());
  for (std::size_t k = 0; k < m_now.size(); ++k) {
    const auto &fk = m_now[k].relation->relation->fields;
    for (std::size_t c = 0; c < fk.size(); ++c) src.fields.emplace_back(fk[c], parents[k] ? (*parents[k])[c] : value{});
  }
  if (!m_later.empty()) {
    std::vector<std::string> key;
    for (const auto &k : m_key) {
      const value *v = field_value(m_model, src.fields, k);
      key.push_back(v ? text_of(*v) : "");
    }
    later.child_key = std::move(key);
    m_later_rows.push_back(std::move(later));
  }
  return true;
}

void reference_resolver::report_refused(run_issues &issues, seed_file_result &file, seed_result &result) {
  for (auto &r : m_refused) {
    ++file.rows;
    issues.reject(m_label, r.line, r.input, r.issues, file, result);
  }
  m_refused.clear();
}

void reference_resolver::set_deferred(connection &conn, seed_merge &merge, run_issues &issues, bool lenient, seed_file_result &file,
                                      seed_result &result) {
  if (m_later.empty() || m_later_rows.empty()) return;
  const key_map children = load_key_map(conn, m_model, m_key, m_model.id_fields);
  const auto q = [&](const std::string &name) { return conn.quote_identifier(name); };
  for (std::size_t g = 0; g < m_later.size(); ++g) {
    reference_group &group = m_later[g];
    group.parents = load_key_map(conn, *group.target, group.target_fields, group.relation->relation->references);
    const std::vector<std::string> id_columns = columns_of(m_model, m_model.id_fields);
    const std::vector<std::string> fk_columns = columns_of(m_model, group.relation->relation->fields);
    std::vector<std::string> staged = id_columns;
    staged.insert(staged.end(), fk_columns.begin(), fk_columns.end());
    const std::string stage = merge.create_stage(m_model.table, staged);
    staged.push_back(k_line_column);
    {
      auto sink = conn.begin_copy(stage, staged);
      std::vector<value> row;
      for (auto &later : m_later_rows) {
        const std::vector<value> *child = find_key(children, m_schema, m_model, m_key, later.child_key);
        if (!child) continue;  // the row itself was refused: reported already
        row.assign(child->begin(), child->end());
        if (later.refs[g].empty()) {
          row.resize(row.size() + fk_columns.size());
        } else {
          const std::vector<value> *parent = find_key(group.parents, m_schema, *group.target, group.target_fields, later.refs[g]);
          if (!parent) {
            std::vector<validation_issue> refused{unresolved_issue(group, later.refs[g])};
            // Strict: the run fails and nothing is written. Lenient: the row is in already (its
            // own children may name it), so it stays, without this parent: the foreign key is
            // set to NULL, whatever it held before, and the issue says so.
            if (lenient)
              refused.front().message += "; the row was loaded without its " + group.relation->name + " (" +
                                         joined(group.relation->relation->fields) + " set to NULL)";
            issues.reject(m_label, later.line, later.input, refused, file, result);
            if (!lenient) continue;
            row.resize(row.size() + fk_columns.size());
          } else {
            row.insert(row.end(), parent->begin(), parent->end());
          }
        }
        row.emplace_back(later.line);
        sink->write(row);
      }
      sink->finish();
    }
    // One UPDATE for the relation, touching only the rows whose foreign key changes.
    std::string id_match, set, differs;
    for (const auto &c : id_columns) id_match += (id_match.empty() ? "" : " AND ") + q("s") + "." + q(c) + " = " + q(m_model.table) + "." + q(c);
    for (const auto &c : fk_columns) {
      set += (set.empty() ? "" : ", ") + q(c) + " = (SELECT " + q("s") + "." + q(c) + " FROM " + q(stage) + " " + q("s") + " WHERE " + id_match + ")";
      differs += (differs.empty() ? "" : " OR ") + std::string("NOT (") + conn.null_safe_equal_sql(q("s") + "." + q(c), q(m_model.table) + "." + q(c)) + ")";
    }
    conn.execute("UPDATE " + q(m_model.table) + " SET " + set + " WHERE EXISTS (SELECT 1 FROM " + q(stage) + " " + q("s") + " WHERE " + id_match +
                     " AND (" + differs + "))",
                 {});
    merge.drop(stage);
  }
  m_later_rows.clear();
}

}  // namespace carrierdb::seeding
