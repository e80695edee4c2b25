// seeder: streams seed rows through validation into a staging table, then merges by natural key
// with set-based SQL (insert new, update changed, leave unchanged), all in one transaction.
#include "carrierdb/seed/seeder.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "carrierdb/error.hpp"
#include "carrierdb/base/digest.hpp"
#include "carrierdb/base/ids.hpp"
#include "carrierdb/utf8.hpp"
#include "load_refusals.hpp"
#include "pipeline.hpp"
#include "seed_history.hpp"
#include "numbers.hpp"

namespace fs = std::filesystem;

namespace carrierdb {

using namespace seeding;

namespace {

using steady = std::chrono::steady_clock;
constexpr std::size_t k_max_reported_issues = 1000;

std::string text_of(const value &v) {
  if (is_null(v)) return "";
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  std::ostringstream out;
  out << std::get<double>(v);
  return out.str();
}

// CSV text into the field's type, so "42" can be an Int. What does not parse stays text and
// validation reports it with the field's expected type.
value from_text(const field_def &f, value v) {
  const std::string *s = std::get_if<std::string>(&v);
  if (!s) return v;
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: {
      if (s->empty() || s->find_first_not_of("+-0123456789") != std::string::npos) return v;
      try {
        std::size_t used = 0;
        const long long n = std::stoll(*s, &used);
        if (used == s->size()) return static_cast<std::int64_t>(n);
      } catch (...) {
      }
      return v;
    }
    case scalar_type::float_: {
      if (s->empty()) return v;
      char *end = nullptr;
      errno = 0;
      const double d = parse_double(s->c_str(), &end);
      if (end == s->c_str() + s->size() && errno != ERANGE) return d;
      return v;
    }
    case scalar_type::boolean: {
      std::string lower = *s;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "true" || lower == "t" || lower == "1" || lower == "yes") return true;
      if (lower == "false" || lower == "f" || lower == "0" || lower == "no") return false;
      return v;
    }
    default: return v;
  }
}

// A literal or enum @default as a typed value (the database would apply it on INSERT, but a
// staging table has no defaults).
value default_literal(const field_def &f) {
  if (!f.default_) return std::monostate{};
  const default_value &d = *f.default_;
  if (d.what != default_value::kind::literal && d.what != default_value::kind::enum_value) return std::monostate{};
  switch (f.type) {
    case scalar_type::int_:
    case scalar_type::bigint: return static_cast<std::int64_t>(std::stoll(d.text));
    case scalar_type::float_: return parse_double(d.text.c_str());
    case scalar_type::boolean: return d.text == "true";
    default: return d.text;
  }
}

const value *find_field(const record &r, const std::string &name) {
  for (const auto &[k, v] : r)
    if (k == name) return &v;
  return nullptr;
}

}  // namespace

// One run: one connection, one transaction, temporary staging tables.
class seed_run {
public:
  // `files_per_model`: how many sources load each model in this run (prune bookkeeping needs it).
  seed_run(connection &conn, const schema &s, const seed_options &options, std::int64_t now, std::map<std::string, int> files_per_model)
      : m_conn(conn), m_schema(s), m_options(options), m_now(now), m_files_per_model(std::move(files_per_model)) {
    if (!options.rejects_path.empty() && options.lenient) {
      m_rejects.open(options.rejects_path, std::ios::binary | std::ios::trunc);
      if (!m_rejects) throw configuration_error("cannot write rejects file " + options.rejects_path);
      m_rejects << "file,line,field,code,message,value\n";
    }
  }

