// nested_write_plan: reads a nested-write payload (Prisma's create/connect/... on relation fields)
// into a plan, checking all of it before anything is written: every issue at its full path.
#include "nested_write_plan.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

repository &model_repositories::of(const model_def &m) {
  auto &slot = m_repos[&m];
  if (!slot) slot = std::make_unique<repository>(m_db, m_schema, m.name);
  return *slot;
}

const char *to_string(nested_verb verb) {
  switch (verb) {
    case nested_verb::create: return "create";
    case nested_verb::create_many: return "createMany";
    case nested_verb::connect: return "connect";
    case nested_verb::connect_or_create: return "connectOrCreate";
    case nested_verb::disconnect: return "disconnect";
    case nested_verb::set: return "set";
    case nested_verb::update: return "update";
    case nested_verb::upsert: return "upsert";
    case nested_verb::update_many: return "updateMany";
    case nested_verb::remove: return "delete";
    case nested_verb::delete_many: return "deleteMany";
  }
  return "?";
}

namespace {

nlohmann::ordered_json to_json(const document &d) {
  switch (d.what) {
    case document::kind::object: {
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      for (const auto &[k, v] : d.object) out[k] = to_json(v);
      return out;
    }
    case document::kind::array: {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto &v : d.array) out.push_back(to_json(v));
      return out;
    }
    case document::kind::scalar: break;
  }
  if (auto b = std::get_if<bool>(&d.scalar)) return *b;
  if (auto i = std::get_if<std::int64_t>(&d.scalar)) return *i;
  if (auto x = std::get_if<double>(&d.scalar)) return *x;
  if (auto s = std::get_if<std::string>(&d.scalar)) return *s;
  return nullptr;
}

std::string names(const std::vector<std::string> &list) {
  std::string out;
  for (const auto &n : list) out += (out.empty() ? "" : ", ") + n;
  return out;
}

const char *kind_name(const document &d) { return d.what == document::kind::object ? "object" : d.what == document::kind::array ? "array" : "a value"; }

bool is_true(const document &d) {
  const bool *b = d.what == document::kind::scalar ? std::get_if<bool>(&d.scalar) : nullptr;
  return b && *b;
}

// The verbs Prisma has on a relation field in a create and in an update.
constexpr const char *create_verbs[] = {"create", "createMany", "connect", "connectOrCreate"};
constexpr const char *update_verbs[] = {"create",     "createMany", "connect", "connectOrCreate", "disconnect", "set",
                                        "update",     "upsert",     "updateMany", "delete",       "deleteMany"};
// Verbs of to-many relations only (createMany: one-to-many only).
constexpr const char *to_many_verbs[] = {"set", "createMany", "updateMany", "deleteMany"};

template <std::size_t N>
bool listed(const char *const (&verbs)[N], const std::string &name) {
  return std::any_of(std::begin(verbs), std::end(verbs), [&](const char *v) { return name == v; });
}

}  // namespace

std::string json_text(const document &d) { return to_json(d).dump(); }

std::vector<std::string> under(std::vector<std::string> path, const std::string &key) {
  path.push_back(key);
  return path;
}

