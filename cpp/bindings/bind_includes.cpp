// Python face of include/select reads: Repository.find_tree and find_unique_tree, whose record
// trees become dicts with nested lists (list relations), dicts or None (single relations) and
// `_count` dicts. The GIL is released while the statements run.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "carrierdb/repo/include_loader.hpp"

namespace carrierdb::bindings {

namespace {

// Every row of `tree` as a dict. A related row is built once and shared by the parents that
// have it (a truck's carrier is one dict for all its trucks).
py::list tree_to_dicts(const record_tree &tree) {
  std::vector<std::size_t> at;
  std::vector<py::str> names;
  for (const auto &name : tree.shown)
    for (std::size_t k = 0; k < tree.rows.columns.size(); ++k)
      if (tree.rows.columns[k].name == name) {
        at.push_back(k);
        names.emplace_back(name);
      }
  std::vector<py::list> children;
  for (const auto &r : tree.relations) children.push_back(tree_to_dicts(*r.children));
  py::list out(tree.rows.rows.size());
  for (std::size_t row = 0; row < tree.rows.rows.size(); ++row) {
    py::dict d;
    const auto &cells = tree.rows.rows[row];
    for (std::size_t k = 0; k < at.size(); ++k) d[names[k]] = to_python(cells[at[k]], tree.rows.columns[at[k]].kind);
    for (std::size_t r = 0; r < tree.relations.size(); ++r) {
      const auto &related = tree.relations[r].of_parent[row];
      if (tree.relations[r].list) {
        py::list items;
        for (std::size_t child : related) items.append(children[r][child]);
        d[py::str(tree.relations[r].field)] = items;
      } else {
        d[py::str(tree.relations[r].field)] = related.empty() ? py::object(py::none()) : py::object(children[r][related[0]]);
      }
    }
    if (!tree.counts.empty()) {
      py::dict counts;
      for (const auto &c : tree.counts) counts[py::str(c.field)] = c.of_parent[row];
      d["_count"] = counts;
    }
    out[row] = std::move(d);
  }
  return out;
}

document shape_of(const py::object &include, const py::object &select) {
  document shape;
  shape.what = document::kind::object;
  if (!include.is_none()) shape.object.emplace_back("include", to_document(include));
  if (!select.is_none()) shape.object.emplace_back("select", to_document(select));
  return shape;
}

}  // namespace

void init_includes(py::module_ &m) {
  auto cls = py::reinterpret_borrow<py::class_<repository>>(m.attr("Repository"));
  cls.def(
         "find_tree",
         [](repository &r, const py::object &where, const py::object &order_by, const py::object &skip, const py::object &take,
            const py::object &include, const py::object &select, const py::object &cursor, const py::object &distinct) {
           const find_options options = find_arguments(where, order_by, skip, take, cursor, distinct);
           const document shape = shape_of(include, select);
           return tree_to_dicts(without_gil([&] { return include_loader(r).find_many(options, shape); }));
         },
         py::arg("where") = py::none(), py::arg("order_by") = py::none(), py::arg("skip") = py::none(), py::arg("take") = py::none(),
         py::arg("include") = py::none(), py::arg("select") = py::none(), py::arg("cursor") = py::none(),
         py::arg("distinct") = py::none())
      .def(
          "find_unique_tree",
          [](repository &r, const py::object &where, const py::object &include, const py::object &select) -> py::object {
            const document w = to_document(where);
            const document shape = shape_of(include, select);
            py::list rows = tree_to_dicts(without_gil([&] { return include_loader(r).find_unique(w, shape); }));
            return rows.empty() ? py::object(py::none()) : py::object(rows[0]);
          },
          py::arg("where"), py::arg("include") = py::none(), py::arg("select") = py::none());
}

}  // namespace carrierdb::bindings
