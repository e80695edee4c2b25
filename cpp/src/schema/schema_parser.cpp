// schema_parser: reads the data-model subset of Prisma's schema language, with zod rules in /// comments.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "carrierdb/error.hpp"
#include "carrierdb/schema/schema.hpp"
#include "doc_rules.hpp"
#include "schema_lexer.hpp"

namespace carrierdb {

namespace {

using namespace schema_lexing;

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
        s.m_models.push_back(parse_model());
      } else if (t.text == "enum") {
        next();
        s.m_enums.push_back(parse_enum());
      } else if (t.text == "type" || t.text == "view") {
        throw schema_error("'" + t.text + "' blocks are not supported yet", m_file, t.line, t.column,
                           "carrierdb reads datasource, generator, model and enum blocks");
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

  std::vector<std::string> field_list(const attribute &a) {
    for (const auto &e : a.args) {
      if ((e.label.empty() || e.label == "fields") && e.what == expr::kind::array) {
        std::vector<std::string> out;
        for (const auto &item : e.items) {
          if (item.what != expr::kind::ident && item.what != expr::kind::call)
            throw schema_error("expected a field name in @@" + a.name, m_file, item.line, item.column);
          out.push_back(item.text);
        }
        return out;
      }
    }
    throw schema_error("@@" + a.name + " expects a list of fields", m_file, a.line, a.column, "e.g. @@" + a.name + "([a, b])");
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

  model_def parse_model() {
    model_def m;
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
        else if (a.name == "unique") m.uniques.push_back(field_list(a));
        else if (a.name == "index") m.indexes.push_back(field_list(a));
        else if (a.name == "id") m.id_fields = field_list(a);
        else
          throw schema_error("block attribute @@" + a.name + " is not supported yet", m_file, a.line, a.column,
                             "supported: @@map, @@unique, @@index, @@id");
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
    return m;
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
    if (type.text == "Unsupported")
      throw schema_error("Unsupported(...) fields are not supported", m_file, type.line, type.column);
    if (at_punct("?")) {
      next();
      f.optional = true;
    } else if (at_punct("[")) {
      next();
      expect_punct("]", "']'");
      throw schema_error("list fields (" + type.text + "[]) are not supported yet", m_file, type.line, type.column,
                         "use a scalar field, or a Json field for a list of values");
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
    } else if (a.name == "unique") {
      f.unique = true;
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
        else
          throw schema_error("@default(" + v.text + "()) is not supported yet", m_file, v.line, v.column,
                             "supported: autoincrement(), now(), uuid(), cuid(), a literal or an enum value");
      } else if (v.what == expr::kind::ident && (v.text == "true" || v.text == "false")) {
        d.what = default_value::kind::literal;
        d.text = v.text;
      } else if (v.what == expr::kind::ident) {
        d.what = default_value::kind::enum_value;
        d.text = v.text;
      } else if (v.what == expr::kind::string || v.what == expr::kind::number) {
        d.what = default_value::kind::literal;
        d.text = v.text;
      } else {
        throw schema_error("unsupported @default value", m_file, v.line, v.column);
      }
      f.default_ = d;
    } else if (a.name.rfind("db.", 0) == 0) {
      f.native_type = a.name.substr(3);
      for (const auto &arg : a.args) f.native_args.push_back(arg.text);
    } else if (a.name == "relation") {
      throw schema_error("relations are not supported yet (@relation on " + f.name + ")", m_file, a.line, a.column,
                         "model the foreign key as a scalar field for now");
    } else {
      throw schema_error("field attribute @" + a.name + " is not supported yet", m_file, a.line, a.column,
                         "supported: @id, @default, @unique, @map, @updatedAt, @db.*");
    }
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
        if (a.name != "map") throw schema_error("@@" + a.name + " is not supported on enums", m_file, a.line, a.column);
        e.db_name = string_arg(a);
        continue;
      }
      const token &value = expect_ident("an enum value or '}'");
      if (at_punct("@"))
        throw schema_error("attributes on enum values (@map) are not supported yet", m_file, peek().line, peek().column);
      if (e.contains(value.text)) throw schema_error("enum value " + value.text + " is listed twice", m_file, value.line, value.column);
      e.values.push_back(value.text);
      end_of_line("enum value " + value.text);
    }
    if (e.values.empty()) throw schema_error("enum " + e.name + " has no values", m_file, e.where.line, e.where.column);
    return e;
  }

  // ---- after all blocks: types, keys -------------------------------------------------------------
  void resolve(schema &s) {
    std::set<std::string> model_names, enum_names;
    for (const auto &m : s.m_models) {
      if (!model_names.insert(m.name).second)
        throw schema_error("model " + m.name + " is defined twice", m_file, m.where.line, m.where.column);
    }
    for (const auto &e : s.m_enums) {
      if (!enum_names.insert(e.name).second || model_names.count(e.name))
        throw schema_error("enum " + e.name + " clashes with another model or enum", m_file, e.where.line, e.where.column);
    }
    for (auto &m : s.m_models) {
      for (auto &f : m.fields) {
        const std::string &t = f.type_name;
        const source_location &w = f.where;
        if (model_names.count(t))
          throw schema_error("relation field " + f.name + " (" + t + ") is not supported yet", m_file, w.line, w.column,
                             "model the foreign key as a scalar field for now");
        if (enum_names.count(t)) {
          f.type = scalar_type::enum_;
        } else if (t == "Int") f.type = scalar_type::int_;
        else if (t == "BigInt") f.type = scalar_type::bigint;
        else if (t == "Float") f.type = scalar_type::float_;
        else if (t == "Decimal") f.type = scalar_type::decimal;
        else if (t == "Boolean") f.type = scalar_type::boolean;
        else if (t == "String") f.type = scalar_type::string;
        else if (t == "DateTime") f.type = scalar_type::datetime;
        else if (t == "Json") f.type = scalar_type::json;
        else if (t == "Bytes")
          throw schema_error("Bytes fields are not supported yet", m_file, w.line, w.column);
        else
          throw schema_error("unknown type '" + t + "' for field " + f.name, m_file, w.line, w.column,
                             "use a scalar type (Int, BigInt, Float, Decimal, Boolean, String, DateTime, Json) or an enum");
        const bool numeric = f.type == scalar_type::int_ || f.type == scalar_type::bigint || f.type == scalar_type::float_ ||
                             f.type == scalar_type::decimal;
        for (const auto &rule : f.rules) {
          if ((rule.kind == "string" && f.type != scalar_type::string) || (rule.kind != "string" && !numeric))
            throw schema_error("@zod." + rule.kind + " rules on field " + f.name + " of type " + t, m_file, rule.where.line,
                               rule.where.column, "use @zod.string rules on String fields and @zod.number rules on numeric fields");
        }
        if (f.default_ && f.default_->what == default_value::kind::enum_value) {
          const enum_def *e = s.enumeration(t);
          if (!e || !e->contains(f.default_->text))
            throw schema_error("@default(" + f.default_->text + ") is not a value of " + t, m_file, w.line, w.column);
        }
        if (f.default_ && f.default_->what == default_value::kind::autoincrement && f.type != scalar_type::int_ &&
            f.type != scalar_type::bigint)
          throw schema_error("autoincrement() needs an Int or BigInt field", m_file, w.line, w.column);
        if (f.updated_at && f.type != scalar_type::datetime)
          throw schema_error("@updatedAt needs a DateTime field", m_file, w.line, w.column);
        // As Prisma: now() fills DateTime fields only, uuid() and cuid() String fields only.
        if (f.default_ && f.default_->what == default_value::kind::now && f.type != scalar_type::datetime)
          throw schema_error("now() needs a DateTime field (" + f.name + " is " + t + ")", m_file, w.line, w.column);
        if (f.default_ && (f.default_->what == default_value::kind::uuid || f.default_->what == default_value::kind::cuid) &&
            f.type != scalar_type::string)
          throw schema_error(std::string(f.default_->what == default_value::kind::uuid ? "uuid()" : "cuid()") + " needs a String field (" +
                                 f.name + " is " + t + ")",
                             m_file, w.line, w.column);
      }
      for (const auto &list : {m.uniques, m.indexes})
        for (const auto &fields : list)
          for (const auto &name : fields)
            if (!m.field(name))
              throw schema_error("model " + m.name + " has no field " + name, m_file, m.where.line, m.where.column);
      for (const auto &name : m.id_fields)
        if (!m.field(name)) throw schema_error("model " + m.name + " has no field " + name + " for @@id", m_file, m.where.line, m.where.column);
      if (m.id_fields.empty())
        throw schema_error("model " + m.name + " has no @id field", m_file, m.where.line, m.where.column,
                           "mark one field with @id (e.g. id Int @id @default(autoincrement()))");
    }
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
