// include_loader: Prisma's include/select read into a record_tree. The shape is checked first
// (plan), then each relation of each level is one statement for all parent rows: children are
// found by `key IN (parent keys)`, and `take`/`skip` apply per parent through ROW_NUMBER().
#include "carrierdb/repo/include_loader.hpp"

#include <map>
#include <optional>

#include "relation_link.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

struct include_loader::plan {
  std::shared_ptr<repository> repo;
  std::vector<std::string> shown;
  struct relation_plan {
    const field_def *field = nullptr;
    relation_link link;
    document where, order_by;
    std::optional<std::int64_t> take, skip;
    std::shared_ptr<plan> nested;
    std::string path;
  };
  std::vector<relation_plan> relations;
  struct count_plan {
    const field_def *field = nullptr;
    relation_link link;
    document where;
    std::string path;
  };
  std::vector<count_plan> counts;

  // The repository's internals the loader reads through (include_loader is its friend; these let
  // the helpers below reach them).
  static std::shared_ptr<database> db_of(const repository &r) { return r.m_db; }
  static std::shared_ptr<const schema> schema_of(const repository &r) { return r.m_schema; }
  static std::string condition(const repository &r, const connection &c, const document &where, params &args,
                               std::vector<validation_issue> &issues, const std::string &path) {
    return r.condition_sql(c, where, args, issues, path);
  }
  static std::string select_list(const repository &r) { return r.select_list(); }
  static result typed(const repository &r, result rows) { return r.typed(std::move(rows)); }
};

namespace {

constexpr std::size_t keys_per_statement = 5000;

using plan = include_loader::plan;

void unknown(std::vector<validation_issue> &issues, const std::string &path, const std::string &key, const std::string &message) {
  validation_issue i = argument_issue(path, "unrecognized_keys", message);
  i.options = {key};
  issues.push_back(i);
}

std::optional<std::int64_t> count_option(const document &v, const std::string &path, std::vector<validation_issue> &issues) {
  const std::int64_t *n = std::get_if<std::int64_t>(&v.scalar);
  if (!n || *n < 0) {
    issues.push_back(argument_issue(path, "too_small", "Expected a whole number of at least 0"));
    return std::nullopt;
  }
  return *n;
}

// ORDER BY for a related model's rows, checked against its fields; by id when none is given, so
// that take/skip inside an include are deterministic.
std::string order_sql(const connection &c, const model_def &m, const document &order_by, const std::string &path,
                      std::vector<validation_issue> &issues) {
  std::vector<const document *> orders;
  if (order_by.what == document::kind::object) orders.push_back(&order_by);
  for (const auto &o : order_by.array) orders.push_back(&o);
  std::string out;
  for (const document *o : orders)
    for (const auto &[name, dir] : o->object) {
      const field_def *f = m.field(name);
      const std::string *d = std::get_if<std::string>(&dir.scalar);
      if (!f || !f->is_client_field()) unknown(issues, path + "." + name, name, "Unknown field '" + name + "' in " + m.name);
      else if (!d || (*d != "asc" && *d != "desc")) issues.push_back(argument_issue(path + "." + name, "invalid_enum_value", "Expected 'asc' | 'desc'"));
      else out += (out.empty() ? "" : ", ") + c.quote_identifier(f->column) + (*d == "asc" ? " ASC" : " DESC");
    }
  for (const auto &id : m.id_fields) out += (out.empty() ? "" : ", ") + c.quote_identifier(m.field(id)->column) + " ASC";
  return out;
}

}  // namespace

