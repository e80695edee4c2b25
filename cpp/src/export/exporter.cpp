// export_csv() and pseudonym(): seed files from live rows, anonymised deterministically.
#include "carrierdb/export/exporter.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <filesystem>
#include <fstream>

#include "carrierdb/error.hpp"
#include "carrierdb/repo/repository.hpp"
#include "carrierdb/seed/data_files.hpp"
#include "carrierdb/schema/field_roles.hpp"
#include "carrierdb/schema/validation.hpp"
#include "numbers.hpp"
#include "parent_keys.hpp"

namespace carrierdb {

namespace {

std::uint64_t keyed_hash(const std::string &salt, const std::string &data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), salt.data(), static_cast<int>(salt.size()), reinterpret_cast<const unsigned char *>(data.data()), data.size(), out,
       &length);
  std::uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 8) | out[k];
  return v;
}

// A keyed permutation of [0, 10^n): a Feistel network over the two halves of the digits (mod
// 10^ceil(n/2) and 10^floor(n/2)). Each round is invertible, so distinct inputs stay distinct:
// anonymised keys never collide.
std::string permute_digits(const std::string &digits, const std::string &salt, const std::string &field) {
  const std::size_t n = digits.size();
  if (n == 0 || n > 18) return digits;
  std::uint64_t a = 1, b = 1;
  for (std::size_t k = 0; k < (n + 1) / 2; ++k) a *= 10;
  for (std::size_t k = 0; k < n / 2; ++k) b *= 10;
  const std::uint64_t x = std::stoull(digits);
  std::uint64_t left = x / b, right = x % b;
  for (int round = 0; round < 8; ++round) {
    const std::string tweak = field + "|" + std::to_string(n) + "|" + std::to_string(round) + "|";
    if (round % 2 == 0) left = (left + keyed_hash(salt, tweak + std::to_string(right)) % a) % a;
    else right = (right + keyed_hash(salt, tweak + std::to_string(left)) % b) % b;
  }
  std::string out = std::to_string(left * b + right);
  return std::string(n - out.size(), '0') + out;
}

const char *const k_first[] = {"Granite", "Silver", "Prairie", "Harbor", "Summit", "Canyon", "Evergreen", "Northstar", "Ironwood", "Bluewater",
                               "Red Rock", "Timberline", "Coastal", "Heartland", "Frontier", "Riverbend", "Crescent", "Highland", "Meadow", "Keystone"};
const char *const k_second[] = {"Peak", "Valley", "Ridge", "Creek", "Point", "Hollow", "Crossing", "Junction", "Landing", "Trail"};
const char *const k_kind[] = {"Freight", "Trucking", "Transport", "Logistics", "Haulage", "Express", "Carriers", "Lines"};
const char *const k_suffix[] = {"LLC", "INC", "Co.", "Corp", "LTD", "Group"};

template <std::size_t N>
const char *pick(const char *const (&words)[N], std::uint64_t h) {
  return words[h % N];
}

}  // namespace

std::string pseudonym(const std::string &text, const std::string &field, const std::string &salt) {
  if (text.size() > 2 && (text[0] == 'M' || text[0] == 'm') && (text[1] == 'C' || text[1] == 'c') &&
      text.find_first_not_of("0123456789", 2) == std::string::npos)
    return "MC" + permute_digits(text.substr(2), salt, field);
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return permute_digits(text, salt, field);
  const std::uint64_t h = keyed_hash(salt, field + "|" + text);
  if (text.find('@') != std::string::npos) {
    static const char hex[] = "0123456789abcdef";
    std::string tag;
    for (int k = 0; k < 10; ++k) tag += hex[(h >> (k * 4)) & 0xF];
    return "user-" + tag + "@example.com";
  }
  return std::string(pick(k_first, h)) + " " + pick(k_second, h >> 8) + " " + pick(k_kind, h >> 16) + " " + pick(k_suffix, h >> 24);
}

