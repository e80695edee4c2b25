// schema_parser: reads the data-model subset of Prisma's schema language, with zod rules in /// comments.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "doc_rules.hpp"
#include "schema_lexer.hpp"
#include "schema_rules.hpp"

namespace carrierdb {

namespace {

using namespace schema_lexing;
using schema_rules::did_you_mean;

const std::vector<std::string> field_attributes{"id", "default", "unique", "map", "updatedAt", "relation", "ignore", "db"};
const std::vector<std::string> block_attributes{"map", "unique", "index", "id", "ignore", "schema", "fulltext"};
const std::vector<std::string> scalar_names{"Int", "BigInt", "Float", "Decimal", "Boolean", "String", "DateTime", "Json", "Bytes"};

// An attribute argument or datasource value: "x", 3, IDENT, f(args), [a, b], name: value.
struct expr {
  enum class kind { string, number, ident, call, array } what = kind::ident;
  std::string text;            // string value, number, identifier or function name
  std::string label;           // for named arguments (name: value)
  std::vector<expr> items;     // call arguments or array elements
  int line = 0, column = 0;
};

struct attribute {
  std::string name;  // "id", "default", "db.VarChar", "map", ...
  std::vector<expr> args;
  int line = 0, column = 0;
};

}  // namespace

class schema_parser {
public:
  schema_parser(const std::string &text, const std::string &file) : m_file(file), m_tokens(lexer(text, file).run()) {}

  schema run() {
    schema s;
    s.m_file = m_file;
    std::vector<std::string> docs;
    for (;;) {
      skip_newlines_collecting(docs);
      const token &t = peek();
      if (t.kind == tok::end) break;
      if (t.kind != tok::ident) fail(t, "a block (datasource, generator, model or enum)");
      if (t.text == "datasource") {
        next();
        parse_datasource(s);
      } else if (t.text == "generator") {
        next();
        expect_ident("a generator name");
        skip_block();
      } else if (t.text == "model") {
        next();
        parse_model(s);
      } else if (t.text == "enum") {
        next();
        s.m_enums.push_back(parse_enum());
      } else if (t.text == "type" || t.text == "view") {
        // Recorded, not fatal: the models that do not use it stay usable.
        const token &keyword = next();
        unsupported_block u;
        u.keyword = keyword.text;
        const token &name = expect_ident("a " + keyword.text + " name");
        u.name = name.text;
        u.where = {m_file, name.line, name.column};
        u.message = "'" + keyword.text + "' blocks are not supported yet (" + keyword.text + " " + name.text + ")";
        u.hint = "carrierdb reads datasource, generator, model and enum blocks";
        s.m_unsupported.push_back(std::move(u));
        skip_block();
      } else {
        fail(t, "a block (datasource, generator, model or enum)");
      }
      docs.clear();
    }
    resolve(s);
    return s;
  }

private:
  // ---- token helpers -------------------------------------------------------------------------
  const token &peek(std::size_t ahead = 0) const { return m_tokens[std::min(m_index + ahead, m_tokens.size() - 1)]; }
  const token &next() { return m_tokens[std::min(m_index++, m_tokens.size() - 1)]; }
  [[noreturn]] void fail(const token &t, const std::string &expected) const {
    throw schema_error("expected " + expected + ", found " + describe(t), m_file, t.line, t.column);
  }
  bool at_punct(const char *p, std::size_t ahead = 0) const { return peek(ahead).kind == tok::punct && peek(ahead).text == p; }
  const token &expect_punct(const char *p, const std::string &what) {
    if (!at_punct(p)) fail(peek(), what);
    return next();
  }
  const token &expect_ident(const std::string &what) {
    if (peek().kind != tok::ident) fail(peek(), what);
    return next();
  }
  // A `model` or `enum` block's name, up to its opening brace; `where` gets where the name stands.
  std::string block_head(const std::string &what, const std::string &keyword, source_location &where) {
    const token &name = expect_ident(what);
    where = {m_file, name.line, name.column};
    skip_newlines();
    expect_punct("{", "'{' after " + keyword + " " + name.text);
    return name.text;
  }
  void skip_newlines() {
    while (peek().kind == tok::newline || peek().kind == tok::doc) next();
  }
  void skip_newlines_collecting(std::vector<std::string> &docs) {
    while (peek().kind == tok::newline || peek().kind == tok::doc) {
      if (peek().kind == tok::doc) docs.push_back(peek().text);
      next();
    }
  }
  void end_of_line(const std::string &after) {
    if (peek().kind == tok::newline || peek().kind == tok::end || at_punct("}")) return;
    fail(peek(), "end of line after " + after);
  }