  // Loads rows of `model` produced by `produce` (which calls the given sink for each row).
  void load(const std::string &label, const model_def &model, std::vector<std::string> key, const seed_row_producer &produce, seed_result &result) {
    seed_file_result file;
    file.file = label;
    file.model = model.name;
    if (key.empty()) key = default_key(model);
    for (const auto &k : key)
      if (!model.field(k))
        throw configuration_error("seed key field '" + k + "' is not a field of " + model.name + " (" + label + ")");
    check_key_is_unique(model, key, label);

    // Columns: every field but autoincrement ids (the database numbers those).
    std::vector<const field_def *> fields;
    for (const auto &f : model.fields) {
      if (!f.is_column()) continue;
      const bool generated_id = f.default_ && f.default_->what == default_value::kind::autoincrement &&
                                std::find(key.begin(), key.end(), f.name) == key.end();
      if (!generated_id) fields.push_back(&f);
    }
    std::vector<std::string> columns;
    for (const auto *f : fields) columns.push_back(f->column);

    // First load of an empty table: straight in, no staging and no merge.
    const bool direct = table_is_empty(model.table);
    const std::string target = model.table;
    const std::string stage = direct ? target : "_carrierdb_stage_" + std::to_string(++m_counter);
    if (!direct) {
      m_conn.execute("CREATE TEMP TABLE " + q(stage) + " AS SELECT " + column_list(columns) + " FROM " + q(target) + " WHERE 1 = 0", {});
      m_conn.execute("ALTER TABLE " + q(stage) + " ADD COLUMN " + q("_carrierdb_line") + " BIGINT", {});
      columns.push_back("_carrierdb_line");
    }
    // Skipping unchanged rows before they are sent (PostgreSQL): the table's keys and compared
    // fields are streamed out once (COPY TO STDOUT, a plain scan) and hashed; rows whose hashes
    // match stay home. Not when pruning, which needs every key staged.
    struct digest_entry {
      std::uint64_t key = 0, row = 0;
      std::int64_t line = 0;
    };
    std::vector<digest_entry> digests;
    std::vector<std::size_t> key_positions, compared_positions;
    for (std::size_t j = 0; j < fields.size(); ++j) {
      if (is_key(key, fields[j]->name)) key_positions.push_back(j);
      else if (!fields[j]->updated_at && !(fields[j]->default_ && fields[j]->default_->what == default_value::kind::now))
        compared_positions.push_back(j);
    }
    const bool prefilter = !direct && !m_options.prune && m_conn.caps().copy;
    // Rows are read on one thread and validated and typed on others while this one streams the
    // table's digests, compares and sends. Everything that touches the connection, the report or
    // a Python callback stays on this thread.
    const unsigned preparers = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    batch_ring ring(k_slots_per_preparer, preparers);
    std::atomic<bool> writing_wanted{true};
    const value now_param = m_conn.timestamp_value(std::chrono::system_clock::time_point(std::chrono::milliseconds(m_now)));
    const prepare_plan plan{model, key, fields, now_param, prefilter, key_positions, compared_positions};
    std::vector<std::thread> helpers;
    const struct helpers_guard {
      batch_ring &ring;
      std::vector<std::thread> &threads;
      ~helpers_guard() {
        ring.cancel();
        for (auto &t : threads) t.join();
      }
    } guard{ring, helpers};
    helpers.emplace_back([&] {
      std::exception_ptr error;
      batch_slot *slot = nullptr;
      try {
        slot = &ring.to_fill();
        produce(
            [&](source_row &src) {
              if (slot->size == slot->source.size()) slot->source.emplace_back();
              std::swap(slot->source[slot->size++], src);
              if (slot->size == k_batch_rows) {
                ring.read(*slot);
                slot = &ring.to_fill();
              }
            },
            [&](std::uint64_t bytes, std::uint64_t total) {
              slot->progressed = true;
              slot->bytes = bytes;
              slot->total = total;
            });
        if (slot->size > 0 || slot->progressed) ring.read(*slot);
      } catch (const batch_ring::cancelled &) {
        return;
      } catch (...) {
        // The rows read before the error are handled (validated, reported) before it is raised.
        error = std::current_exception();
        if (slot && slot->size > 0) ring.read(*slot);
      }
      ring.end_of_input(error);
    });
    for (unsigned k = 0; k < preparers; ++k)
      helpers.emplace_back([&, k] {
        try {
          std::uint64_t next = k;
          while (batch_slot *slot = ring.to_prepare(next)) {
            try {
              if (slot->rows.size() < slot->size) slot->rows.resize(slot->size);
              const bool wanted = writing_wanted.load(std::memory_order_relaxed);
              slot->error = nullptr;
              for (slot->prepared = 0; slot->prepared < slot->size; ++slot->prepared)
                prepare(plan, wanted, slot->source[slot->prepared], slot->rows[slot->prepared]);
            } catch (...) {
              slot->error = std::current_exception();  // raised after the rows before it
            }
            ring.prepared(*slot);
          }
        } catch (const batch_ring::cancelled &) {
        }
      });

    std::string digest_text;
    if (prefilter) {
      std::string select;
      for (std::size_t p : key_positions) select += (select.empty() ? "" : ", ") + q(fields[p]->column);
      for (std::size_t p : compared_positions) select += ", " + q(fields[p]->column);
      m_conn.copy_out("SELECT " + select + " FROM " + q(target), [&](const std::vector<std::optional<std::string>> &f) {
        const auto hash = [&](std::size_t from, std::size_t to) {
          digest_text.clear();
          for (std::size_t k = from; k < to; ++k) {
            if (k > from) digest_text += '\x1f';
            if (f[k]) digest_text += *f[k];
            else digest_text += '\x1e';
          }
          return fnv1a(digest_text);
        };
        digests.push_back({hash(0, key_positions.size()), hash(key_positions.size(), f.size()), 0});
      });
    }
    // An open-addressing index over the key digests: one probe per incoming row, where a binary
    // search over a million entries costs a cache miss per step.
    const auto slot_of = [](std::uint64_t k) {
      k ^= k >> 33;
      k *= 0xff51afd7ed558ccdULL;
      return k ^ (k >> 33);
    };
    constexpr std::uint32_t empty_slot = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> slots;
    std::uint64_t slot_mask = 0;
    if (prefilter) {
      std::size_t capacity = 16;
      while (capacity < digests.size() * 2) capacity <<= 1;
      slots.assign(capacity, empty_slot);
      slot_mask = capacity - 1;
      for (std::uint32_t i = 0; i < digests.size(); ++i) {
        std::uint64_t at = slot_of(digests[i].key) & slot_mask;
        while (slots[at] != empty_slot) at = (at + 1) & slot_mask;
        slots[at] = i;
      }
    }
    std::size_t next_guess = 0;
    std::int64_t skipped = 0;

    // A first load builds the secondary indexes once at the end, sorted, not row by row.
    const std::vector<std::string> deferred_indexes = direct ? m_conn.drop_secondary_indexes(target) : std::vector<std::string>{};

    auto sink = m_conn.begin_copy(stage, columns);
    internal::sent_lines sent;  // the database numbers the load's rows; the report numbers lines

    bool writing = true;
    while (batch_slot *batch = ring.to_load()) {
      for (std::size_t n = 0; n < batch->prepared; ++n) {
        prepared_row &prepared = batch->rows[n];
        ++file.rows;
        if (prepared.rejected) {
          reject(label, prepared.line, prepared.rejected->input, prepared.rejected->issues, file, result);
          if (!m_options.lenient) {
            writing = false;  // strict mode after a bad row: keep validating, stop writing
            writing_wanted.store(false, std::memory_order_relaxed);
          }
          continue;
        }
        if (!writing) continue;
        std::vector<value> &row = prepared.row;
        if (prefilter) {
          // The table's rows usually stream out in the order the seed wrote them: the entry after
          // the last match is tried first, a sequential read instead of two cache misses a row.
          const std::uint64_t key_digest = prepared.key_digest;
          digest_entry *it = nullptr;
          if (next_guess < digests.size() && digests[next_guess].key == key_digest) it = &digests[next_guess];
          else
            for (std::uint64_t at = slot_of(key_digest) & slot_mask; slots[at] != empty_slot; at = (at + 1) & slot_mask)
              if (digests[slots[at]].key == key_digest) {
                it = &digests[slots[at]];
                break;
              }
          if (it) {
            next_guess = static_cast<std::size_t>(it - digests.data()) + 1;
            if (it->line != 0) {
              // This key was in the seed already (staged or skipped): a duplicate.
              validation_issue i;
              i.code = "duplicate_key";
              for (std::size_t p : key_positions) {
                i.path.push_back(fields[p]->name);
                i.value += (i.value.empty() ? "" : ", ") + text_of(row[p]);
              }
              i.message = "key (" + i.value + ") appears more than once (lines " + std::to_string(it->line) + " and " +
                          std::to_string(prepared.line) + ")";
              i.row = label + ":" + std::to_string(prepared.line);
              result.issues.push_back(i);
              ++result.rejected;
              ++file.rejected;
              m_failed = true;
              writing = false;
              writing_wanted.store(false, std::memory_order_relaxed);
              continue;
            }
            it->line = prepared.line;
            if (it->row == prepared.row_digest) {
              ++skipped;  // identical to the stored row: not sent at all
              continue;
            }
          }
          for (std::uint64_t pending = prepared.now_columns; pending != 0; pending &= pending - 1)
            row[static_cast<std::size_t>(__builtin_ctzll(pending))] = now_param;
        }
        if (!direct) row.emplace_back(prepared.line);
        sent.add(prepared.line);
        try {
          sink->write(row);
        } catch (const database_error &e) {
          refused_in_load(label, sent, prepared.line, e, result);
        }
      }
      if (batch->error) std::rethrow_exception(batch->error);
      if (batch->progressed && m_options.progress) m_options.progress(seed_progress{label, batch->bytes, batch->total, 0, false});
      ring.loaded(*batch);
      check_interrupt();  // once a batch (1,024 rows, about a millisecond): a stop ends the load here
    }
    std::int64_t staged = 0;
    try {
      staged = sink->finish();
    } catch (const database_error &e) {
      refused_in_load(label, sent, 0, e, result);
    }
    sink.reset();
    for (const auto &sql : deferred_indexes) {
      try {
        m_conn.execute(sql, {});
      } catch (const unique_violation &e) {
        duplicate_in_direct_load(label, e, result);  // a key twice in the data: found by the index build
      }
    }
    if (!writing) {
      result.files.push_back(file);
      if (m_failed && !result.issues.empty() && result.issues.back().code == "duplicate_key")
        throw validation_error("seed " + label, result.issues);
      return;  // strict failure: the caller rolls back and reports every issue
    }

    std::vector<std::string> key_columns;
    for (const auto &k : key) key_columns.push_back(model.field(k)->column);
    // Prune bookkeeping. A model whose first source went into an empty table holds only seeded
    // rows: nothing to prune. A model loaded from one source is pruned against its staging table
    // right here. Only a model loaded from several sources collects its keys across them.
    const bool first_source = m_seen_models.insert(model.table).second;
    if (first_source && direct) m_all_seeded.insert(model.table);
    const bool several = m_files_per_model[model.name] > 1;
    if (several && !m_all_seeded.count(model.table)) remember_keys(model, key_columns, direct ? target : stage);
    if (direct) {
      file.inserted = staged;
    } else {
      duplicates(label, stage, key_columns, file, result);
      const std::string match = key_match("t", q(stage), key_columns);
      const std::int64_t existing = count("SELECT count(*) FROM " + q(stage) + " WHERE EXISTS (SELECT 1 FROM " + q(target) + " t WHERE " + match + ")");
      if (!several && !m_all_seeded.count(model.table)) {
        const std::string missing = " FROM " + q(target) + " WHERE NOT EXISTS (SELECT 1 FROM " + q(stage) + " WHERE " +
                                    key_match(q(target), q(stage), key_columns) + ")";
        // The digests streamed out above are the table's rows in this transaction: no second scan.
        const std::int64_t stored = prefilter ? static_cast<std::int64_t>(digests.size()) : count("SELECT count(*) FROM " + q(target));
        const std::int64_t candidates = stored - existing - skipped;
        result.prune_candidates += candidates;
        if (m_options.prune && candidates > 0) result.pruned += m_conn.execute("DELETE" + missing, {});
      }
      // Rows identical to what the table holds are dropped before the merge: no write, no updated_at change.
      std::string same = match;
      for (const auto *f : fields) {
        if (is_key(key, f->name) || f->updated_at || (f->default_ && f->default_->what == default_value::kind::now)) continue;
        same += " AND " + m_conn.null_safe_equal_sql("t." + q(f->column), q(stage) + "." + q(f->column));
      }
      const std::int64_t unchanged_staged =
          m_conn.execute("DELETE FROM " + q(stage) + " WHERE EXISTS (SELECT 1 FROM " + q(target) + " t WHERE " + same + ")", {});
      file.unchanged = skipped + unchanged_staged;
      file.not_sent = skipped;
      file.updated = existing - unchanged_staged;
      file.inserted = staged - existing;
      std::string cols, sets;
      for (const auto *f : fields) {
        cols += (cols.empty() ? "" : ", ") + q(f->column);
        if (is_key(key, f->name) || (f->default_ && f->default_->what == default_value::kind::now)) continue;
        sets += (sets.empty() ? "" : ", ") + q(f->column) + " = excluded." + q(f->column);
      }
      std::string conflict;
      for (const auto &c : key_columns) conflict += (conflict.empty() ? "" : ", ") + q(c);
      const std::string merge = "INSERT INTO " + q(target) + " (" + cols + ") SELECT " + cols + " FROM " + q(stage) +
                                " WHERE true ON CONFLICT (" + conflict + ") " + (sets.empty() ? "DO NOTHING" : "DO UPDATE SET " + sets);
      // A savepoint, so that a refused merge (a CHECK, a foreign key) can be replayed to find the row.
      m_conn.savepoint("carrierdb_merge");
      try {
        m_conn.execute(merge, {});
      } catch (const programming_error &e) {
        throw configuration_error("the seed key (" + conflict + ") of " + label + " has no unique constraint in " + target + ": " + e.what(),
                                  "use a unique field (or @@unique set) as the key");
      } catch (const operational_error &) {
        throw;
      } catch (const database_error &e) {
        m_failed = true;
        internal::locate_merge_refusal(m_conn, e, merge, stage, "_carrierdb_line", label);
      }
      m_conn.release_savepoint("carrierdb_merge");
      m_conn.execute("DROP TABLE " + q(stage), {});
    }
    result.files.push_back(file);
  }

