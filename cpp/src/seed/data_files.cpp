// Streaming readers for CSV (RFC 4180), JSON arrays (SAX) and NDJSON, and file checksums.
#include "carrierdb/seed/data_files.hpp"
#include "carrierdb/base/base64.hpp"
#include "carrierdb/schema/list_values.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <nlohmann/json.hpp>

#include "carrierdb/error.hpp"
#include "carrierdb/utf8.hpp"

namespace carrierdb {

namespace {

[[noreturn]] void bad_file(const std::string &path, std::int64_t line, const std::string &what, const std::string &hint = {}) {
  throw configuration_error(path + (line > 0 ? ":" + std::to_string(line) : "") + ": " + what, hint);
}

bool ends_with(const std::string &s, const char *suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

std::uint64_t size_of(std::ifstream &in) {
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0, std::ios::beg);
  return size;
}

// nlohmann's parser refuses a JSON file that is not UTF-8 as a whole, naming neither the record
// nor the field. So that such bytes are reported like a CSV's (a validation issue at the line and
// field), each one crosses the parser as a private-use character, U+10FF00 + the byte (4 bytes:
// F4 8F BE|BF xx), and is put back in the values read: the one UTF-8 check then sees the file's
// own bytes. Only text that held such bytes is put back (`marked`).
void append_mark(std::string &out, unsigned char byte) {
  const unsigned code_point = 0x10FF00u + byte;
  out += static_cast<char>(0xF4);
  out += static_cast<char>(0x8F);
  out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
  out += static_cast<char>(0x80 | (code_point & 0x3F));
}

// Appends `text` to `out`, each byte that is not well-formed UTF-8 marked. Unless `last`, a
// sequence cut off by the end of `text` is held back (its length is returned) for the next chunk.
std::size_t append_marked(std::string_view text, bool last, std::string &out, bool &marked) {
  while (!text.empty()) {
    const std::size_t at = invalid_utf8_at(text);
    if (at == std::string_view::npos) {
      out.append(text);
      return 0;
    }
    out.append(text.substr(0, at));
    const auto lead = static_cast<unsigned char>(text[at]);
    std::size_t tail = at + 1;
    while (tail < text.size() && (static_cast<unsigned char>(text[tail]) & 0xC0) == 0x80) ++tail;
    if (!last && tail == text.size() && lead >= 0xC2 && lead <= 0xF4 && text.size() - at < 4) return text.size() - at;
    append_mark(out, lead);
    marked = true;
    text.remove_prefix(at + 1);
  }
  return 0;
}

void unmark(std::string &s) {
  std::size_t out = 0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (static_cast<unsigned char>(s[k]) == 0xF4 && k + 3 < s.size() && static_cast<unsigned char>(s[k + 1]) == 0x8F &&
        (static_cast<unsigned char>(s[k + 2]) & 0xFE) == 0xBE) {
      s[out++] = static_cast<char>(0x80 + (((static_cast<unsigned char>(s[k + 2]) & 1) << 6) | (static_cast<unsigned char>(s[k + 3]) & 0x3F)));
      k += 3;
    } else {
      s[out++] = s[k];
    }
  }
  s.resize(out);
}

value from_json(const nlohmann::json &j, bool marked) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return std::monostate{};
    case nlohmann::json::value_t::boolean: return j.get<bool>();
    case nlohmann::json::value_t::number_integer: return j.get<std::int64_t>();
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
      return j.dump();
    }
    case nlohmann::json::value_t::number_float: return j.get<double>();
    case nlohmann::json::value_t::string: {
      std::string text = j.get<std::string>();
      if (marked) unmark(text);
      return text;
    }
    default: {
      std::string text = j.dump();  // objects and arrays: JSON text, for Json fields
      if (marked) unmark(text);
      return text;
    }
  }
}

// The bytes of a JSON array file, each invalid UTF-8 byte marked (see append_mark).
class marking_buffer : public std::streambuf {
public:
  explicit marking_buffer(std::istream &in) : m_in(in) {}
  bool marked() const { return m_marked; }

protected:
  int_type underflow() override {
    while (gptr() == egptr()) {
      if (!m_in) {
        if (m_held.empty()) return traits_type::eof();
        m_out.clear();
        append_marked(m_held, true, m_out, m_marked);
        m_held.clear();
      } else {
        m_in.read(m_raw, sizeof m_raw);
        m_held.append(m_raw, static_cast<std::size_t>(m_in.gcount()));
        m_out.clear();
        const std::size_t held = append_marked(m_held, !m_in, m_out, m_marked);
        m_held.erase(0, m_held.size() - held);
      }
      setg(m_out.data(), m_out.data(), m_out.data() + m_out.size());
    }
    return traits_type::to_int_type(*gptr());
  }

private:
  std::istream &m_in;
  char m_raw[1 << 16];
  std::string m_held, m_out;
  bool m_marked = false;
};