  // ---- expressions ---------------------------------------------------------------------------
  expr parse_expr() {
    const token &t = peek();
    expr e;
    e.line = t.line;
    e.column = t.column;
    if (t.kind == tok::string) {
      e.what = expr::kind::string;
      e.text = next().text;
    } else if (t.kind == tok::number) {
      e.what = expr::kind::number;
      e.text = next().text;
    } else if (t.kind == tok::ident) {
      e.text = next().text;
      if (at_punct("(")) {
        e.what = expr::kind::call;
        e.items = parse_args();
      } else {
        e.what = expr::kind::ident;
      }
    } else if (at_punct("[")) {
      next();
      e.what = expr::kind::array;
      skip_newlines();
      while (!at_punct("]")) {
        e.items.push_back(parse_expr());
        skip_newlines();
        if (at_punct(",")) {
          next();
          skip_newlines();
        } else if (!at_punct("]")) {
          fail(peek(), "',' or ']'");
        }
      }
      next();
    } else {
      fail(t, "a value (string, number, name, function call or list)");
    }
    return e;
  }

  std::vector<expr> parse_args() {
    expect_punct("(", "'('");
    std::vector<expr> args;
    while (!at_punct(")")) {
      std::string label;
      if (peek().kind == tok::ident && at_punct(":", 1)) {
        label = next().text;
        next();
      }
      expr e = parse_expr();
      e.label = label;
      args.push_back(std::move(e));
      if (at_punct(",")) next();
      else if (!at_punct(")")) fail(peek(), "',' or ')'");
    }
    next();
    return args;
  }

  attribute parse_attribute_name(const token &at) {
    attribute a;
    a.line = at.line;
    a.column = at.column;
    a.name = expect_ident("an attribute name").text;
    while (at_punct(".")) {
      next();
      a.name += "." + expect_ident("an attribute name after '.'").text;
    }
    if (at_punct("(")) a.args = parse_args();
    return a;
  }

  std::string string_arg(const attribute &a, const std::string &label = "") {
    for (const auto &e : a.args)
      if (e.label == label && e.what == expr::kind::string) return e.text;
    throw schema_error("@" + a.name + " expects a string argument" + (label.empty() ? "" : " '" + label + "'"), m_file, a.line,
                       a.column, "e.g. @" + a.name + "(\"name\")");
  }

  // The optional string argument `label` (name: "...", map: "..."), or "".
  std::string optional_string(const attribute &a, const std::string &label) {
    for (const auto &e : a.args)
      if (e.label == label) {
        if (e.what != expr::kind::string)
          throw schema_error("@" + a.name + "(" + label + ": ...) expects a string", m_file, e.line, e.column, "e.g. " + label + ": \"name\"");
        return e.text;
      }
    return {};
  }

  // A list of field names, `[a, b]`; `what` says where in errors.
  std::vector<std::string> name_list(const expr &e, const std::string &what) {
    if (e.what != expr::kind::array) throw schema_error(what + " expects a list of fields", m_file, e.line, e.column, "e.g. [a, b]");
    std::vector<std::string> out;
    for (const auto &item : e.items) {
      if (item.what != expr::kind::ident) throw schema_error("expected a field name in " + what, m_file, item.line, item.column);
      out.push_back(item.text);
    }
    return out;
  }

  // @@id/@@unique/@@index: the fields (each maybe `name(sort: Desc, length: 10)`) and options.
  index_def key_definition(const attribute &a, index_def::kind what) {
    index_def k;
    k.what = what;
    k.where = {m_file, a.line, a.column};
    k.name = optional_string(a, "name");
    k.map = optional_string(a, "map");
    bool listed = false;
    for (const auto &e : a.args) {
      if (e.label == "type") {
        if (e.what != expr::kind::ident) throw schema_error("@@index(type: ...) expects an index method name", m_file, e.line, e.column);
        k.type = e.text;
      } else if ((e.label.empty() || e.label == "fields") && e.what == expr::kind::array) {
        listed = true;
        for (const auto &item : e.items) {
          if (item.what != expr::kind::ident && item.what != expr::kind::call)
            throw schema_error("expected a field name in @@" + a.name, m_file, item.line, item.column);
          index_field f;
          f.name = item.text;
          for (const auto &opt : item.items) {
            if (opt.label == "sort" && (opt.text == "Asc" || opt.text == "Desc")) f.descending = opt.text == "Desc";
            else if (opt.label == "length" && opt.what == expr::kind::number) f.length = std::atoi(opt.text.c_str());
            else if (opt.label != "ops")
              throw schema_error("unexpected argument in " + item.text + "(...): expected sort: Asc|Desc or length: n", m_file, opt.line,
                                 opt.column);
          }
          k.fields.push_back(std::move(f));
        }
      }
    }
    if (!listed) throw schema_error("@@" + a.name + " expects a list of fields", m_file, a.line, a.column, "e.g. @@" + a.name + "([a, b])");
    return k;
  }