std::int64_t export_csv(std::shared_ptr<database> db, std::shared_ptr<const schema> s, const std::string &model_name, const std::string &path,
                        const export_options &options) {
  const model_def *model = s->model_by_accessor(model_name);
  if (!model) throw configuration_error("no model '" + model_name + "' in " + s->file());
  if (model->id_fields.size() != 1) throw configuration_error("export needs a single-field id to page through " + model->name);
  // A parent is named by its natural key (`carrier.mcNumber`): the ids of the next database differ.
  const auto references = exporting::parent_references(*db, *s, *model);
  const auto anonymized = [&](const std::string &name) {
    return std::find(options.anonymize.begin(), options.anonymize.end(), name) != options.anonymize.end();
  };
  for (const auto &f : options.anonymize) {
    const bool reference = std::any_of(references.begin(), references.end(), [&](const exporting::parent_reference &r) {
      return std::find(r.columns.begin(), r.columns.end(), f) != r.columns.end();
    });
    if (!model->field(f) && !reference)
      throw configuration_error("cannot anonymise '" + f + "': " + model->name + " has no such field or reference column",
                                "name a field, or a parent's key column such as carrier.mcNumber");
  }
  std::vector<const field_def *> fields;
  for (const auto &f : model->fields) {
    // Left out: relation fields (not columns); and, because when the file is seeded again the
    // database numbers the ids and the run's clock fills the timestamps, those columns; and the
    // foreign keys written as their parent's natural key.
    if (f.is_column() && !numbered_by_database(f) && !filled_by_run_clock(f) && !exporting::replaced_by_reference(references, f.name))
      fields.push_back(&f);
  }
  // Written beside the target and renamed over it at the end: a failed or interrupted export
  // leaves the target as it was, never half-written.
  const std::string partial = path + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) throw configuration_error("cannot write " + partial + " (beside " + path + ")", "check that the directory exists and is writable");
  struct remove_unless_done {
    const std::string &file;
    bool done = false;
    ~remove_unless_done() {
      std::error_code ignored;
      if (!done) std::filesystem::remove(file, ignored);
    }
  } cleanup{partial};
  for (std::size_t k = 0; k < fields.size(); ++k) out << (k ? "," : "") << fields[k]->name;
  bool first_column = fields.empty();
  for (const auto &ref : references)
    for (const auto &c : ref.columns) {
      out << (first_column ? "" : ",") << c;
      first_column = false;
    }
  out << "\n";

  repository repo(db, s, model->name);
  const std::string &id = model->id_fields[0];
  std::int64_t written = 0;
  value last;
  bool first_page = true;
  constexpr std::int64_t page = 5000;
  for (;;) {
    // Keyset paging by id: stable and flat in memory, whatever the table's size.
    find_options find;
    find.where.what = document::kind::object;
    if (!options.where.is_null()) find.where.object.emplace_back("AND", options.where);
    if (!first_page) {
      document after;
      after.what = document::kind::object;
      after.object.emplace_back("gt", document::of(last));
      document by_id;
      by_id.what = document::kind::object;
      by_id.object.emplace_back(id, after);
      find.where.object.emplace_back("AND", by_id);
    }
    find.order_by.what = document::kind::object;
    find.order_by.object.emplace_back(id, document::of(std::string("asc")));
    find.take = page;
    result r;
    try {
      r = repo.find_many(find);
    } catch (const interrupted_error &e) {
      throw e.retold("the export was interrupted: " + path + " was left as it was", false);
    }
    for (const auto &row : r.rows) {
      for (std::size_t k = 0; k < fields.size(); ++k) {
        std::size_t c = 0;
        while (c < r.columns.size() && r.columns[c].name != fields[k]->name) ++c;
        const value &v = row[c];
        if (k) out << ',';
        if (is_null(v)) continue;  // an empty cell: NULL
        std::string text;
        if (auto str = std::get_if<std::string>(&v)) text = *str;
        else if (auto i = std::get_if<std::int64_t>(&v))
          text = fields[k]->type == scalar_type::datetime ? format_timestamp_ms(*i) : std::to_string(*i);
        else if (auto b = std::get_if<bool>(&v)) text = *b ? "true" : "false";
        else if (auto d = std::get_if<double>(&v)) {
          // A seed file says 3557.45, not 3557.4499999999998 (SQLite holds a Decimal as a double):
          // 15 digits whenever they read back as the same double, all 17 otherwise.
          text = format_double(*d, 15);
          if (parse_double(text.c_str()) != *d) text = format_double(*d);
        }
        else text = text_of(v);  // bytes as base64, lists as JSON arrays (seed/data_files)
        if (anonymized(fields[k]->name)) text = pseudonym(text, fields[k]->name, options.salt);
        out << csv_quote(text);
      }
      bool first_cell = fields.empty();
      for (const auto &ref : references) {
        // A foreign key with a NULL part names no parent (MATCH SIMPLE, as both backends check it).
        std::vector<std::string> fk;
        bool null_part = false;
        for (const auto &field : ref.fk_fields) {
          std::size_t c = 0;
          while (c < r.columns.size() && r.columns[c].name != field) ++c;
          null_part = null_part || is_null(row[c]);
          fk.push_back(null_part ? std::string() : text_of(row[c]));
        }
        const auto parent = null_part ? ref.keys.end() : ref.keys.find(exporting::fk_text(fk));
        for (std::size_t k = 0; k < ref.columns.size(); ++k) {
          if (!first_cell) out << ',';
          first_cell = false;
          if (parent == ref.keys.end()) continue;  // no parent: an empty cell
          // The parent's field's pseudonym: the same value gives the same text in the parent's file.
          const std::string &text = parent->second[k];
          out << csv_quote(anonymized(ref.columns[k]) ? pseudonym(text, ref.target_fields[k], options.salt) : text);
        }
      }
      out << '\n';
      ++written;
    }
    if (r.rows.size() < static_cast<std::size_t>(page)) break;
    std::size_t c = 0;
    while (c < r.columns.size() && r.columns[c].name != id) ++c;
    last = r.rows.back()[c];
    first_page = false;
  }
  out.close();
  if (!out) throw configuration_error("cannot write " + partial + ": the disk may be full");
  if (interrupt_pending())  // the last moment a stop leaves the target untouched
    throw interrupted_error("the export was interrupted: " + path + " was left as it was", interrupt_signal());
  std::error_code renamed;
  std::filesystem::rename(partial, path, renamed);
  if (renamed) throw configuration_error("cannot replace " + path + ": " + renamed.message());
  cleanup.done = true;
  return written;
}

}  // namespace carrierdb