  // A preparer's part of a row: field names mapped, CSV text typed, validated, and the load's
  // columns filled (defaults, timestamps). Touches neither the connection nor the report. The
  // source row stays as read (the reader reuses and frees it; the values here are this thread's
  // own, so no memory changes hands between threads).
  void prepare(const prepare_plan &plan, bool wanted, const source_row &src, prepared_row &out) const {
    const model_def &model = plan.model;
    out.line = src.line;
    out.now_columns = 0;
    out.row.clear();
    out.rejected.reset();
    // An empty value for a required field that has a default means "use the default": an empty
    // CSV cell or a NaN in a DataFrame is how seed files leave a value out.
    const auto mapped = [&](const std::string &name, const value &v, const field_def *&f) {
      f = model.field(name);
      if (!f) f = model.field_by_column(name);
      return !(f && is_null(v) && !f->optional && f->has_implicit_value());
    };
    record input;
    input.reserve(src.fields.size());
    for (const auto &[name, v] : src.fields) {
      const field_def *f = nullptr;
      if (!mapped(name, v, f)) continue;
      if (f) input.emplace_back(f->name, from_text(*f, v));
      else input.emplace_back(name, v);
    }
    std::vector<validation_issue> issues;
    record valid = check_record(m_schema, model, std::move(input), validation_mode::create, issues);
    for (const auto &k : plan.key) {
      const value *v = find_field(valid, k);
      if (issues.empty() && (!v || is_null(*v))) {
        validation_issue i;
        i.path = {k};
        i.code = "invalid_type";
        i.message = "Required: " + k + " is the seed's key";
        issues.push_back(i);
      }
    }
    if (!issues.empty()) {
      // The report shows each bad value as given.
      auto rejected = std::make_unique<rejected_input>();
      for (const auto &[name, v] : src.fields) {
        const field_def *f = nullptr;
        if (mapped(name, v, f)) rejected->input.emplace_back(f ? f->name : name, v);
      }
      rejected->issues = std::move(issues);
      out.rejected = std::move(rejected);
      return;
    }
    if (!wanted) return;  // strict mode after a bad row: only validation goes on
    const auto &fields = plan.fields;
    out.row.reserve(fields.size() + 1);  // + the line number a staging table takes
    for (std::size_t j = 0; j < fields.size(); ++j) {
      const field_def *f = fields[j];
      value *given = const_cast<value *>(find_field(valid, f->name));  // `valid` is not used after this
      value v;
      if (given) {
        v = std::move(*given);
      } else if ((f->updated_at || (f->default_ && f->default_->what == default_value::kind::now)) && f->type == scalar_type::datetime) {
        // The run's "now" fills two columns of every row: converted once, not per row, and when
        // unchanged rows stay home, filled in only for the rows that are sent.
        if (plan.digests && j < 64) out.now_columns |= std::uint64_t{1} << j;
        else v = plan.now_param;
        out.row.push_back(std::move(v));
        continue;
      } else if (f->updated_at || (f->default_ && f->default_->what == default_value::kind::now)) {
        v = m_now;  // a now() default on a field that is not a DateTime: Unix milliseconds
      } else if (f->default_ && f->default_->what == default_value::kind::uuid) {
        v = uuid_v4();
      } else {
        v = default_literal(*f);
      }
      if (f->type == scalar_type::datetime)
        if (auto ms = std::get_if<std::int64_t>(&v))
          v = *ms == m_now ? plan.now_param : m_conn.timestamp_value(std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms)));
      out.row.push_back(std::move(v));
    }
    if (plan.digests) {
      thread_local std::string text;
      out.key_digest = digest_of(out.row, plan.key_positions, text);
      out.row_digest = digest_of(out.row, plan.compared_positions, text);
    }
  }

  // Rows of each seeded model whose keys the seed no longer has: counted always, deleted with prune.
  void prune(seed_result &result) {
    for (const auto &[table, info] : m_keys) {
      // Qualified by the table's own name: SQLite's DELETE takes no alias.
      const std::string match = key_match(q(table), q(info.first), info.second);
      const std::string missing = " FROM " + q(table) + " WHERE NOT EXISTS (SELECT 1 FROM " + q(info.first) + " WHERE " + match + ")";
      result.prune_candidates += count("SELECT count(*)" + missing);
      if (m_options.prune) result.pruned += m_conn.execute("DELETE" + missing, {});
      // Temporary tables outlive a committed transaction on a pooled session: drop them now.
      m_conn.execute("DROP TABLE " + q(info.first), {});
    }
    m_keys.clear();
  }

  bool failed() const { return m_failed; }