namespace {

// Builds the plan of one level; `is_select` says whether only the named fields are shown.
std::shared_ptr<plan> make_plan(const connection &c, const std::shared_ptr<repository> &repo, const document &spec, bool is_select,
                                const std::string &path, std::vector<validation_issue> &issues);

void add_relation(const connection &c, plan &p, const field_def &f, const document &v, const std::string &at,
                  std::vector<validation_issue> &issues) {
  if (v.what == document::kind::scalar && std::holds_alternative<bool>(v.scalar) && !std::get<bool>(v.scalar)) return;
  plan::relation_plan r;
  r.field = &f;
  r.link = link_of(*plan::schema_of(*p.repo), p.repo->model(), f);
  r.path = at;
  auto related = std::make_shared<repository>(plan::db_of(*p.repo), plan::schema_of(*p.repo), r.link.target->name);
  document nested_spec;
  bool nested_select = false;
  if (v.what == document::kind::object) {
    for (const auto &[key, option] : v.object) {
      const std::string option_at = at + "." + key;
      const bool list_only = key == "where" || key == "orderBy" || key == "take" || key == "skip";
      if (list_only && !f.list) {
        unknown(issues, option_at, key, key + " applies to list relations only; " + f.name + " is a single relation");
      } else if (key == "where") {
        r.where = option;
        params ignored;
        plan::condition(*related, c, option, ignored, issues, option_at);
      } else if (key == "orderBy") {
        r.order_by = option;
        order_sql(c, *r.link.target, option, option_at, issues);
      } else if (key == "take") {
        r.take = count_option(option, option_at, issues);
      } else if (key == "skip") {
        r.skip = count_option(option, option_at, issues);
      } else if (key == "select" || key == "include") {
        if (nested_spec.what == document::kind::object)
          issues.push_back(argument_issue(option_at, "invalid_arguments", "Use select or include inside " + f.name + ", not both"));
        nested_spec = option;
        nested_select = key == "select";
      } else {
        unknown(issues, option_at, key, "Unknown include option '" + key + "' (known: select, include, where, orderBy, take, skip)");
      }
    }
  } else if (!(v.what == document::kind::scalar && std::holds_alternative<bool>(v.scalar))) {
    issues.push_back(argument_issue(at, "invalid_type", "Expected true, false or an object of options"));
  }
  r.nested = make_plan(c, related, nested_spec, nested_select, at + (nested_select ? ".select" : ".include"), issues);
  p.relations.push_back(std::move(r));
}

void add_counts(const connection &c, plan &p, const document &v, const std::string &at, std::vector<validation_issue> &issues) {
  const model_def &m = p.repo->model();
  const auto add = [&](const field_def &f, const document &where, const std::string &field_at) {
    plan::count_plan cp{&f, link_of(*plan::schema_of(*p.repo), m, f), where, field_at};
    if (where.what == document::kind::object) {
      repository related(plan::db_of(*p.repo), plan::schema_of(*p.repo), cp.link.target->name);
      params ignored;
      plan::condition(related, c, where, ignored, issues, field_at + ".where");
    }
    p.counts.push_back(std::move(cp));
  };
  if (v.what == document::kind::scalar && std::holds_alternative<bool>(v.scalar)) {
    if (std::get<bool>(v.scalar))
      for (const auto &f : m.fields)
        if (f.kind == field_kind::relation && f.list) add(f, document{}, at);
    return;
  }
  const document *select = v.get("select");
  if (v.what != document::kind::object || !select || select->what != document::kind::object || v.object.size() != 1) {
    issues.push_back(argument_issue(at, "invalid_type", "Expected _count: true or {select: {relation: true}}"));
    return;
  }
  for (const auto &[name, option] : select->object) {
    const std::string field_at = at + ".select." + name;
    const field_def *f = m.field(name);
    if (!f || f->kind != field_kind::relation || !f->list) {
      unknown(issues, field_at, name, "_count takes list relations of " + m.name + "; '" + name + "' is not one");
      continue;
    }
    if (option.what == document::kind::object) {
      const document *where = option.get("where");
      if (!where || option.object.size() != 1) unknown(issues, field_at, name, "Expected true or {where: {...}}");
      else add(*f, *where, field_at);
    } else if (!(option.what == document::kind::scalar && std::holds_alternative<bool>(option.scalar))) {
      issues.push_back(argument_issue(field_at, "invalid_type", "Expected true or {where: {...}}"));
    } else if (std::get<bool>(option.scalar)) {
      add(*f, document{}, field_at);
    }
  }
}

std::shared_ptr<plan> make_plan(const connection &c, const std::shared_ptr<repository> &repo, const document &spec, bool is_select,
                                const std::string &path, std::vector<validation_issue> &issues) {
  auto p = std::make_shared<plan>();
  p->repo = repo;
  const model_def &m = repo->model();
  if (!is_select)
    for (const auto &f : m.fields)
      if (f.is_client_field()) p->shown.push_back(f.name);
  if (spec.is_null()) return p;
  if (spec.what != document::kind::object) {
    issues.push_back(argument_issue(path, "invalid_type", "Expected an object of fields"));
    return p;
  }
  for (const auto &[key, v] : spec.object) {
    const std::string at = path + "." + key;
    if (key == "_count") {
      add_counts(c, *p, v, at, issues);
      continue;
    }
    const field_def *f = m.field(key);
    if (!f || f->kind == field_kind::unsupported) {
      unknown(issues, at, key, "Unknown field '" + key + "' in " + m.name);
    } else if (f->kind == field_kind::relation) {
      add_relation(c, *p, *f, v, at, issues);
    } else if (!is_select) {
      unknown(issues, at, key, "include takes relations; '" + key + "' is a field of " + m.name + " (use select for fields)");
    } else if (!(v.what == document::kind::scalar && std::holds_alternative<bool>(v.scalar))) {
      issues.push_back(argument_issue(at, "invalid_type", "Expected true or false"));
    } else if (std::get<bool>(v.scalar)) {
      p->shown.push_back(key);
    }
  }
  if (is_select) {  // in schema order, whatever order the select named them
    std::vector<std::string> ordered;
    for (const auto &f : m.fields)
      for (const auto &s : p->shown)
        if (s == f.name) ordered.push_back(s);
    p->shown = ordered;
  }
  return p;
}

// A parent key as text, for matching: "" when a part is null (no related row then).
std::string key_text(const std::vector<value> &row, const std::vector<std::size_t> &at) {
  std::string out;
  for (std::size_t k : at) {
    if (is_null(row[k])) return "";
    out += display(row[k]) + '\x1f';
  }
  return out;
}

std::vector<std::size_t> positions(const result &r, const std::vector<std::string> &names) {
  std::vector<std::size_t> out;
  for (const auto &n : names)
    for (std::size_t k = 0; k < r.columns.size(); ++k)
      if (r.columns[k].name == n) out.push_back(k);
  return out;
}

// FROM, the key expressions the parent keys are matched against, for a relation's target rows.
struct target_source {
  std::string from;
  std::vector<std::string> keys;
  std::vector<std::string> types;  // each key column's DDL type (for a key of several columns)
};

target_source source_of(const connection &c, const relation_link &link, const schema &sch) {
  target_source s;
  const std::string table = c.quote_identifier(link.target->table);
  if (link.join) {
    const std::string j = c.quote_identifier("carrierdb_join");
    s.from = c.quote_identifier(link.join->table) + " AS " + j + " JOIN " + table + " ON " + table + "." +
             c.quote_identifier(link.target_columns[0]) + " = " + j + "." + c.quote_identifier(link.join_target_column);
    s.keys.push_back(j + "." + c.quote_identifier(link.join_owner_column));
    return s;
  }
  s.from = table;
  for (const auto &col : link.target_columns) s.keys.push_back(table + "." + c.quote_identifier(col));
  for (const auto &name : link.target_fields)
    if (const field_def *f = link.target->field(name)) s.types.push_back(column_type_of(*f, sch, c.kind()).ddl);
  return s;
}

// The distinct keys of parent rows, which parent rows have each, and the batches they are sent in.
struct parent_keys {
  std::vector<std::size_t> at;  // the key fields' positions in the parent rows
  std::map<std::string, std::vector<std::size_t>> parents_of;
  std::vector<const std::vector<value> *> distinct;

