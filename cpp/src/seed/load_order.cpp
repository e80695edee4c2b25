// load_order: a topological order of the seed set's models over their foreign keys.
#include "load_order.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "carrierdb/error.hpp"

namespace carrierdb::seeding {

namespace {

struct fk_edge {
  std::string child, field, parent;  // child.field references parent
  bool optional;
};

// A cycle among `remaining` models following `edges` (child -> parent), as edges; empty when none.
std::vector<const fk_edge *> find_cycle(const std::vector<std::string> &remaining, const std::vector<const fk_edge *> &edges) {
  std::map<std::string, int> state;  // 0 unseen, 1 on the path, 2 done
  std::vector<const fk_edge *> path;
  std::vector<const fk_edge *> found;
  std::function<bool(const std::string &)> visit = [&](const std::string &m) {
    state[m] = 1;
    for (const fk_edge *e : edges) {
      if (e->child != m) continue;
      path.push_back(e);
      if (state[e->parent] == 1) {
        auto start = std::find_if(path.begin(), path.end(), [&](const fk_edge *p) { return p->child == e->parent; });
        found.assign(start, path.end());
        return true;
      }
      if (state[e->parent] == 0 && visit(e->parent)) return true;
      path.pop_back();
    }
    state[m] = 2;
    return false;
  };
  for (const auto &m : remaining)
    if (state[m] == 0 && visit(m)) return found;
  return {};
}

std::string shown(const std::vector<const fk_edge *> &cycle) {
  std::string text;
  for (const fk_edge *e : cycle) text += e->child + "." + e->field + " -> ";
  return text + cycle.front()->child;
}

}  // namespace

file_order order_files(const schema &s, const seed_manifest &manifest) {
  // The manifest's models, in the schema's order.
  std::set<std::string> named;
  for (const auto &f : manifest.files)
    if (f.relation.empty()) named.insert(s.model_by_accessor(f.model)->name);
  std::vector<std::string> models;
  for (const auto &m : s.models())
    if (named.count(m.name)) models.push_back(m.name);

  file_order order;
  std::vector<fk_edge> all;
  for (const auto &name : models) {
    for (const auto &f : s.model(name)->fields) {
      if (!f.relation || !f.relation->holds_foreign_key || !named.count(f.relation->target)) continue;
      if (f.relation->target == name) {
        order.deferred.insert({name, f.name});  // a row may name a parent further down its own file
        continue;
      }
      bool optional = true;
      for (const auto &fk : f.relation->fields) optional = optional && s.model(name)->field(fk) && s.model(name)->field(fk)->optional;
      all.push_back({name, f.name, f.relation->target, optional});
    }
  }
  std::vector<const fk_edge *> active;
  for (const auto &e : all) active.push_back(&e);

  std::vector<std::string> remaining = models, sorted;
  while (!remaining.empty()) {
    auto ready = std::find_if(remaining.begin(), remaining.end(), [&](const std::string &m) {
      return std::none_of(active.begin(), active.end(), [&](const fk_edge *e) {
        return e->child == m && std::find(remaining.begin(), remaining.end(), e->parent) != remaining.end();
      });
    });
    if (ready != remaining.end()) {
      sorted.push_back(*ready);
      remaining.erase(ready);
      continue;
    }
    const auto cycle = find_cycle(remaining, active);
    auto breakable = std::find_if(cycle.begin(), cycle.end(), [](const fk_edge *e) { return e->optional; });
    if (breakable == cycle.end())
      throw configuration_error("seed set " + manifest.name + ": its models reference each other through required relations only (" +
                                    shown(cycle) + "), so no loading order can give every row its parent first",
                                "make one of these relations optional in the schema (its foreign key nullable), or seed the models in separate sets");
    order.deferred.insert({(*breakable)->child, (*breakable)->field});
    active.erase(std::find(active.begin(), active.end(), *breakable));
  }
  for (const auto &name : sorted)
    for (std::size_t k = 0; k < manifest.files.size(); ++k)
      if (manifest.files[k].relation.empty() && s.model_by_accessor(manifest.files[k].model)->name == name) order.files.push_back(k);
  for (std::size_t k = 0; k < manifest.files.size(); ++k)
    if (!manifest.files[k].relation.empty()) order.files.push_back(k);
  return order;
}

}  // namespace carrierdb::seeding