private:
  std::string q(const std::string &name) const { return m_conn.quote_identifier(name); }

  std::string column_list(const std::vector<std::string> &columns) const {
    std::string out;
    for (const auto &c : columns) out += (out.empty() ? "" : ", ") + q(c);
    return out;
  }

  std::string key_match(const std::string &alias, const std::string &other, const std::vector<std::string> &key_columns) const {
    std::string out;
    for (const auto &c : key_columns) out += (out.empty() ? "" : " AND ") + alias + "." + q(c) + " = " + other + "." + q(c);
    return out;
  }

  // The key must identify a record for the schema (its @id, a @unique field or a @@unique set):
  // otherwise re-running the seed could not tell an update from an insert.
  static void check_key_is_unique(const model_def &model, const std::vector<std::string> &key, const std::string &label) {
    std::vector<std::string> sorted = key;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::vector<std::string>> candidates{model.id_fields};
    for (const auto &f : model.fields)
      if (f.unique) candidates.push_back({f.name});
    for (const auto &u : model.uniques) candidates.push_back(u);
    for (auto c : candidates) {
      std::sort(c.begin(), c.end());
      if (c == sorted) return;
    }
    std::string shown;
    for (const auto &k : key) shown += (shown.empty() ? "" : ", ") + k;
    throw configuration_error("the seed key (" + shown + ") of " + label + " is not unique in the schema for " + model.name,
                              "use the @id, a @unique field or a @@unique set of " + model.name + " as the key");
  }

  static bool is_key(const std::vector<std::string> &key, const std::string &name) {
    return std::find(key.begin(), key.end(), name) != key.end();
  }

  std::int64_t count(const std::string &sql) { return std::get<std::int64_t>(m_conn.query(sql, {}).rows.at(0).at(0)); }

  bool table_is_empty(const std::string &table) {
    return m_conn.query("SELECT 1 FROM " + q(table) + " LIMIT 1", {}).rows.empty();
  }

  static std::vector<std::string> default_key(const model_def &m) {
    for (const auto &f : m.fields)
      if (f.unique) return {f.name};
    if (!m.uniques.empty()) return m.uniques.front();
    return m.id_fields;
  }

  void remember_keys(const model_def &model, const std::vector<std::string> &key_columns, const std::string &source) {
    auto it = m_keys.find(model.table);
    if (it == m_keys.end()) {
      const std::string keys = "_carrierdb_keys_" + std::to_string(++m_counter);
      m_conn.execute("CREATE TEMP TABLE " + q(keys) + " AS SELECT " + column_list(key_columns) + " FROM " + q(model.table) + " WHERE 1 = 0", {});
      // Without an index SQLite would compare every row with every key when counting prune candidates.
      m_conn.execute("CREATE INDEX " + q(keys + "_key") + " ON " + q(keys) + " (" + column_list(key_columns) + ")", {});
      it = m_keys.emplace(model.table, std::make_pair(keys, key_columns)).first;
    }
    m_conn.execute("INSERT INTO " + q(it->second.first) + " SELECT " + column_list(key_columns) + " FROM " + q(source), {});
  }

  void duplicates(const std::string &label, const std::string &stage, const std::vector<std::string> &key_columns, seed_file_result &file,
                  seed_result &result) {
    const std::string cols = column_list(key_columns);
    const auto r = m_conn.query("SELECT " + cols + ", min(" + q("_carrierdb_line") + "), max(" + q("_carrierdb_line") + "), count(*) FROM " +
                                    q(stage) + " GROUP BY " + cols + " HAVING count(*) > 1 ORDER BY 2 LIMIT 1000",
                                {});
    if (r.rows.empty()) return;
    for (const auto &row : r.rows) {
      validation_issue i;
      std::string shown;
      for (std::size_t k = 0; k < key_columns.size(); ++k) shown += (k ? ", " : "") + text_of(row[k]);
      i.path = key_columns;
      i.code = "duplicate_key";
      i.message = "key (" + shown + ") appears " + text_of(row[key_columns.size() + 2]) + " times (lines " + text_of(row[key_columns.size()]) +
                  " and " + text_of(row[key_columns.size() + 1]) + ")";
      i.row = label + ":" + text_of(row[key_columns.size() + 1]);
      i.value = shown;
      result.issues.push_back(i);
      ++result.rejected;
      ++file.rejected;
    }
    m_failed = true;  // duplicates are errors even in lenient mode: which row wins would be a guess
    throw validation_error("seed " + label, result.issues);
  }

  // Direct load into an empty table: a key twice in the data is a seed error, reported like the others.
  [[noreturn]] void duplicate_in_direct_load(const std::string &where, const unique_violation &e, seed_result &result) {
    validation_issue i;
    i.path = e.diag().columns;
    i.code = "duplicate_key";
    std::string shown;
    for (const auto &v : e.diag().values) shown += (shown.empty() ? "" : ", ") + v;
    i.message = "key " + (e.diag().detail.empty() ? std::string("(") + e.what() + ")" : e.diag().detail) + " appears more than once";
    i.row = where;
    i.value = shown;
    result.issues.push_back(i);
    ++result.rejected;
    m_failed = true;
    throw validation_error("seed " + where, result.issues);
  }

  // The database refused a row of the load (a CHECK, a type's range, a key twice): reported at its
  // line. `current_line` is the row being written, for errors that carry no row of their own.
  [[noreturn]] void refused_in_load(const std::string &label, const internal::sent_lines &sent, std::int64_t current_line,
                                    const database_error &e, seed_result &result) {
    if (dynamic_cast<const operational_error *>(&e)) throw;  // the connection, not the row (called in a catch block)
    const std::int64_t line = e.diag().copy_row > 0 ? sent.line_of(e.diag().copy_row) : current_line;
    if (const auto *duplicate = dynamic_cast<const unique_violation *>(&e))
      duplicate_in_direct_load(label + (line > 0 ? ":" + std::to_string(line) : ""), *duplicate, result);
    m_failed = true;
    internal::rethrow_at_line(e, label, line);
  }

  void reject(const std::string &label, std::int64_t line, const record &input, std::vector<validation_issue> &issues, seed_file_result &file,
              seed_result &result) {
    ++file.rejected;
    ++result.rejected;
    if (!m_options.lenient) m_failed = true;
    for (auto &i : issues) {
      i.row = label + ":" + std::to_string(line);
      if (!i.path.empty())
        if (const value *v = find_field(input, i.path.front())) i.value = printable_utf8(text_of(*v));
      if (m_rejects)
        m_rejects << csv_quote(label) << ',' << line << ',' << csv_quote(i.path.empty() ? "" : i.path.front()) << ',' << i.code << ','
                  << csv_quote(i.message) << ',' << csv_quote(i.value) << '\n';
      if (result.issues.size() < k_max_reported_issues) result.issues.push_back(i);
    }
  }

  connection &m_conn;
  const schema &m_schema;
  const seed_options &m_options;
  std::int64_t m_now;
  int m_counter = 0;
  bool m_failed = false;
  std::ofstream m_rejects;
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> m_keys;  // table -> (keys table, key columns)
  std::map<std::string, int> m_files_per_model;
  std::set<std::string> m_seen_models;   // tables loaded so far in this run
  std::set<std::string> m_all_seeded;    // tables that were empty when this run first loaded them
};

