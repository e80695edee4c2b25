// nested write plan: a create or update payload with relation fields, checked as a whole before
// anything is written, and the writer that carries it out in foreign-key order.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carrierdb/base/ids.hpp"
#include "carrierdb/repo/repository.hpp"

namespace carrierdb {

/// The repository of every model a nested write reaches, made on first use.
class model_repositories {
public:
  model_repositories(std::shared_ptr<database> db, std::shared_ptr<const schema> s) : m_db(std::move(db)), m_schema(std::move(s)) {}
  repository &of(const model_def &m);
  const schema &schema_() const { return *m_schema; }
  database &db() const { return *m_db; }

private:
  std::shared_ptr<database> m_db;
  std::shared_ptr<const schema> m_schema;
  std::map<const model_def *, std::unique_ptr<repository>> m_repos;
};

/// A record found by a unique key of its model (connect, set, to-many update/delete/disconnect).
struct unique_lookup {
  std::vector<const field_def *> fields;
  record values;  // typed and normalised like stored values
};

enum class nested_verb { create, create_many, connect, connect_or_create, disconnect, set, update, upsert, update_many, remove, delete_many };
const char *to_string(nested_verb verb);  // as Prisma spells it: create, connectOrCreate, delete, ...

/// Where a relation's foreign key lives; it decides the order of the writes.
enum class link_side {
  this_row,   // a to-one relation whose foreign key is in this model: the related row is written first
  other_rows, // the foreign key is in the related model (to-many, or the back side of a one-to-one): written after
  join_table  // an implicit many-to-many: both rows exist, then the join row
};

struct write_node;

/// A filter on the related model (updateMany, deleteMany), compiled once when the payload is read;
/// its placeholders are numbered from $1.
struct compiled_filter {
  std::string sql;  // empty: every related record
  params args;
};

/// One verb on one relation field: `trucks.create.2`, `carrier.connect`, `tags.set`.
struct relation_step {
  nested_verb verb = nested_verb::create;
  std::vector<std::string> path;       // where in the payload, for messages
  std::vector<unique_lookup> where;    // connect, connectOrCreate, set (each entry), to-many update/delete/disconnect/upsert
  std::unique_ptr<write_node> data;    // create, connectOrCreate's create, update, upsert's create
  std::unique_ptr<write_node> update;  // upsert's update
  std::vector<record> rows;            // createMany: each record as given (create_many checks them again)
  bool skip_duplicates = false;        // createMany
  compiled_filter filter;              // updateMany's where, deleteMany's filter
};

/// The verbs given for one relation field of a record.
struct relation_write {
  const field_def *field = nullptr;  // on the record's model
  const model_def *target = nullptr;
  const field_def *back = nullptr;   // the opposite field, on `target`
  link_side side = link_side::other_rows;
  std::vector<relation_step> steps;  // in the order given
};

/// One record of the payload: its validated columns and its relation writes.
struct write_node {
  const model_def *model = nullptr;
  std::vector<std::string> path;
  record values;  // validated and normalised, without generated values
  record given;   // the fields as given, before validation
  std::vector<relation_write> relations;
};

/// Reads and checks a whole nested-write payload: every issue, at its full path.
class nested_write_planner {
public:
  explicit nested_write_planner(model_repositories &repos) : m_repos(repos) {}
  /// The plan for `data` on `model`; `issues()` lists what is wrong with it (the plan is only
  /// meaningful when there are none).
  write_node plan(const model_def &model, const document &data, validation_mode mode);
  std::vector<validation_issue> &issues() { return m_issues; }

private:
  write_node node(const model_def &m, const document &data, validation_mode mode, const std::vector<std::string> &path,
                  const field_def *through, const std::vector<std::string> &linked);
  void relation(const field_def &f, const document &verbs, validation_mode mode, const std::vector<std::string> &path, write_node &n);
  void step(relation_write &w, const std::string &verb, const document &arg, const std::vector<std::string> &path);
  /// upsert: {create, update} on a to-one relation, {where, create, update} (or a list) on a to-many one.
  void upsert(relation_write &w, const document &arg, const std::vector<std::string> &path);
  // nested_many_rows.cpp: createMany, updateMany and deleteMany.
  void create_many(relation_write &w, const document &arg, const std::vector<std::string> &path);
  void update_many(relation_write &w, const document &arg, const std::vector<std::string> &path);
  void delete_many(relation_write &w, const document &arg, const std::vector<std::string> &path);
  /// `item` without the relation fields of `w.target` (each an issue: `verb` takes the model's own fields).
  document own_fields(const relation_write &w, const document &item, const std::vector<std::string> &path, const char *verb);
  /// `where` as a filter on `w.target` (its own fields only, as Prisma's ScalarWhereInput); false on issues.
  bool filter(const relation_write &w, const document &where, const std::vector<std::string> &path, compiled_filter &out);
  /// A verb's argument as items: each member of a list (at path.k), else the argument itself.
  static std::vector<std::pair<const document *, std::vector<std::string>>> items_of(const document &arg, const std::vector<std::string> &path);
  /// The foreign-key fields a related record of `w` gets from its parent (none through a join table).
  static std::vector<std::string> linked_fields(const relation_write &w);
  bool lookup(const model_def &m, const document &where, const std::vector<std::string> &path, std::vector<unique_lookup> &out);
  void issue(const std::vector<std::string> &path, const std::string &code, const std::string &message);