  // ---- blocks --------------------------------------------------------------------------------
  void skip_block() {
    skip_newlines();
    expect_punct("{", "'{'");
    int depth = 1;
    while (depth > 0) {
      const token &t = next();
      if (t.kind == tok::end) throw schema_error("unterminated block: missing '}'", m_file, t.line, t.column);
      if (t.kind == tok::punct && t.text == "{") ++depth;
      if (t.kind == tok::punct && t.text == "}") --depth;
    }
  }

  void parse_datasource(schema &s) {
    expect_ident("a datasource name");
    skip_newlines();
    expect_punct("{", "'{'");
    for (;;) {
      skip_newlines();
      if (at_punct("}")) {
        next();
        return;
      }
      const token &key = expect_ident("a datasource setting or '}'");
      expect_punct("=", "'=' after " + key.text);
      const expr value = parse_expr();
      end_of_line(key.text);
      if (key.text == "provider") {
        if (value.what != expr::kind::string) throw schema_error("provider must be a string", m_file, value.line, value.column);
        s.m_provider = value.text;
        if (s.m_provider == "postgres") s.m_provider = "postgresql";
      } else if (key.text == "url" && value.what == expr::kind::call && value.text == "env" && !value.items.empty()) {
        s.m_url_env = value.items[0].text;
      }
    }
  }

  // A model, or (with @@schema: multi-schema is not supported yet) an unsupported block.
  void parse_model(schema &s) {
    model_def m;
    std::optional<attribute> multi_schema;
    m.name = m.table = block_head("a model name", "model", m.where);
    std::vector<std::string> field_docs;
    std::vector<source_location> doc_where;
    for (;;) {
      while (peek().kind == tok::newline || peek().kind == tok::doc) {
        if (peek().kind == tok::doc) {
          field_docs.push_back(peek().text);
          doc_where.push_back({m_file, peek().line, peek().column});
        }
        next();
      }
      if (at_punct("}")) {
        next();
        break;
      }
      if (peek().kind == tok::end) fail(peek(), "'}' to close model " + m.name);
      if (at_punct("@@")) {
        const token &at = next();
        const attribute a = parse_attribute_name(at);
        end_of_line("@@" + a.name);
        if (a.name == "map") m.table = string_arg(a);
        else if (a.name == "unique") m.keys.push_back(key_definition(a, index_def::kind::unique));
        else if (a.name == "index") m.keys.push_back(key_definition(a, index_def::kind::index));
        else if (a.name == "id") m.keys.push_back(key_definition(a, index_def::kind::primary));
        else if (a.name == "ignore") {
          m.ignored = true;
          m.ignored_at = {m_file, a.line, a.column};
        }
        else if (a.name == "schema") multi_schema = a;
        else
          throw schema_error("block attribute @@" + a.name + " is not supported yet" + did_you_mean(a.name, block_attributes), m_file, a.line,
                             a.column, "supported: @@map, @@unique, @@index, @@id, @@ignore");
        field_docs.clear();
        doc_where.clear();
        continue;
      }
      m.fields.push_back(parse_field(m, field_docs, doc_where));
      field_docs.clear();
      doc_where.clear();
    }
    for (const auto &f : m.fields)
      if (f.id) m.id_fields = {f.name};
    for (const auto &k : m.keys) {
      if (k.what == index_def::kind::primary) m.id_fields = k.field_names();
      if (k.what == index_def::kind::unique) m.uniques.push_back(k.field_names());
      if (k.what == index_def::kind::index) m.indexes.push_back(k.field_names());
    }
    if (multi_schema) {
      unsupported_block u{"model", m.name, "multi-schema (@@schema) is not supported yet (model " + m.name + ")",
                          "carrierdb reads the models of the connection's own schema", {m_file, multi_schema->line, multi_schema->column}};
      s.m_unsupported.push_back(std::move(u));
      return;
    }
    s.m_models.push_back(std::move(m));
  }

