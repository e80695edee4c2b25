// Python face of a parsed schema.prisma: models with their fields, relations, keys and indexes,
// enums, unsupported declarations, and validation of a record against a model.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/target_model.hpp"
#include "carrierdb/schema/validation.hpp"

namespace carrierdb::bindings {

namespace {

using namespace pybind11::literals;

py::object text_or_none(const std::string &s) { return s.empty() ? py::object(py::none()) : py::object(py::str(s)); }

py::object join_to_dict(const std::optional<join_table> &j) {
  if (!j) return py::none();
  return py::dict("table"_a = j->table, "model_a"_a = j->model_a, "model_b"_a = j->model_b,
                  "columns"_a = std::vector<std::string>{"A", "B"}, "key_name"_a = j->key_name, "key_is_primary"_a = j->key_is_primary,
                  "index_name"_a = j->index_name);
}

py::object action_or_none(const std::optional<referential_action> &a) { return a ? py::object(py::str(to_string(*a))) : py::object(py::none()); }

py::dict relation_to_dict(const relation_info &r) {
  return py::dict("name"_a = text_or_none(r.name), "target"_a = r.target, "kind"_a = to_string(r.kind), "back_field"_a = r.back_field,
                  "holds_foreign_key"_a = r.holds_foreign_key, "fields"_a = r.fields, "references"_a = r.references,
                  "on_delete"_a = action_or_none(r.on_delete), "on_update"_a = action_or_none(r.on_update),
                  "constraint_name"_a = text_or_none(r.constraint_name), "join_table"_a = join_to_dict(r.join));
}

py::dict field_to_dict(const field_def &f) {
  py::dict d;
  d["name"] = f.name;
  d["column"] = f.column;
  d["type"] = f.type_name;
  d["kind"] = to_string(f.kind);
  d["list"] = f.list;
  d["optional"] = f.optional;
  d["id"] = f.id;
  d["unique"] = f.unique;
  d["ignored"] = f.ignored;
  d["updated_at"] = f.updated_at;
  d["has_default"] = f.default_.has_value();
  d["max_length"] = f.max_length();
  d["native_type"] = text_or_none(f.native_type);
  d["native_args"] = f.native_args;
  d["relation"] = f.relation ? py::object(relation_to_dict(*f.relation)) : py::object(py::none());
  d["unsupported"] = text_or_none(f.unsupported);
  py::list rules;
  for (const auto &r : f.rules) rules.append(r.kind + "." + r.name + "(" + (r.args.empty() ? "" : r.args[0]) + ")");
  d["rules"] = rules;
  d["normalizers"] = f.normalizers;
  d["doc"] = f.doc;
  return d;
}

py::dict key_to_dict(const index_def &k) {
  py::list sort;
  for (const auto &f : k.fields) sort.append(f.descending ? "Desc" : "Asc");
  return py::dict("kind"_a = k.what == index_def::kind::primary ? "id" : k.what == index_def::kind::unique ? "unique" : "index",
                  "fields"_a = k.field_names(), "sort"_a = sort, "name"_a = text_or_none(k.name), "map"_a = text_or_none(k.map),
                  "type"_a = text_or_none(k.type));
}

// Every unique criterion (@unique fields, then @@unique) or @@index with its database name, which
// the target model names (Prisma's defaults when not mapped): target_model lists them in the same order.
py::list named_keys(const schema &s, const model_def &m, index_def::kind what) {
  const target_table table = target_table_of(s, m, backend_kind::postgresql);
  std::vector<const target_index *> named;
  for (const auto &i : table.indexes)
    if (i.unique == (what == index_def::kind::unique)) named.push_back(&i);
  py::list out;
  std::size_t at = 0;
  const auto add = [&](std::vector<std::string> fields, const std::string &name, const index_def *k) {
    py::dict d;
    d["fields"] = std::move(fields);
    d["name"] = text_or_none(name);
    d["db_name"] = at < named.size() ? named[at++]->name : std::string();
    if (k && what == index_def::kind::index) d["type"] = text_or_none(k->type);
    out.append(d);
  };
  if (what == index_def::kind::unique)
    for (const auto &f : m.fields)
      if (f.unique && f.is_column()) add({f.name}, "", nullptr);
  for (const auto &k : m.keys)
    if (k.what == what) add(k.field_names(), k.name, &k);
  return out;
}

}  // namespace

void init_schema(py::module_ &m) {
  py::class_<schema, std::shared_ptr<schema>>(m, "Schema")
      .def_static("load", [](const std::string &path) { return std::make_shared<schema>(schema::load(path)); }, py::arg("path"))
      .def_static("parse", [](const std::string &text, const std::string &file) { return std::make_shared<schema>(schema::parse(text, file)); },
                  py::arg("text"), py::arg("file") = "schema.prisma")
      .def_property_readonly("provider", &schema::provider)
      .def_property_readonly("file", &schema::file)
      .def_property_readonly("url_env", &schema::url_env)
      .def_property_readonly("model_names", [](const schema &s) {
        std::vector<std::string> names;
        for (const auto &mdl : s.models()) names.push_back(mdl.name);
        return names;
      })
      .def_property_readonly("unsupported", [](const schema &s) {
        py::list out;
        for (const auto &u : s.unsupported_blocks()) {
          py::dict d;
          d["keyword"] = u.keyword;
          d["name"] = u.name;
          d["message"] = u.message;
          d["where"] = u.where.to_string();
          out.append(d);
        }
        return out;
      })
      .def_property_readonly("enums", [](const schema &s) {
        py::dict d;
        for (const auto &e : s.enums()) d[py::str(e.name)] = e.values;
        return d;
      })
      // Each enum's values as the database stores them (a value's @map, else the value).
      .def_property_readonly("enum_db_values", [](const schema &s) {
        py::dict d;
        for (const auto &e : s.enums()) d[py::str(e.name)] = e.db_values;
        return d;
      })
      .def("model", [](const schema &s, const std::string &name) {
        const model_def *mdl = s.model_by_accessor(name);
        if (!mdl) throw configuration_error("no model '" + name + "' in " + s.file());
        py::dict d;
        d["name"] = mdl->name;
        d["table"] = mdl->table;
        d["id_fields"] = mdl->id_fields;
        d["uniques"] = mdl->uniques;
        d["ignored"] = mdl->ignored;
        py::list fields, keys;
        for (const auto &f : mdl->fields) fields.append(field_to_dict(f));
        for (const auto &k : mdl->keys) keys.append(key_to_dict(k));
        d["fields"] = fields;
        d["keys"] = keys;
        // Every unique criterion and index with its database name (Prisma's defaults when not mapped).
        d["indexes"] = named_keys(s, *mdl, index_def::kind::index);
        d["unique_constraints"] = named_keys(s, *mdl, index_def::kind::unique);
        return d;
      }, py::arg("name"))
      .def("validate", [](const schema &s, const std::string &name, const py::dict &data, bool partial) {
        const model_def *mdl = s.model_by_accessor(name);
        if (!mdl) throw configuration_error("no model '" + name + "' in " + s.file());
        std::vector<validation_issue> issues;
        const record input = to_record(data);
        py::gil_scoped_release release;
        check_record(s, *mdl, input, partial ? validation_mode::update : validation_mode::create, issues);
        py::gil_scoped_acquire gil;
        py::list out;
        for (const auto &i : issues) out.append(issue_to_dict(i));
        return out;
      }, py::arg("model"), py::arg("data"), py::arg("partial") = false);
}

}  // namespace carrierdb::bindings