std::string dotted(const std::vector<std::string> &path) {
  std::string out;
  for (const auto &p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

void nested_write_planner::issue(const std::vector<std::string> &path, const std::string &code, const std::string &message) {
  validation_issue i;
  i.path = path;
  i.code = code;
  i.message = message;
  m_issues.push_back(std::move(i));
}

write_node nested_write_planner::plan(const model_def &model, const document &data, validation_mode mode) {
  return node(model, data, mode, {}, nullptr, {});
}

// One record of `m`. `through` is the relation field of `m` the record is written through (its
// parent fills it: giving it again is an issue); `linked` are the foreign-key fields the parent
// fills.
write_node nested_write_planner::node(const model_def &m, const document &data, validation_mode mode, const std::vector<std::string> &path,
                                      const field_def *through, const std::vector<std::string> &linked) {
  write_node n;
  n.model = &m;
  n.path = path;
  if (data.what != document::kind::object) {
    issue(path, "invalid_type", std::string("Expected an object of ") + m.name + " fields, received " + kind_name(data));
    return n;
  }
  record raw;
  std::vector<std::string> excused = linked;  // fields whose "Required" would be wrong
  for (const auto &[key, v] : data.object) {
    const field_def *f = m.field(key);
    if (f && f->kind == field_kind::relation) {
      if (f == through)
        issue(under(path, key), "custom",
              m.name + "." + key + " is the relation this " + m.name + " is written through; leave it out here");
      else
        relation(*f, v, mode, under(path, key), n);
      continue;
    }
    if (f && std::find(linked.begin(), linked.end(), key) != linked.end()) {
      issue(under(path, key), "custom", m.name + "." + key + " is set by the enclosing relation write; leave it out here");
      continue;
    }
    if (v.what != document::kind::scalar) {
      if (f && f->is_column() && f->list) {
        // A scalar list: the array itself, or Prisma's {set: [...]}; check_record checks each element.
        const document *items = v.what == document::kind::object && v.object.size() == 1 ? v.get("set") : &v;
        if (items && items->what == document::kind::array) {
          // As a record from Python: plain elements make a list, a list holding objects stays JSON
          // text (a Json[] of documents), which the list check reads as a JSON array.
          value_list list;
          for (const auto &e : items->array)
            if (e.what == document::kind::scalar) list.items.push_back(e.scalar);
          if (list.items.size() == items->array.size()) raw.emplace_back(key, value(std::move(list)));
          else raw.emplace_back(key, json_text(*items));
          continue;
        }
      }
      if (f && f->is_column() && f->type == scalar_type::json && !f->list) {
        raw.emplace_back(key, json_text(v));
      } else if (f) {
        issue(under(path, key), "invalid_type", "Expected a value for " + m.name + "." + key + ", received " + kind_name(v));
        excused.push_back(key);
      } else {
        raw.emplace_back(key, std::monostate{});  // unknown: check_record names it with the others
      }
      continue;
    }
    raw.emplace_back(key, v.scalar);
  }
  n.given = raw;
  // A to-one relation written through its own field fills the foreign key here.
  std::vector<const field_def *> filled_by;
  for (const auto &w : n.relations) {
    if (w.side != link_side::this_row) continue;
    const bool fills = std::any_of(w.steps.begin(), w.steps.end(), [](const relation_step &s) {
      return s.verb == nested_verb::create || s.verb == nested_verb::connect || s.verb == nested_verb::connect_or_create;
    });
    const auto &fks = w.field->relation->fields;
    if (std::any_of(fks.begin(), fks.end(), [&](const std::string &fk) { return find_value(raw, fk) != nullptr; }))
      issue(under(path, w.field->name), "custom", "give either " + w.field->name + " or " + names(fks) + ", not both");
    if (fills) excused.insert(excused.end(), fks.begin(), fks.end());
  }
  std::vector<validation_issue> found;
  n.values = check_record(m_repos.schema_(), m, raw, mode, found);
  std::vector<std::string> missing_relations;
  for (auto &i : found) {
    const bool required = i.code == "invalid_type" && i.received == "undefined" && i.path.size() == 1;
    if (required && std::find(excused.begin(), excused.end(), i.path[0]) != excused.end()) continue;
    if (required) {
      // A missing foreign key is a missing relation, as Prisma says it.
      const field_def *holder = nullptr;
      for (const auto &f : m.fields)
        if (f.relation && f.relation->holds_foreign_key && !f.relation->fields.empty() &&
            std::find(f.relation->fields.begin(), f.relation->fields.end(), i.path[0]) != f.relation->fields.end())
          holder = &f;
      if (holder) {
        if (std::find(missing_relations.begin(), missing_relations.end(), holder->name) != missing_relations.end()) continue;
        missing_relations.push_back(holder->name);
        i.path = {holder->name};
        i.message = "Required: connect or create a " + holder->relation->target + " (" + holder->name + ": {connect: {...}}), or give " +
                    names(holder->relation->fields);
        i.expected = holder->relation->target;
      }
    }
    i.path.insert(i.path.begin(), path.begin(), path.end());
    m_issues.push_back(std::move(i));
  }
  return n;
}

// The verbs given for relation field `f` of the record being read into `n`.
void nested_write_planner::relation(const field_def &f, const document &verbs, validation_mode mode, const std::vector<std::string> &path,
                                    write_node &n) {
  const relation_info &r = *f.relation;
  relation_write w;
  w.field = &f;
  w.target = m_repos.schema_().model(r.target);
  w.back = w.target ? w.target->field(r.back_field) : nullptr;
  if (!w.target || !w.back) {
    issue(path, "custom", "relation " + n.model->name + "." + f.name + " has no opposite field on " + r.target);
    return;
  }
  w.side = r.kind == relation_kind::many_to_many ? link_side::join_table : r.holds_foreign_key ? link_side::this_row : link_side::other_rows;
  if (verbs.what != document::kind::object || verbs.object.empty()) {
    const char *verbs_allowed = mode == validation_mode::create
                                    ? "create, createMany, connect, connectOrCreate"
                                    : "create, createMany, connect, connectOrCreate, disconnect, set, update, upsert, updateMany, delete, deleteMany";
    issue(path, "invalid_type", std::string("Expected an object of nested writes (") + verbs_allowed + ") for relation " + n.model->name + "." + f.name);
    return;
  }
  if (!f.list && verbs.object.size() > 1) {
    std::string given;
    for (const auto &[k, v] : verbs.object) given += (given.empty() ? "" : ", ") + k;
    issue(path, "custom", "a to-one relation takes one nested write, found " + given);
    return;
  }
  for (const auto &[verb, arg] : verbs.object) {
    const bool known = mode == validation_mode::create ? listed(create_verbs, verb) : listed(update_verbs, verb);
    if (!known) {
      if (listed(update_verbs, verb))
        issue(under(path, verb), "custom", verb + " is not a nested write of a create; use update");
      else
        issue(under(path, verb), "unrecognized_keys", "Unknown nested write '" + verb + "' on " + n.model->name + "." + f.name);
      continue;
    }
    if (listed(to_many_verbs, verb) && !f.list) {
      issue(under(path, verb), "custom",
            verb + " works on to-many relations, and " + n.model->name + "." + f.name + " is a to-one relation; use " +
                (verb == "createMany" ? "create" : verb == "set" ? "connect or disconnect" : verb == "updateMany" ? "update" : "delete"));
      continue;
    }
    if (verb == "createMany" && w.side == link_side::join_table) {
      issue(under(path, verb), "custom",
            "createMany works on one-to-many relations only (as in Prisma), and " + n.model->name + "." + f.name +
                " is a many-to-many relation; use create with a list");
      continue;
    }
    step(w, verb, arg, under(path, verb));
  }
  n.relations.push_back(std::move(w));
}

std::vector<std::string> nested_write_planner::linked_fields(const relation_write &w) {
  return w.side == link_side::other_rows ? w.back->relation->fields : std::vector<std::string>{};
}

// One verb with its argument: an object, or for a to-many relation a list of them (except for
// to-one disconnect and delete, which take `true`).
void nested_write_planner::step(relation_write &w, const std::string &verb, const document &arg, const std::vector<std::string> &path) {
  if (verb == "createMany") return create_many(w, arg, path);
  if (verb == "upsert") return upsert(w, arg, path);
  if (verb == "updateMany") return update_many(w, arg, path);
  if (verb == "deleteMany") return delete_many(w, arg, path);
  const bool many = w.field->list;
  const model_def &target = *w.target;
  const std::vector<std::string> linked = linked_fields(w);
  // May a related record lose its link? The foreign key must be optional.
  const bool optional_link = w.side == link_side::join_table || (w.side == link_side::this_row ? w.field->optional : w.back->optional);
  const std::string relation_name = w.field->name;
  const auto refuse_required = [&](const std::string &what) {
    const field_def &holder = w.side == link_side::this_row ? *w.field : *w.back;
    const std::string holder_model = w.side == link_side::this_row ? w.back->relation->target : target.name;
    issue(path, "custom",
          what + " needs an optional relation, and " + holder_model + "." + holder.name + " is required" +
              (w.side == link_side::other_rows ? "; delete the " + target.name + " records, or connect them to another record" : ""));
  };

  relation_step s;
  if (verb == "disconnect" || verb == "delete") {
    s.verb = verb == "delete" ? nested_verb::remove : nested_verb::disconnect;
    if (!many) {
      if (!is_true(arg)) {
        if (!(arg.what == document::kind::scalar && std::holds_alternative<bool>(arg.scalar)))
          issue(path, "invalid_type", verb + " on a to-one relation takes true");
        return;  // false: nothing to do
      }
      if (!w.field->optional || (s.verb == nested_verb::disconnect && !optional_link)) {
        refuse_required(verb);
        return;
      }
      s.path = path;
      w.steps.push_back(std::move(s));
      return;
    }
    if (s.verb == nested_verb::disconnect && !optional_link) {
      refuse_required(verb);
      return;
    }
  }
  if (verb == "set" && !optional_link) {
    refuse_required("set");
    return;
  }

  // Each item of a list is one step of its own (set: one step with every key).
  if (arg.what == document::kind::array && !many) {
    issue(path, "invalid_type", verb + " on the to-one relation " + relation_name + " takes one object, received array");
    return;
  }
  const auto items = items_of(arg, path);
  if (verb == "set") {
    s.verb = nested_verb::set;
    s.path = path;
    for (const auto &[item, at] : items) lookup(target, *item, at, s.where);
    w.steps.push_back(std::move(s));
    return;
  }
  for (const auto &[item, at] : items) {
    relation_step one;
    one.path = at;
    if (verb == "create") {
      one.verb = nested_verb::create;
      one.data = std::make_unique<write_node>(node(target, *item, validation_mode::create, at, w.back, linked));
    } else if (verb == "connect") {
      one.verb = nested_verb::connect;
      if (!lookup(target, *item, at, one.where)) continue;
    } else if (verb == "connectOrCreate") {
      one.verb = nested_verb::connect_or_create;
      const document *where = item->what == document::kind::object ? item->get("where") : nullptr;
      const document *create = item->what == document::kind::object ? item->get("create") : nullptr;
      if (!where || !create || item->object.size() != 2) {
        issue(at, "invalid_type", "connectOrCreate takes {where: <a unique key of " + target.name + ">, create: {...}}");
        continue;
      }
      lookup(target, *where, under(at, "where"), one.where);
      one.data = std::make_unique<write_node>(node(target, *create, validation_mode::create, under(at, "create"), w.back, linked));
    } else if (verb == "update") {
      one.verb = nested_verb::update;
      const document *data = item;
      if (many) {
        const document *where = item->what == document::kind::object ? item->get("where") : nullptr;
        data = item->what == document::kind::object ? item->get("data") : nullptr;
        if (!where || !data || item->object.size() != 2) {
          issue(at, "invalid_type", "update on a to-many relation takes {where: <a unique key of " + target.name + ">, data: {...}}");
          continue;
        }
        lookup(target, *where, under(at, "where"), one.where);
        one.data = std::make_unique<write_node>(node(target, *data, validation_mode::update, under(at, "data"), w.back, linked));
      } else {
        one.data = std::make_unique<write_node>(node(target, *data, validation_mode::update, at, w.back, linked));
      }
    } else {  // to-many disconnect or delete: by a unique key
      one.verb = verb == "delete" ? nested_verb::remove : nested_verb::disconnect;
      if (!lookup(target, *item, at, one.where)) continue;
    }
    w.steps.push_back(std::move(one));
  }
}

std::vector<std::pair<const document *, std::vector<std::string>>> nested_write_planner::items_of(const document &arg,
                                                                                                  const std::vector<std::string> &path) {
  std::vector<std::pair<const document *, std::vector<std::string>>> items;
  if (arg.what == document::kind::array)
    for (std::size_t k = 0; k < arg.array.size(); ++k) items.emplace_back(&arg.array[k], under(path, std::to_string(k)));
  else
    items.emplace_back(&arg, path);
  return items;
}

// upsert: the related record (to-one: the one connected; to-many: the one `where` names among the
// connected ones) is updated with `update` if it exists, else created from `create` and connected.
void nested_write_planner::upsert(relation_write &w, const document &arg, const std::vector<std::string> &path) {
  const bool many = w.field->list;
  const model_def &target = *w.target;
  if (arg.what == document::kind::array && !many) {
    issue(path, "invalid_type", "upsert on the to-one relation " + w.field->name + " takes one object, received array");
    return;
  }
  const std::vector<std::string> linked = linked_fields(w);
  for (const auto &[item, at] : items_of(arg, path)) {
    const document *where = item->what == document::kind::object ? item->get("where") : nullptr;
    const document *create = item->what == document::kind::object ? item->get("create") : nullptr;
    const document *update = item->what == document::kind::object ? item->get("update") : nullptr;
    if (!create || !update || (many && !where) || item->object.size() != (many ? 3u : 2u)) {
      issue(at, "invalid_type",
            many ? "upsert on a to-many relation takes {where: <a unique key of " + target.name + ">, create: {...}, update: {...}}"
                 : "upsert on a to-one relation takes {create: {...}, update: {...}}");
      continue;
    }
    relation_step one;
    one.verb = nested_verb::upsert;
    one.path = at;
    if (many) lookup(target, *where, under(at, "where"), one.where);
    one.data = std::make_unique<write_node>(node(target, *create, validation_mode::create, under(at, "create"), w.back, linked));
    one.update = std::make_unique<write_node>(node(target, *update, validation_mode::update, under(at, "update"), w.back, linked));
    w.steps.push_back(std::move(one));
  }
}

// `where` as a unique key of `m`; issues go to `path` (where the key was given).
bool nested_write_planner::lookup(const model_def &m, const document &where, const std::vector<std::string> &path,
                                  std::vector<unique_lookup> &out) {
  try {
    auto key = m_repos.of(m).unique_where(where, "a nested lookup");
    out.push_back(unique_lookup{std::move(key.fields), std::move(key.values)});
    return true;
  } catch (const validation_error &e) {
    for (validation_issue i : e.issues()) {
      if (!i.path.empty() && i.path.front() == "where") i.path.erase(i.path.begin());
      i.path.insert(i.path.begin(), path.begin(), path.end());
      m_issues.push_back(std::move(i));
    }
    return false;
  }
}

}  // namespace carrierdb