  parent_keys(const result &rows, const std::vector<std::string> &fields) : at(positions(rows, fields)) {
    for (std::size_t k = 0; k < rows.rows.size(); ++k) {
      const std::string text = key_text(rows.rows[k], at);
      if (text.empty()) continue;
      auto &list = parents_of[text];
      if (list.empty()) distinct.push_back(&rows.rows[k]);
      list.push_back(k);
    }
  }
  // One batch when the dialect can send every key in one parameter per key column (integers or
  // strings: the usual ids); otherwise batches of `keys_per_statement` listed keys.
  std::vector<std::vector<const std::vector<value> *>> batches(database &db, const relation_link &link, const schema &sch) const {
    std::size_t size = keys_per_statement;
    if (!distinct.empty()) {
      params scratch;
      if (db.with_connection([&](connection &c) {
            const target_source src = source_of(c, link, sch);
            return c.any_of_sql(src.keys, src.types, distinct, at, scratch).has_value();
          }))
        size = distinct.size();
    }
    std::vector<std::vector<const std::vector<value> *>> out;
    for (std::size_t start = 0; start < distinct.size(); start += size)
      out.emplace_back(distinct.begin() + start, distinct.begin() + std::min(distinct.size(), start + size));
    return out;
  }
};

// "k = ANY($1)" or "(k1, k2) IN (SELECT * FROM unnest($1, $2))" (the keys in one parameter per
// column, where the dialect can), else "k IN ($1, $2)" or "(k1, k2) IN (($1, $2), ...)" for a batch.
std::string keys_in(const connection &c, const target_source &src, const std::vector<const std::vector<value> *> &batch,
                    const std::vector<std::size_t> &at, params &args) {
  const auto &keys = src.keys;
  if (auto sql = c.any_of_sql(keys, src.types, batch, at, args)) return *sql;
  std::string list;
  for (const auto *row : batch) {
    std::string one;
    for (std::size_t k = 0; k < at.size(); ++k) {
      args.push_back((*row)[at[k]]);
      one += (k ? ", " : "") + c.placeholder(args.size());
    }
    list += (list.empty() ? "" : ", ") + (at.size() == 1 ? one : "(" + one + ")");
  }
  std::string lhs;
  for (std::size_t k = 0; k < keys.size(); ++k) lhs += (k ? ", " : "") + keys[k];
  return (keys.size() == 1 ? lhs : "(" + lhs + ")") + " IN (" + list + ")";
}

// The related rows of one batch of parents, narrowed by the include's `where` (checked by the plan).
std::string batch_where(const connection &c, const repository &related, const target_source &src,
                        const std::vector<const std::vector<value> *> &batch, const std::vector<std::size_t> &at, const document &where,
                        params &args) {
  std::string out = keys_in(c, src, batch, at, args);
  if (where.what != document::kind::object) return out;
  std::vector<validation_issue> ignored;
  return out + " AND (" + plan::condition(related, c, where, args, ignored, "where") + ")";
}

std::string key_aliases(const connection &c, const std::vector<std::string> &keys) {
  std::string out;
  for (std::size_t k = 0; k < keys.size(); ++k) out += ", " + keys[k] + " AS " + c.quote_identifier("carrierdb_k" + std::to_string(k));
  return out;
}

}  // namespace