  field_def parse_field(const model_def &m, const std::vector<std::string> &docs, const std::vector<source_location> &doc_where) {
    field_def f;
    const token &name = expect_ident("a field name or '}'");
    f.name = name.text;
    f.column = name.text;
    f.where = {m_file, name.line, name.column};
    for (const auto &existing : m.fields)
      if (existing.name == f.name)
        throw schema_error("field " + f.name + " is defined twice in model " + m.name, m_file, name.line, name.column);
    const token &type = expect_ident("a type after field " + f.name);
    f.type_name = type.text;
    if (type.text == "Unsupported") {
      // A column Prisma cannot represent: kept, neither read nor written.
      parse_args();
      f.kind = field_kind::unsupported;
      f.unsupported = "field " + f.name + " has an Unsupported(...) type, which carrierdb cannot read or write";
    }
    if (at_punct("?")) {
      next();
      f.optional = true;
    } else if (at_punct("[")) {
      next();
      expect_punct("]", "']'");
      f.list = true;
    }
    while (at_punct("@")) {
      const token &at = next();
      apply_field_attribute(f, parse_attribute_name(at));
    }
    end_of_line("field " + f.name);
    for (std::size_t k = 0; k < docs.size(); ++k) read_doc_comment(f, docs[k], doc_where[k]);
    return f;
  }

  void apply_field_attribute(field_def &f, const attribute &a) {
    if (a.name == "id") {
      f.id = true;
      f.id_map = optional_string(a, "map");
    } else if (a.name == "unique") {
      f.unique = true;
      f.unique_map = optional_string(a, "map");
    } else if (a.name == "updatedAt") {
      f.updated_at = true;
    } else if (a.name == "map") {
      f.column = string_arg(a);
    } else if (a.name == "default") {
      if (a.args.empty()) throw schema_error("@default needs a value", m_file, a.line, a.column);
      const expr &v = a.args[0];
      default_value d;
      if (v.what == expr::kind::call) {
        if (v.text == "autoincrement") d.what = default_value::kind::autoincrement;
        else if (v.text == "now") d.what = default_value::kind::now;
        else if (v.text == "uuid") d.what = default_value::kind::uuid;
        else if (v.text == "cuid") d.what = default_value::kind::cuid;
        else if (v.text == "dbgenerated") {
          d.what = default_value::kind::db_generated;
          if (!v.items.empty()) d.text = v.items[0].text;
        } else
          throw schema_error("@default(" + v.text + "()) is not supported yet", m_file, v.line, v.column,
                             "supported: autoincrement(), now(), uuid(), cuid(), dbgenerated(\"...\"), a literal, a list or an enum value");
      } else if (v.what == expr::kind::ident && (v.text == "true" || v.text == "false")) {
        d.what = default_value::kind::literal;
        d.text = v.text;
      } else if (v.what == expr::kind::ident) {
        d.what = default_value::kind::enum_value;
        d.text = v.text;
      } else if (v.what == expr::kind::string || v.what == expr::kind::number) {
        d.what = default_value::kind::literal;
        d.text = v.text;
      } else if (v.what == expr::kind::array) {
        // As JSON text ("[1, 2]", "[\"a\", \"b\"]"), so a string element keeps its quotes apart from
        // an enum value or a number.
        d.what = default_value::kind::list_literal;
        for (const auto &item : v.items) {
          nlohmann::json element;
          if (item.what == expr::kind::string || (item.what == expr::kind::ident && item.text != "true" && item.text != "false"))
            element = item.text;
          else if (item.what == expr::kind::number || item.what == expr::kind::ident)
            element = nlohmann::json::parse(item.text, nullptr, false);
          else
            throw schema_error("unsupported element in a @default list", m_file, item.line, item.column, "write strings, numbers, true/false or enum values");
          if (element.is_discarded()) throw schema_error("unsupported number " + item.text + " in a @default list", m_file, item.line, item.column);
          d.text += (d.text.empty() ? "" : ", ") + element.dump();
        }
        d.text = "[" + d.text + "]";
      } else {
        throw schema_error("unsupported @default value", m_file, v.line, v.column);
      }
      f.default_ = d;
    } else if (a.name.rfind("db.", 0) == 0) {
      f.native_type = a.name.substr(3);
      for (const auto &arg : a.args) f.native_args.push_back(arg.text);
    } else if (a.name == "relation") {
      f.relation = relation_attribute(a);
    } else if (a.name == "ignore") {
      f.ignored = true;
    } else {
      throw schema_error("field attribute @" + a.name + " is not supported yet" + did_you_mean(a.name, field_attributes), m_file, a.line,
                         a.column, "supported: @id, @default, @unique, @map, @updatedAt, @relation, @ignore, @db.*");
    }
  }

