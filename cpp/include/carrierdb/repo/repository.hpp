// repository: validated CRUD for one model, written once and driven by the schema.
#pragma once

#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "carrierdb/database.hpp"
#include "carrierdb/repo/document.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/validation.hpp"

namespace carrierdb {

/// Prisma-style query arguments. `where` uses Prisma's operators (equals, in, notIn, not,
/// contains, startsWith, endsWith, lt, lte, gt, gte, mode, AND, OR, NOT); `order_by` is
/// {"field": "asc"|"desc"} or a list of those.
struct find_options {
  document where;
  document order_by;
  std::optional<std::int64_t> skip;
  std::optional<std::int64_t> take;  // negative: the last |take| rows before (and with) the cursor
  document cursor;                    // a unique key: the page starts at that row (cursor.cpp)
  std::vector<std::string> distinct;  // keep the first row of each combination of these fields
};

/// Prisma's aggregate and groupBy arguments (aggregate_sql.cpp). `count` is true or
/// {"_all": true, "field": true}; `sum`, `avg`, `min`, `max` are {"field": true}. `by`, `having`,
/// `order_by`, `skip` and `take` apply to group_by only.
struct aggregate_options {
  document where;
  document count, sum, avg, min, max;
  std::vector<std::string> by;
  document having;
  document order_by;
  std::optional<std::int64_t> skip;
  std::optional<std::int64_t> take;
};

/// Rows come back as results whose column names are the schema's field names and whose
/// column kinds follow the field types (DateTime -> timestamp, Decimal -> numeric, ...).
class repository {
public:
  repository(std::shared_ptr<database> db, std::shared_ptr<const schema> s, std::string model_name);

  const model_def &model() const noexcept { return *m_model; }
  database &db() const noexcept { return *m_db; }

  result create(const record &data);
  /// Inserts in batches inside one transaction (a savepoint inside an open one). Returns the
  /// rows when `returning`, else only `affected_rows`.
  result create_many(const std::vector<record> &rows, bool skip_duplicates, bool returning);
  /// create_many for a stream of rows: `next_chunk` fills the next rows (false when there are
  /// none). With COPY (PostgreSQL) rows are validated and sent chunk by chunk, so the server works
  /// while the next chunk is prepared; any invalid row still means nothing is written. Rows whose
  /// fields differ from the first row's are inserted afterwards, in the same transaction.
  std::int64_t create_many_streamed(const std::function<bool(std::vector<record> &chunk)> &next_chunk);
  result find_many(const find_options &options);
  result find_unique(const document &where);  // zero or one row
  result get(const value &id);                // exactly one row, or not_found_error
  std::int64_t count(const document &where);
  /// One row of aggregates; columns are named "_count._all", "_sum.field", ... (aggregate_sql.cpp).
  result aggregate(const aggregate_options &options);
  /// One row per group: the `by` fields, then the aggregates named as in aggregate().
  result group_by(const aggregate_options &options);
  /// `push` appends to scalar lists (Prisma's `{"tags": {"push": ...}}`): field -> one value or a list.
  result update(const document &where, const record &data, const record &push = {});  // not_found_error if no row
  std::int64_t update_many(const document &where, const record &data, const record &push = {});
  result upsert(const document &where, const record &create, const record &update);
  result remove(const document &where);  // the deleted row, or not_found_error
  std::int64_t remove_many(const document &where);

  /// Every validation issue of `data`, without touching the database.
  std::vector<validation_issue> check(const record &data, validation_mode mode) const;