  model_repositories &m_repos;
  std::vector<validation_issue> m_issues;
};

/// Carries out a checked plan on one connection, inside the caller's transaction: related rows
/// whose keys this row needs first, this row, then the rows that need its key.
class nested_writer {
public:
  nested_writer(model_repositories &repos, connection &c) : m_repos(repos), m_c(c), m_now(now_ms()) {}
  /// Inserts `n` (with `link`: the foreign-key values its parent gives) and everything under it;
  /// returns the row (field name -> value).
  record create(const write_node &n, const record &link);
  /// Applies `n` to the existing `row`; returns the row as it is afterwards.
  record update(const write_node &n, record row);
  /// The row of `m` whose fields equal `equal`, if any.
  std::optional<record> find(const model_def &m, const record &equal, const std::string &extra_sql = {}, const params &extra_args = {});

private:
  struct pending_delete {
    const model_def *model;
    record row;
  };
  void write_first(const relation_write &w, const relation_step &s, record &values, const record *row, std::vector<pending_delete> &after);
  void write_after(const relation_write &w, const relation_step &s, const record &row, bool row_is_new);
  /// upsert on a relation whose foreign key is in the other rows or a join table.
  void upsert_after(const relation_write &w, const relation_step &s, const record &row);
  // nested_many_rows.cpp: createMany, updateMany and deleteMany, scoped to `row`'s related records.
  void create_many(const relation_write &w, const relation_step &s, const record &row);
  void update_many(const relation_write &w, const relation_step &s, const record &row);
  void delete_many(const relation_write &w, const relation_step &s, const record &row);
  /// "(filter) AND <related to row>" for `w.target`, its values in `args` (which starts with the filter's).
  std::string scoped(const relation_write &w, const compiled_filter &filter, const record &row, params &args) const;
  /// The `w.target` row matching `key` and related to `row`, if any.
  std::optional<record> find_connected(const relation_write &w, const unique_lookup &key, const record &row);
  record find_or_throw(const relation_write &w, const relation_step &s, const unique_lookup &key, const record *connected_to = nullptr);
  /// SQL that keeps only `w.target` rows connected to `row` through the join table, its values in `args`.
  std::string joined_to(const relation_write &w, const record &row, params &args) const;
  void join(const relation_write &w, const record &row, const record &other, bool add);
  /// UPDATE w.target SET <back fk> = `link` (or NULL) WHERE `match`; the number of rows changed.
  std::int64_t relink(const relation_write &w, const record &match, const record *link);
  record insert(const model_def &m, const record &values);
  record update_row(const model_def &m, const record &row, const record &values);
  void remove(const model_def &m, const record &row);
  /// "a = $n AND b = $m" for `equal` (field name -> value), values appended to `args`.
  std::string equal_sql(const model_def &m, const record &equal, params &args, const std::string &qualifier = {}) const;

  model_repositories &m_repos;
  connection &m_c;
  std::int64_t m_now;  // one moment for every row of the write (@updatedAt, now())
};

/// A JSON document as JSON text (a Json field given as an object or a list in a nested write).
std::string json_text(const document &d);
/// fields[k] = row[references[k]] of relation `holder` (the side holding the foreign key): the
/// foreign-key values that point at `row`.
record pointing_at(const relation_info &holder, const record &row);
/// `path` with `key` appended (a place in a nested-write payload).
std::vector<std::string> under(std::vector<std::string> path, const std::string &key);
/// `path` as the message shows it: trucks.createMany.data.3.vin.
std::string dotted(const std::vector<std::string> &path);

}  // namespace carrierdb