record_tree include_loader::load(const plan &p, result rows) {
  record_tree tree;
  tree.shown = p.shown;
  for (const auto &r : p.relations) {
    record_tree::relation out;
    out.field = r.field->name;
    out.list = r.field->list;
    out.of_parent.resize(rows.rows.size());
    const parent_keys keys(rows, r.link.owner_fields);
    const auto &at = keys.at;
    const auto &parents_of = keys.parents_of;
    const repository &related = *r.nested->repo;
    result children;
    std::vector<std::string> child_keys;  // each child row's parent key, as text
    const schema &sch = *plan::schema_of(m_repo);
    for (const auto &batch : keys.batches(m_repo.db(), r.link, sch)) {
      result part = m_repo.db().with_connection([&](connection &c) {
        params args;
        const target_source src = source_of(c, r.link, sch);
        const std::string where = batch_where(c, related, src, batch, at, r.where, args);
        std::vector<validation_issue> issues;
        const std::string order = order_sql(c, *r.link.target, r.order_by, r.path + ".orderBy", issues);
        const std::string select = plan::select_list(related) + key_aliases(c, src.keys);
        if (!r.take && !r.skip) return c.query("SELECT " + select + " FROM " + src.from + " WHERE " + where + " ORDER BY " + order, args);
        std::string partition;
        for (std::size_t k = 0; k < src.keys.size(); ++k) partition += (k ? ", " : "") + src.keys[k];
        const std::string rn = c.quote_identifier("carrierdb_rn");
        args.emplace_back(r.skip.value_or(0));
        std::string window = rn + " > " + c.placeholder(args.size());
        if (r.take) {
          args.emplace_back(r.skip.value_or(0) + *r.take);
          window += " AND " + rn + " <= " + c.placeholder(args.size());
        }
        return c.query("SELECT * FROM (SELECT " + select + ", ROW_NUMBER() OVER (PARTITION BY " + partition + " ORDER BY " + order + ") AS " + rn +
                           " FROM " + src.from + " WHERE " + where + ") AS " + c.quote_identifier("carrierdb_window") + " WHERE " + window +
                           " ORDER BY " + rn,
                       args);
      });
      // The model's columns come first; the parent key copies (and the row number) follow.
      std::size_t width = 0;
      for (const auto &f : r.link.target->fields) width += f.is_client_field() ? 1 : 0;
      if (children.columns.empty()) children.columns.assign(part.columns.begin(), part.columns.begin() + width);
      std::vector<std::size_t> key_at;
      for (std::size_t k = 0; k < at.size(); ++k) key_at.push_back(width + k);
      for (auto &row : part.rows) {
        child_keys.push_back(key_text(row, key_at));
        row.resize(width);
        children.rows.push_back(std::move(row));
      }
    }
    if (children.columns.empty())
      for (const auto &f : r.link.target->fields)
        if (f.is_client_field()) children.columns.push_back(column{f.name, kind_for(f)});
    for (std::size_t k = 0; k < child_keys.size(); ++k) {
      auto found = parents_of.find(child_keys[k]);
      if (found == parents_of.end()) continue;
      for (std::size_t parent : found->second) out.of_parent[parent].push_back(k);
    }
    out.children = std::make_shared<record_tree>(load(*r.nested, plan::typed(related, std::move(children))));
    tree.relations.push_back(std::move(out));
  }
  for (const auto &cp : p.counts) {
    record_tree::count out{cp.field->name, std::vector<std::int64_t>(rows.rows.size(), 0)};
    const parent_keys keys(rows, cp.link.owner_fields);
    const auto &at = keys.at;
    const auto &parents_of = keys.parents_of;
    repository related(plan::db_of(m_repo), plan::schema_of(m_repo), cp.link.target->name);
    const schema &sch = *plan::schema_of(m_repo);
    for (const auto &batch : keys.batches(m_repo.db(), cp.link, sch)) {
      const result part = m_repo.db().with_connection([&](connection &c) {
        params args;
        const target_source src = source_of(c, cp.link, sch);
        const std::string where = batch_where(c, related, src, batch, at, cp.where, args);
        std::string group;
        for (std::size_t k = 0; k < src.keys.size(); ++k) group += (k ? ", " : "") + src.keys[k];
        return c.query("SELECT count(*) AS " + c.quote_identifier("carrierdb_n") + key_aliases(c, src.keys) + " FROM " + src.from + " WHERE " +
                           where + " GROUP BY " + group,
                       args);
      });
      std::vector<std::size_t> key_at;
      for (std::size_t k = 0; k < at.size(); ++k) key_at.push_back(1 + k);
      for (const auto &row : part.rows) {
        auto found = parents_of.find(key_text(row, key_at));
        if (found == parents_of.end()) continue;
        for (std::size_t parent : found->second) out.of_parent[parent] = std::get<std::int64_t>(row[0]);
      }
    }
    tree.counts.push_back(std::move(out));
  }
  tree.rows = std::move(rows);
  return tree;
}