seeder::seeder(std::shared_ptr<database> db, std::shared_ptr<const schema> s, std::string history_table)
    : m_db(std::move(db)), m_schema(std::move(s)), m_history(std::move(history_table)) {}

namespace {

// Runs `body` on a dedicated connection holding the seed lock, inside one transaction that is
// committed unless it is a dry run or the body throws.
template <class Body>
seed_result in_transaction(database &db, const seed_options &options, Body &&body) {
  if (options.environment == "production" && !options.allow_production)
    throw configuration_error("refusing to seed the production environment without an explicit flag",
                              "pass --allow-production (Python: allow_production=True); seeding never deletes rows unless --prune");
  auto lease = db.pool().acquire();
  connection &conn = *lease;
  // Before the lock (SQLite's lock file could not even be created) and before any change.
  conn.refuse_if_read_only(options.dry_run ? "dry-run the seed (a dry run writes, then rolls back)" : "seed");
  // A transaction-level lock (PostgreSQL) is taken inside the seed's own transaction: through a
  // transaction-mode pooler it then lives and dies with that transaction on one server
  // connection. A lock file (SQLite) is taken first, so a second seeder waits for it rather
  // than for the database's write lock.
  std::unique_ptr<lock_handle> lock;
  if (!conn.caps().transaction_locks) lock = conn.acquire_lock(k_seed_lock_key, std::chrono::milliseconds(30000));
  std::optional<scoped_transaction> tx;
  try {
    tx.emplace(conn);
    if (!lock) lock = conn.acquire_lock(k_seed_lock_key, std::chrono::milliseconds(30000));
    seed_result result = body(conn);
    if (options.dry_run || result.skipped) tx->rollback();
    else tx->commit();
    lock->release();
    return result;
  } catch (const interrupted_error &e) {
    tx.reset();
    throw e.retold("seeding was interrupted: its transaction was rolled back; no row was written and nothing was recorded",
                   false, "run the seed again when you are ready; it starts from the beginning");
  }
}

}  // namespace

