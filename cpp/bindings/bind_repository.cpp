// Python face of drift and the generic repository. Python dicts become
// records, filters become documents; the GIL is released for every database round trip.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "signal_watch.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/introspect/drift.hpp"
#include "carrierdb/repo/repository.hpp"

namespace carrierdb::bindings {

document to_document(const py::handle &obj) {
  document d;
  if (obj.is_none()) return d;
  if (PyDict_Check(obj.ptr())) {
    d.what = document::kind::object;
    for (auto item : py::reinterpret_borrow<py::dict>(obj)) d.object.emplace_back(utf8_of(py::str(item.first)), to_document(item.second));
    return d;
  }
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
    d.what = document::kind::array;
    for (auto item : py::reinterpret_borrow<py::sequence>(obj)) d.array.push_back(to_document(item));
    return d;
  }
  d.scalar = to_value(obj, 0);
  return d;
}

namespace {

// Update data with Prisma's list operations taken apart: {"tags": {"set": [...]}} is the list
// itself, {"tags": {"push": x}} goes to `push`. Only on scalar list fields: a Json field's dict
// is a JSON object.
record update_record(const repository &r, const py::dict &data, record &push) {
  py::dict plain;
  for (auto item : data) {
    const field_def *f = PyUnicode_Check(item.first.ptr()) ? r.model().field(utf8_of(item.first)) : nullptr;
    if (f && f->list && PyDict_Check(item.second.ptr()) && py::len(item.second) == 1) {
      const auto op = py::reinterpret_borrow<py::dict>(item.second);
      if (op.contains("set")) {
        plain[item.first] = op["set"];
        continue;
      }
      if (op.contains("push")) {
        push.emplace_back(f->name, to_field_value(op["push"], 0));
        continue;
      }
    }
    plain[item.first] = item.second;
  }
  return to_record(plain);
}

// What a stop after create_many had finished leaves: its rows committed, or inside the caller's
// open transaction.
std::string completed_bulk(std::int64_t rows, bool own_transaction) {
  return "create_many had completed when the interrupt arrived: its " + std::to_string(rows) + " row(s) are " +
         (own_transaction ? "committed" : "written inside your open transaction, not committed yet");
}

/// The one row a single-record operation returns, as a dict.
py::object first_row(const result &r) { return rows_to_dicts(r)[0]; }

/// Aggregate rows in Prisma's shape: the column "_sum.modelYear" becomes row["_sum"]["modelYear"].
py::list aggregate_rows(const result &r) {
  py::list out;
  for (auto row : rows_to_dicts(r)) {
    py::dict shaped;
    for (auto item : py::reinterpret_borrow<py::dict>(row)) {
      const std::string key = item.first.cast<std::string>();
      const std::size_t dot = key.find('.');
      if (key.empty() || key[0] != '_' || dot == std::string::npos) {
        shaped[item.first] = item.second;
        continue;
      }
      const py::str op(key.substr(0, dot));
      py::dict group = shaped.contains(op) ? py::dict(shaped[op]) : py::dict();
      group[py::str(key.substr(dot + 1))] = item.second;
      shaped[op] = group;
    }
    out.append(shaped);
  }
  return out;
}

/// Prisma's aggregate arguments from keywords (`_count=True`, `_sum={"field": True}`, ...).
aggregate_options aggregate_arguments(const py::object &where, const py::object &count, const py::object &sum, const py::object &avg,
                                      const py::object &min, const py::object &max) {
  aggregate_options o;
  o.where = to_document(where);
  o.count = to_document(count);
  o.sum = to_document(sum);
  o.avg = to_document(avg);
  o.min = to_document(min);
  o.max = to_document(max);
  return o;
}

/// Field names given as one name or a list of names.
std::vector<std::string> field_names(const py::object &names) {
  if (names.is_none()) return {};
  if (py::isinstance<py::str>(names)) return {names.cast<std::string>()};
  return names.cast<std::vector<std::string>>();
}

}  // namespace

find_options find_arguments(const py::object &where, const py::object &order_by, const py::object &skip, const py::object &take,
                            const py::object &cursor, const py::object &distinct) {
  find_options options;
  options.where = to_document(where);
  options.order_by = to_document(order_by);
  if (!skip.is_none()) options.skip = skip.cast<std::int64_t>();
  if (!take.is_none()) options.take = take.cast<std::int64_t>();
  options.cursor = to_document(cursor);
  options.distinct = field_names(distinct);
  return options;
}