void emit_object(const nlohmann::json &object, std::int64_t line, const std::string &path, bool marked,
                 const std::function<void(source_row &)> &emit) {
  if (!object.is_object()) bad_file(path, line, "expected a JSON object per record, found " + std::string(object.type_name()));
  source_row row;
  row.line = line;
  row.fields.reserve(object.size());
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::string key = it.key();
    if (marked) unmark(key);
    row.fields.emplace_back(std::move(key), from_json(it.value(), marked));
  }
  emit(row);
}

// RFC 4180: fields separated by ',', records by CRLF or LF; "quoted" fields may hold commas,
// line breaks and "" for a quote. An empty unquoted field is NULL, "" is the empty string.
void read_csv(std::ifstream &in, const std::string &path, std::uint64_t total, const std::function<void(source_row &)> &emit,
              const std::function<void(std::uint64_t, std::uint64_t)> &progress) {
  std::vector<std::string> header;
  std::vector<value> fields;
  std::string field;
  bool quoted_field = false;
  std::int64_t line = 1, record_line = 1;
  std::uint64_t consumed = 0, next_report = 1 << 20;
  char buffer[1 << 16];
  enum class state { start, unquoted, quoted, quote_in_quoted } st = state::start;
  bool first_bytes = true;

  const auto end_field = [&] {
    if (!quoted_field && field.empty()) fields.emplace_back(std::monostate{});
    else fields.emplace_back(field);
    field.clear();
    quoted_field = false;
  };
  const auto end_record = [&] {
    end_field();
    if (header.empty()) {
      for (auto &f : fields) {
        std::string name = is_null(f) ? "" : std::get<std::string>(f);
        if (name.empty()) bad_file(path, record_line, "empty column name in the header");
        header.push_back(name);
      }
    } else if (!(fields.size() == 1 && is_null(fields[0]))) {  // blank lines are skipped
      if (fields.size() != header.size())
        bad_file(path, record_line,
                 "expected " + std::to_string(header.size()) + " fields (as in the header), found " + std::to_string(fields.size()),
                 "quote fields that contain commas or line breaks");
      source_row row;
      row.line = record_line;
      row.fields.reserve(fields.size());
      for (std::size_t k = 0; k < fields.size(); ++k) row.fields.emplace_back(header[k], std::move(fields[k]));
      emit(row);
    }
    fields.clear();
    record_line = line;
  };

  while (in) {
    in.read(buffer, sizeof buffer);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    std::size_t start = 0;
    if (first_bytes && n >= 3 && static_cast<unsigned char>(buffer[0]) == 0xEF && static_cast<unsigned char>(buffer[1]) == 0xBB &&
        static_cast<unsigned char>(buffer[2]) == 0xBF)
      start = 3;  // UTF-8 byte order mark
    first_bytes = false;
    for (std::size_t k = start; k < static_cast<std::size_t>(n); ++k) {
      const char c = buffer[k];
      switch (st) {
        case state::start:
          if (c == '"') {
            st = state::quoted;
            quoted_field = true;
            break;
          }
          st = state::unquoted;
          [[fallthrough]];
        case state::unquoted: {
          // Plain characters up to the next delimiter go in as one run.
          std::size_t run = k;
          while (run < static_cast<std::size_t>(n) && buffer[run] != ',' && buffer[run] != '\n') ++run;
          if (run > k) {
            field.append(buffer + k, run - k);
            k = run - 1;
            break;
          }
          if (c == ',') {
            end_field();
            st = state::start;
          } else if (c == '\n') {
            if (!field.empty() && field.back() == '\r') field.pop_back();
            ++line;
            end_record();
            st = state::start;
          } else {
            field += c;
          }
          break;
        }
        case state::quoted:
          if (c == '"') st = state::quote_in_quoted;
          else {
            if (c == '\n') ++line;
            field += c;
          }
          break;
        case state::quote_in_quoted:
          if (c == '"') {
            field += '"';
            st = state::quoted;
          } else if (c == ',') {
            end_field();
            st = state::start;
          } else if (c == '\n') {
            ++line;
            end_record();
            st = state::start;
          } else if (c == '\r') {
            // CR before LF after a closing quote
          } else {
            bad_file(path, line, std::string("unexpected character '") + c + "' after a closing quote", "double a quote inside a quoted field: \"\"");
          }
          break;
      }
    }
    consumed += static_cast<std::uint64_t>(n);
    if (progress && consumed >= next_report) {
      progress(consumed, total);
      next_report = consumed + (1 << 20);
    }
  }
  if (st == state::quoted) bad_file(path, record_line, "unterminated quoted field", "close the quote");
  if (st != state::start || !field.empty() || !fields.empty()) end_record();
  if (header.empty()) bad_file(path, 0, "no header line", "the first line must name the columns");
  if (progress) progress(total, total);
}

// A JSON array of objects, parsed with SAX so that only one element is in memory at a time.
class array_reader : public nlohmann::json_sax<nlohmann::json> {
public:
  array_reader(const std::string &path, const std::function<void(source_row &)> &emit, const marking_buffer &bytes)
      : m_path(path), m_emit(emit), m_bytes(bytes) {}