seed_result seeder::apply(const seed_manifest &manifest, const seed_options &options) {
  const auto start = steady::now();
  // The checksum covers the manifest and every data file, so any edit makes a new version. A
  // forced run needs it only for the history row: it is computed meanwhile on another thread.
  auto checksum_of_files = [&manifest] {
    std::string digest_input = file_sha256(manifest.path);
    for (const auto &f : manifest.files) digest_input += "\n" + f.path + ":" + file_sha256(f.resolved_path);
    return sha256_hex(digest_input);
  };
  std::future<std::string> pending_checksum;
  std::string checksum;
  if (options.force) pending_checksum = std::async(std::launch::async, checksum_of_files);
  else checksum = checksum_of_files();
  for (const auto &f : manifest.files)
    if (!m_schema->model_by_accessor(f.model))
      throw configuration_error("seed file " + f.path + " names model '" + f.model + "', which " + m_schema->file() + " does not define");

  return in_transaction(*m_db, options, [&](connection &conn) {
    seed_result result;
    result.environment = options.environment;
    result.seed_set = manifest.name;
    result.version = manifest.version;
    result.checksum = checksum;
    result.dry_run = options.dry_run;
    create_seed_history(conn, m_history);
    if (!options.force) {
      const auto last = conn.query("SELECT version, checksum FROM " + conn.quote_identifier(m_history) +
                                       " WHERE environment = $1 AND seed_set = $2 ORDER BY applied_at DESC LIMIT 1",
                                   {options.environment, manifest.name});
      if (!last.rows.empty() && std::get<std::string>(last.rows[0][0]) == manifest.version &&
          std::get<std::string>(last.rows[0][1]) == checksum) {
        result.skipped = true;
        result.seconds = std::chrono::duration<double>(steady::now() - start).count();
        return result;
      }
    }
    std::map<std::string, int> files_per_model;
    for (const auto &f : manifest.files) ++files_per_model[m_schema->model_by_accessor(f.model)->name];
    seed_run run(conn, *m_schema, options, now_ms(), files_per_model);
    for (const auto &f : manifest.files) {
      const model_def &model = *m_schema->model_by_accessor(f.model);
      run.load(f.path, model, f.key,
               [&](const std::function<void(source_row &)> &sink, const std::function<void(std::uint64_t, std::uint64_t)> &progress) {
                 read_records(f.resolved_path, sink, progress);
               },
               result);
      if (options.progress) options.progress(seed_progress{f.path, 1, 1, result.files.back().rows, true});
    }
    if (run.failed()) throw validation_error("seed " + manifest.name, result.issues);
    run.prune(result);
    if (pending_checksum.valid()) result.checksum = pending_checksum.get();
    result.seconds = std::chrono::duration<double>(steady::now() - start).count();
    if (!options.dry_run) record_seed_run(conn, m_history, result, options, result.seconds);
    return result;
  });
}