  /// Prisma's nested writes: `data` may hold relation fields with create, createMany, connect,
  /// connectOrCreate (and on update disconnect, set, update, upsert, updateMany, delete, deleteMany). The whole payload is
  /// validated first (issues at their full path, e.g. trucks.create.3.vin), then written in one
  /// transaction (a savepoint inside an open one). Defined in nested_writer.cpp.
  result create_with_relations(const document &data);
  result update_with_relations(const document &where, const document &data);  // not_found_error if no row
  /// Every issue of a nested-write payload, without touching the database.
  std::vector<validation_issue> check_with_relations(const document &data, validation_mode mode) const;

private:
  friend class nested_write_planner;  // nested writes use each model's keys, SQL pieces and error naming
  friend class nested_writer;
  friend class include_loader;  // include_loader.cpp: reads related rows with this model's filters
  struct unique_key {
    std::vector<const field_def *> fields;
    record values;
  };
  unique_key unique_where(const document &where, const char *operation) const;
  std::string select_list() const;
  std::string where_sql(const connection &c, const document &where, params &args) const;
  std::string condition_sql(const connection &c, const document &node, params &args, std::vector<validation_issue> &issues,
                            const std::string &path) const;
  std::string field_condition_sql(const connection &c, const field_def &f, const document &node, params &args,
                                  std::vector<validation_issue> &issues, const std::string &path) const;
  /// A scalar list filter (equals, has, hasEvery, hasSome, isEmpty); list_filter_sql.cpp, with push.
  std::string list_condition_sql(const connection &c, const field_def &f, const document &node, params &args,
                                 std::vector<validation_issue> &issues, const std::string &path) const;
  /// "col = col || $n" for each pushed list, appended to `args`; "" when there are none.
  std::string push_assignments_sql(const connection &c, const record &pushed, params &args) const;
  /// The pushed values typed as lists; issues at `field.push.n`.
  record validate_push(const record &pushed, std::vector<validation_issue> &issues) const;
  /// update's data (with @updatedAt filled) and pushes, validated together; throws validation_error.
  record validate_update(const record &data, const record &push, record &pushed) const;
  /// A relation filter (some/every/none, is/isNot) as an EXISTS subquery; relation_filter_sql.cpp.
  std::string relation_condition_sql(const connection &c, const field_def &f, const document &node, params &args,
                                     std::vector<validation_issue> &issues, const std::string &path) const;
  /// How a subquery names this model's current row: its alias inside a relation filter, else the table.
  std::string outer_reference(const connection &c) const;
  /// "key1 = $n AND key2 = $m" for a unique key, its values appended to `args`.
  std::string key_condition_sql(const connection &c, const unique_key &key, params &args) const;
  /// "col1 = $n, col2 = $m" for the fields of `values`, appended to `args`; "" when there are none.
  std::string assignments_sql(const connection &c, const record &values, params &args) const;
  // find_many's order, cursor and window (cursor.cpp). `order` is made total (the cursor's key,
  // then the id, are appended) whenever rows are counted from a cursor or from the end.
  struct page {
    std::vector<std::pair<const field_def *, bool>> order;  // field, descending
    std::optional<unique_key> cursor;
    std::vector<const field_def *> distinct;
    std::int64_t skip = 0;
    std::optional<std::int64_t> take;  // its magnitude; `backwards` says which end
    bool backwards = false;
  };
  page plan_page(const find_options &options) const;
  /// " WHERE ... ORDER BY ... LIMIT ..." for `p`, given the filter's own WHERE clause ("" or " WHERE ...").
  std::string page_sql(const connection &c, const page &p, const std::string &where, params &args) const;
  /// distinct, skip and take when they could not be done in SQL, and the rows back in order.
  result finish_page(const page &p, result rows) const;
  [[noreturn]] void throw_not_found(const unique_key &key, const char *to_what) const;
  void begin_bulk(std::optional<database_transaction> &tx);
  /// COPYs `rows` (validated, all holding exactly the fields `names`) into the table; returns the count.
  std::int64_t copy_rows(connection &c, const std::vector<std::string> &names, const std::vector<const record *> &rows) const;
  value to_param(const connection &c, const field_def &f, const value &canonical) const;
  record with_generated_values(const record &validated, bool creating, std::int64_t now_ms) const;
  result typed(result r) const;
  [[noreturn]] void rethrow_with_fields(const database_error &e, const record &data) const;
  /// A foreign-key violation told by relation (relation_errors.cpp): `written` the values an insert
  /// or update sent; `rows_sql` (" WHERE ...", with `rows_args`) the rows a delete or update touched.
  [[noreturn]] void rethrow_foreign_key(const foreign_key_violation &e, const record &written, const std::string &rows_sql = {},
                                        const params &rows_args = {}) const;
  template <class Work>
  auto run(const record &data, Work &&work) -> decltype(work(std::declval<connection &>()));

  std::shared_ptr<database> m_db;
  std::shared_ptr<const schema> m_schema;
  const model_def *m_model;
  std::string m_table;
  std::string m_select;  // the select list, built once
  std::string m_alias;   // inside a relation filter: this model's subquery alias (empty at the top)
  int m_depth = 0;       // relation filter nesting depth, for distinct aliases
};

}  // namespace carrierdb