void init_repository(py::module_ &m) {
  m.def(
      "find_drift",
      [](std::shared_ptr<database> db, std::shared_ptr<schema> s, const std::vector<std::string> &ignore) {
        const std::vector<drift_item> items = without_gil([&] { return db->with_connection([&](connection &c) { return find_drift(*s, c, ignore); }); });
        py::list out;
        for (const auto &i : items) {
          py::dict d;
          d["kind"] = i.kind;
          d["model"] = i.model.empty() ? py::object(py::none()) : py::object(py::str(i.model));
          d["table"] = i.table;
          d["field"] = i.field.empty() ? py::object(py::none()) : py::object(py::str(i.field));
          d["column"] = i.column.empty() ? py::object(py::none()) : py::object(py::str(i.column));
          d["schema_says"] = i.schema_says;
          d["database_has"] = i.database_has;
          d["message"] = i.message();
          out.append(d);
        }
        return out;
      },
      py::arg("db"), py::arg("schema"), py::arg("ignore_tables"),
      "Differences between the schema's models and the live database, both directions.");

  py::class_<repository>(m, "Repository")
      .def(py::init([](std::shared_ptr<database> db, std::shared_ptr<schema> s, const std::string &name) {
             return std::make_unique<repository>(std::move(db), std::move(s), name);
           }),
           py::arg("db"), py::arg("schema"), py::arg("model"))
      .def_property_readonly("model_name", [](const repository &r) { return r.model().name; })
      .def_property_readonly("table", [](const repository &r) { return r.model().table; })
      .def("create", [](repository &r, const py::dict &data) {
        const record input = to_record(data);
        return first_row(without_gil([&] { return r.create(input); }));
      }, py::arg("data"))
      .def("create_many_streamed", [](repository &r, const py::list &rows, std::size_t chunk_size) {
        // Chunks are converted under the GIL; validation and the COPY run without it, so the
        // server loads one chunk while the next is converted.
        std::size_t next = 0;
        const std::size_t total = rows.size();
        const bool own_transaction = r.db().transaction_depth() == 0;
        const auto stream = [&] {
          return r.create_many_streamed([&](std::vector<record> &chunk) {
            if (next >= total) return false;
            py::gil_scoped_acquire gil;
            const std::size_t end = std::min(total, next + chunk_size);
            chunk.reserve(end - next);
            for (; next < end; ++next) chunk.push_back(to_record(PyList_GET_ITEM(rows.ptr(), static_cast<Py_ssize_t>(next))));
            return true;
          });
        };
        return run_watched(stream, [&](std::int64_t written) {
          return finished_work{completed_bulk(written, own_transaction), own_transaction, py::int_(written)};
        });
      }, py::arg("rows"), py::arg("chunk_size") = 2000)
      .def("create_many", [](repository &r, const py::iterable &rows, bool skip_duplicates, bool returning) -> py::object {
        std::vector<record> input;
        for (auto row : rows) input.push_back(to_record(row));
        const bool own_transaction = r.db().transaction_depth() == 0;
        return run_watched([&] { return r.create_many(input, skip_duplicates, returning); }, [&](const result &out) {
          py::object created = returning ? py::object(rows_to_dicts(out)) : py::object(py::int_(out.affected_rows));
          return finished_work{completed_bulk(out.affected_rows, own_transaction), own_transaction, created};
        });
      }, py::arg("rows"), py::arg("skip_duplicates") = false, py::arg("returning") = false)
      .def("find_many", [](repository &r, const py::object &where, const py::object &order_by, const py::object &skip, const py::object &take,
                           const py::object &cursor, const py::object &distinct) {
        const find_options options = find_arguments(where, order_by, skip, take, cursor, distinct);
        return rows_to_dicts(without_gil([&] { return r.find_many(options); }));
      }, py::arg("where") = py::none(), py::arg("order_by") = py::none(), py::arg("skip") = py::none(), py::arg("take") = py::none(),
         py::arg("cursor") = py::none(), py::arg("distinct") = py::none())
      .def("aggregate", [](repository &r, const py::object &where, const py::object &count, const py::object &sum, const py::object &avg,
                           const py::object &min, const py::object &max) -> py::object {
        const aggregate_options options = aggregate_arguments(where, count, sum, avg, min, max);
        py::list rows = aggregate_rows(without_gil([&] { return r.aggregate(options); }));
        return rows.empty() ? py::object(py::dict()) : py::object(rows[0]);
      }, py::arg("where") = py::none(), py::arg("_count") = py::none(), py::arg("_sum") = py::none(), py::arg("_avg") = py::none(),
         py::arg("_min") = py::none(), py::arg("_max") = py::none())
      .def("group_by", [](repository &r, const py::object &by, const py::object &where, const py::object &having, const py::object &order_by,
                          const py::object &count, const py::object &sum, const py::object &avg, const py::object &min, const py::object &max,
                          const py::object &skip, const py::object &take) {
        aggregate_options options = aggregate_arguments(where, count, sum, avg, min, max);
        options.by = field_names(by);
        options.having = to_document(having);
        options.order_by = to_document(order_by);
        if (!skip.is_none()) options.skip = skip.cast<std::int64_t>();
        if (!take.is_none()) options.take = take.cast<std::int64_t>();
        return aggregate_rows(without_gil([&] { return r.group_by(options); }));
      }, py::arg("by"), py::arg("where") = py::none(), py::arg("having") = py::none(), py::arg("order_by") = py::none(),
         py::arg("_count") = py::none(), py::arg("_sum") = py::none(), py::arg("_avg") = py::none(), py::arg("_min") = py::none(),
         py::arg("_max") = py::none(), py::arg("skip") = py::none(), py::arg("take") = py::none())
      .def("find_unique", [](repository &r, const py::object &where) -> py::object {
        const document w = to_document(where);
        py::list rows = rows_to_dicts(without_gil([&] { return r.find_unique(w); }));
        return rows.empty() ? py::object(py::none()) : py::object(rows[0]);
      }, py::arg("where"))
      .def("get", [](repository &r, const py::object &id) {
        const value key = to_value(id, 0);
        return first_row(without_gil([&] { return r.get(key); }));
      }, py::arg("id"))
      .def("count", [](repository &r, const py::object &where) {
        const document w = to_document(where);
        return without_gil([&] { return r.count(w); });
      }, py::arg("where") = py::none())
      .def("update", [](repository &r, const py::object &where, const py::dict &data) {
        const document w = to_document(where);
        record push;
        const record input = update_record(r, data, push);
        return first_row(without_gil([&] { return r.update(w, input, push); }));
      }, py::arg("where"), py::arg("data"))
      .def("update_many", [](repository &r, const py::object &where, const py::dict &data) {
        const document w = to_document(where);
        record push;
        const record input = update_record(r, data, push);
        return without_gil([&] { return r.update_many(w, input, push); });
      }, py::arg("where"), py::arg("data"))
      .def("upsert", [](repository &r, const py::object &where, const py::dict &create, const py::dict &update) {
        const document w = to_document(where);
        record push;  // upsert's update takes `set`; a push there is refused by name
        const record c = to_record(create), u = update_record(r, update, push);
        if (!push.empty())
          throw validation_error(r.model().name, {[&] {
            validation_issue i;
            i.path = {"update", push.front().first, "push"};
            i.code = "custom";
            i.message = "push is not supported inside upsert; use update";
            return i;
          }()});
        return first_row(without_gil([&] { return r.upsert(w, c, u); }));
      }, py::arg("where"), py::arg("create"), py::arg("update"))
      .def("delete", [](repository &r, const py::object &where) {
        const document w = to_document(where);
        return first_row(without_gil([&] { return r.remove(w); }));
      }, py::arg("where"))
      .def("delete_many", [](repository &r, const py::object &where) {
        const document w = to_document(where);
        return without_gil([&] { return r.remove_many(w); });
      }, py::arg("where") = py::none())
      // Nested writes: the payload stays a document (relation verbs, nested records) down to the core.
      .def("create_with_relations", [](repository &r, const py::dict &data) {
        const document d = to_document(data);
        return first_row(without_gil([&] { return r.create_with_relations(d); }));
      }, py::arg("data"))
      .def("update_with_relations", [](repository &r, const py::object &where, const py::dict &data) {
        const document w = to_document(where), d = to_document(data);
        return first_row(without_gil([&] { return r.update_with_relations(w, d); }));
      }, py::arg("where"), py::arg("data"))
      .def("check_with_relations", [](const repository &r, const py::dict &data, bool partial) {
        py::list out;
        for (const auto &i : r.check_with_relations(to_document(data), partial ? validation_mode::update : validation_mode::create))
          out.append(issue_to_dict(i));
        return out;
      }, py::arg("data"), py::arg("partial") = false);
}

}  // namespace carrierdb::bindings