seed_result seeder::apply_records(const std::string &model_name, const std::vector<record> &rows, const std::vector<std::string> &key,
                                  const std::string &label, const seed_options &options) {
  return apply_produced(
      model_name,
      [&](const std::function<void(source_row &)> &sink, const std::function<void(std::uint64_t, std::uint64_t)> &) {
        source_row src;
        for (std::size_t k = 0; k < rows.size(); ++k) {
          src.line = static_cast<std::int64_t>(k) + 1;
          src.fields.assign(rows[k].begin(), rows[k].end());
          sink(src);
        }
      },
      key, label, options);
}

seed_result seeder::apply_stream(const std::string &model_name, const std::function<bool(std::vector<record> &chunk)> &next_chunk,
                                 const std::vector<std::string> &key, const std::string &label, const seed_options &options) {
  return apply_produced(
      model_name,
      [&](const std::function<void(source_row &)> &sink, const std::function<void(std::uint64_t, std::uint64_t)> &) {
        source_row src;
        std::vector<record> chunk;
        std::int64_t line = 0;
        while (true) {
          chunk.clear();
          if (!next_chunk(chunk)) break;
          for (auto &r : chunk) {
            src.line = ++line;
            src.fields = std::move(r);
            sink(src);
          }
        }
      },
      key, label, options);
}

seed_result seeder::apply_produced(const std::string &model_name, const seed_row_producer &produce, const std::vector<std::string> &key,
                                   const std::string &label, const seed_options &options) {
  const auto start = steady::now();
  const model_def *model = m_schema->model_by_accessor(model_name);
  if (!model) throw configuration_error("no model '" + model_name + "' in " + m_schema->file());
  return in_transaction(*m_db, options, [&](connection &conn) {
    seed_result result;
    result.environment = options.environment;
    result.seed_set = label;
    result.version = "records";
    result.dry_run = options.dry_run;
    create_seed_history(conn, m_history);
    seed_run run(conn, *m_schema, options, now_ms(), {{model->name, 1}});
    run.load(label, *model, key, produce, result);
    if (run.failed()) throw validation_error("seed " + label, result.issues);
    run.prune(result);
    result.seconds = std::chrono::duration<double>(steady::now() - start).count();
    if (!options.dry_run) record_seed_run(conn, m_history, result, options, result.seconds);
    return result;
  });
}

std::vector<seed_history_row> seeder::history() {
  return m_db->with_connection([&](connection &c) { return read_seed_history(c, m_history); });
}

}  // namespace carrierdb