  bool null() override { return scalar(nullptr); }
  bool boolean(bool v) override { return scalar(v); }
  bool number_integer(number_integer_t v) override { return scalar(v); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(v); }
  bool number_float(number_float_t v, const string_t &) override { return scalar(v); }
  bool string(string_t &v) override { return scalar(v); }
  bool binary(binary_t &) override { return false; }
  bool start_object(std::size_t) override {
    if (m_depth == 0) bad_file(m_path, 0, "expected a JSON array of objects at the top level");
    if (m_depth == 1) {
      m_current = nlohmann::json::object();
      m_stack = {&m_current};
    } else {
      push(nlohmann::json::object());
    }
    ++m_depth;
    return true;
  }
  bool key(string_t &k) override {
    m_key = k;
    return true;
  }
  bool end_object() override {
    --m_depth;
    if (m_depth == 1) {
      ++m_index;
      emit_object(m_current, m_index, m_path, m_bytes.marked(), m_emit);
      m_current = nullptr;
      m_stack.clear();
    } else {
      m_stack.pop_back();
    }
    return true;
  }
  bool start_array(std::size_t) override {
    if (m_depth == 0) {
      m_depth = 1;
      return true;
    }
    if (m_depth == 1) bad_file(m_path, m_index + 1, "expected an object, found an array");
    push(nlohmann::json::array());
    ++m_depth;
    return true;
  }
  bool end_array() override {
    --m_depth;
    if (m_depth > 1) m_stack.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string &, const nlohmann::detail::exception &e) override {
    bad_file(m_path, 0, "malformed JSON at byte " + std::to_string(position) + ": " + e.what());
  }

private:
  bool scalar(nlohmann::json v) {
    if (m_depth <= 1) bad_file(m_path, m_index + 1, "expected an object, found a " + std::string(v.type_name()));
    insert(std::move(v));
    return true;
  }
  void insert(nlohmann::json v) {
    nlohmann::json &top = *m_stack.back();
    if (top.is_object()) top[m_key] = std::move(v);
    else top.push_back(std::move(v));
  }
  void push(nlohmann::json v) {
    nlohmann::json &top = *m_stack.back();
    nlohmann::json *child;
    if (top.is_object()) {
      top[m_key] = std::move(v);
      child = &top[m_key];
    } else {
      top.push_back(std::move(v));
      child = &top.back();
    }
    m_stack.push_back(child);
  }

  const std::string &m_path;
  const std::function<void(source_row &)> &m_emit;
  const marking_buffer &m_bytes;
  int m_depth = 0;
  std::int64_t m_index = 0;
  std::string m_key;
  nlohmann::json m_current;
  std::vector<nlohmann::json *> m_stack;
};

}  // namespace

data_format format_of(const std::string &path) {
  if (ends_with(path, ".csv")) return data_format::csv;
  if (ends_with(path, ".ndjson") || ends_with(path, ".jsonl")) return data_format::ndjson;
  if (ends_with(path, ".json")) return data_format::json;
  throw configuration_error("unknown data file type: " + path, "use .csv, .json (an array of objects) or .ndjson / .jsonl");
}

void read_records(const std::string &path, const std::function<void(source_row &)> &emit,
                  const std::function<void(std::uint64_t, std::uint64_t)> &progress) {
  const data_format format = format_of(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) bad_file(path, 0, "cannot read the file", "check the path in the manifest (it is relative to the manifest)");
  const std::uint64_t total = size_of(in);
  if (format == data_format::csv) {
    read_csv(in, path, total, emit, progress);
  } else if (format == data_format::ndjson) {
    std::string text;
    std::int64_t line = 0;
    std::uint64_t consumed = 0, next_report = 1 << 20;
    while (std::getline(in, text)) {
      ++line;
      consumed += text.size() + 1;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (text.find_first_not_of(" \t") == std::string::npos) continue;
      bool marked = false;
      if (invalid_utf8_at(text) != std::string_view::npos) {
        std::string marked_text;
        append_marked(text, true, marked_text, marked);
        text.swap(marked_text);
      }
      nlohmann::json object;
      try {
        object = nlohmann::json::parse(text);
      } catch (const nlohmann::json::parse_error &e) {
        bad_file(path, line, std::string("malformed JSON: ") + e.what());
      }
      emit_object(object, line, path, marked, emit);
      if (progress && consumed >= next_report) {
        progress(consumed, total);
        next_report = consumed + (1 << 20);
      }
    }
    if (progress) progress(total, total);
  } else {
    marking_buffer bytes(in);
    std::istream marked_in(&bytes);
    array_reader reader(path, emit, bytes);
    nlohmann::json::sax_parse(marked_in, &reader);
    if (progress) progress(total, total);
  }
}

std::string text_of(const value &v) {
  if (is_null(v)) return "";
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  // Bytes as base64 and lists as JSON arrays: what a seed file's cell holds for them (read back
  // by the same validation as any cell).
  if (auto bytes = std::get_if<byte_string>(&v)) return base64_encode(bytes->octets);
  if (auto list = std::get_if<value_list>(&v)) return list_json_text(*list);
  std::ostringstream out;
  out << std::get<double>(v);
  return out.str();
}

std::string csv_quote(const std::string &text) {
  if (text.empty()) return "\"\"";
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace carrierdb