  // @relation("name", fields: [...], references: [...], onDelete: X, onUpdate: X, map: "..."), as
  // written; resolve_relations() pairs and checks it.
  relation_info relation_attribute(const attribute &a) {
    relation_info r;
    r.where = {m_file, a.line, a.column};
    const auto action = [&](const expr &e) {
      static const std::pair<const char *, referential_action> names[] = {{"Cascade", referential_action::cascade},
                                                                          {"Restrict", referential_action::restrict},
                                                                          {"NoAction", referential_action::no_action},
                                                                          {"SetNull", referential_action::set_null},
                                                                          {"SetDefault", referential_action::set_default}};
      for (const auto &[name, act] : names)
        if (e.what == expr::kind::ident && e.text == name) return act;
      std::vector<std::string> known;
      for (const auto &[name, act] : names) known.emplace_back(name);
      throw schema_error("expected a referential action for " + e.label + ", found '" + e.text + "'" + did_you_mean(e.text, known), m_file,
                         e.line, e.column, "use Cascade, Restrict, NoAction, SetNull or SetDefault");
    };
    for (const auto &e : a.args) {
      if (e.label.empty() || e.label == "name") {
        if (e.what != expr::kind::string) throw schema_error("@relation expects its name as a string", m_file, e.line, e.column);
        r.name = e.text;
      } else if (e.label == "fields") r.fields = name_list(e, "@relation(fields: ...)");
      else if (e.label == "references") r.references = name_list(e, "@relation(references: ...)");
      else if (e.label == "onDelete") r.on_delete = action(e);
      else if (e.label == "onUpdate") r.on_update = action(e);
      else if (e.label == "map") {
        if (e.what != expr::kind::string) throw schema_error("@relation(map: ...) expects a string", m_file, e.line, e.column);
        r.constraint_name = e.text;
      } else {
        throw schema_error("unknown @relation argument '" + e.label + "'" +
                               did_you_mean(e.label, {"name", "fields", "references", "onDelete", "onUpdate", "map"}),
                           m_file, e.line, e.column, "@relation takes name, fields, references, onDelete, onUpdate and map");
      }
    }
    return r;
  }

  enum_def parse_enum() {
    enum_def e;
    e.name = e.db_name = block_head("an enum name", "enum", e.where);
    for (;;) {
      skip_newlines();
      if (at_punct("}")) {
        next();
        break;
      }
      if (at_punct("@@")) {
        const token &at = next();
        const attribute a = parse_attribute_name(at);
        if (a.name != "map") throw schema_error("@@" + a.name + " is not supported on enums", m_file, a.line, a.column, "enums take @@map");
        e.db_name = string_arg(a);
        continue;
      }
      const token &value = expect_ident("an enum value or '}'");
      if (e.contains(value.text)) throw schema_error("enum value " + value.text + " is listed twice", m_file, value.line, value.column);
      std::string db_value = value.text;
      while (at_punct("@")) {
        const attribute a = parse_attribute_name(next());
        if (a.name != "map")
          throw schema_error("enum values take @map only, found @" + a.name + did_you_mean(a.name, {"map"}), m_file, a.line, a.column);
        db_value = string_arg(a);
      }
      e.values.push_back(value.text);
      e.db_values.push_back(db_value);
      end_of_line("enum value " + value.text);
    }
    if (e.values.empty()) throw schema_error("enum " + e.name + " has no values", m_file, e.where.line, e.where.column);
    return e;
  }

  // ---- after all blocks: types, keys, relations ---------------------------------------------------
  void resolve(schema &s) {
    schema_rules::resolve_fields(s.m_models, s.m_enums, s.m_unsupported, s.m_provider, m_file);
    schema_rules::resolve_relations(s.m_models, s.m_provider, m_file);
  }

  std::string m_file;
  std::vector<token> m_tokens;
  std::size_t m_index = 0;
};

schema schema::parse(const std::string &text, const std::string &file) { return schema_parser(text, file).run(); }

schema schema::load(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw schema_error("cannot read the schema file", path, 0, 0, "create schema.prisma, or pass its path");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

}  // namespace carrierdb
