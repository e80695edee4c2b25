// Python face of a parsed schema.prisma: models with their fields, relations, keys and indexes,
// enums, unsupported declarations, and validation of a record against a model.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/validation.hpp"

namespace carrierdb::bindings {

namespace {

py::object text_or_none(const std::string &s) { return s.empty() ? py::object(py::none()) : py::object(py::str(s)); }

py::dict relation_to_dict(const relation_info &r) {
  py::dict d;
  d["name"] = text_or_none(r.name);
  d["target"] = r.target;
  d["kind"] = to_string(r.kind);
  d["back_field"] = r.back_field;
  d["holds_foreign_key"] = r.holds_foreign_key;
  d["fields"] = r.fields;
  d["references"] = r.references;
  d["on_delete"] = r.on_delete ? py::object(py::str(to_string(*r.on_delete))) : py::object(py::none());
  d["on_update"] = r.on_update ? py::object(py::str(to_string(*r.on_update))) : py::object(py::none());
  d["constraint_name"] = text_or_none(r.constraint_name);
  if (r.join) {
    py::dict j;
    j["table"] = r.join->table;
    j["model_a"] = r.join->model_a;
    j["model_b"] = r.join->model_b;
    j["columns"] = std::vector<std::string>{"A", "B"};
    j["key_name"] = r.join->key_name;
    j["key_is_primary"] = r.join->key_is_primary;
    j["index_name"] = r.join->index_name;
    d["join_table"] = j;
  } else {
    d["join_table"] = py::none();
  }
  return d;
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
  py::dict d;
  d["kind"] = k.what == index_def::kind::primary ? "id" : k.what == index_def::kind::unique ? "unique" : "index";
  d["fields"] = k.field_names();
  py::list sort;
  for (const auto &f : k.fields) sort.append(f.descending ? "Desc" : "Asc");
  d["sort"] = sort;
  d["name"] = text_or_none(k.name);
  d["map"] = text_or_none(k.map);
  d["type"] = text_or_none(k.type);
  return d;
}

// Prisma's default database names: <table>_<columns>_key (unique), _idx (index); @unique fields
// count as one-field unique constraints.
py::list named_keys(const model_def &m, index_def::kind what) {
  py::list out;
  const auto default_name = [&](const std::vector<std::string> &fields) {
    std::string name = m.table;
    for (const auto &f : fields) name += "_" + (m.field(f) ? m.field(f)->column : f);
    return name + (what == index_def::kind::unique ? "_key" : "_idx");
  };
  if (what == index_def::kind::unique)
    for (const auto &f : m.fields)
      if (f.unique) {
        py::dict d;
        d["fields"] = std::vector<std::string>{f.name};
        d["name"] = py::none();
        d["db_name"] = default_name({f.name});
        out.append(d);
      }
  for (const auto &k : m.keys) {
    if (k.what != what) continue;
    py::dict d;
    d["fields"] = k.field_names();
    d["name"] = text_or_none(k.name);
    d["db_name"] = k.map.empty() ? default_name(k.field_names()) : k.map;
    if (what == index_def::kind::index) d["type"] = text_or_none(k.type);
    out.append(d);
  }
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
        d["indexes"] = named_keys(*mdl, index_def::kind::index);
        d["unique_constraints"] = named_keys(*mdl, index_def::kind::unique);
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