namespace {

std::shared_ptr<plan> checked_plan(repository &repo, const std::shared_ptr<repository> &self, const document &shape) {
  std::vector<validation_issue> issues;
  const document *include = shape.get("include");
  const document *select = shape.get("select");
  if (include && select && !include->is_null() && !select->is_null())
    issues.push_back(argument_issue("select", "invalid_arguments", "Use select or include, not both"));
  const bool is_select = select && !select->is_null();
  std::shared_ptr<plan> p = repo.db().with_connection([&](connection &c) {
    return make_plan(c, self, is_select ? *select : include ? *include : document{}, is_select, is_select ? "select" : "include", issues);
  });
  if (!issues.empty()) throw validation_error(repo.model().name, std::move(issues));
  return p;
}

}  // namespace

record_tree include_loader::find_many(const find_options &options, const document &shape) {
  auto self = std::make_shared<repository>(plan::db_of(m_repo), plan::schema_of(m_repo), m_repo.model().name);
  const std::shared_ptr<plan> p = checked_plan(m_repo, self, shape);
  return load(*p, m_repo.find_many(options));
}

record_tree include_loader::find_unique(const document &where, const document &shape) {
  auto self = std::make_shared<repository>(plan::db_of(m_repo), plan::schema_of(m_repo), m_repo.model().name);
  const std::shared_ptr<plan> p = checked_plan(m_repo, self, shape);
  return load(*p, m_repo.find_unique(where));
}

}  // namespace carrierdb
