// include_loader: find_many / find_unique with Prisma's `include` and `select` (nested, with where,
// orderBy, take and skip inside, and `_count`), loaded one statement per relation and level.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "carrierdb/repo/repository.hpp"

namespace carrierdb {

/// The rows of one model and, for each relation asked for, the related rows of all of them at
/// once. Related rows are shared: `of_parent[p]` lists the indices in `children->rows.rows` of
/// parent row p's related rows (at most one for a single relation).
struct record_tree {
  result rows;                     // every column of the model (links need the keys)
  std::vector<std::string> shown;  // the fields the caller asked for, in schema order
  struct relation {
    std::string field;
    bool list = false;
    std::shared_ptr<record_tree> children;
    std::vector<std::vector<std::size_t>> of_parent;
  };
  std::vector<relation> relations;
  struct count {
    std::string field;
    std::vector<std::int64_t> of_parent;
  };
  std::vector<count> counts;  // _count: {field: n}, per parent row
};

/// Reads `shape` ({"include": {...}} and/or {"select": {...}}) and loads it for rows of `repo`'s
/// model. Statements: one for the top rows, then one per relation (and per counted relation) at
/// each level, whatever the number of rows (parent keys are sent in batches of 5000, so more
/// rows than that add one statement per batch). The shape is checked before anything runs:
/// an unknown field or option is a validation_error at its path (`include.trucks.where.vin`).
class include_loader {
public:
  explicit include_loader(repository &repo) : m_repo(repo) {}
  record_tree find_many(const find_options &options, const document &shape);
  record_tree find_unique(const document &where, const document &shape);  // zero or one row

  struct plan;  // a checked shape, in include_loader.cpp

private:
  record_tree load(const plan &p, result rows);
  repository &m_repo;
};

}  // namespace carrierdb
