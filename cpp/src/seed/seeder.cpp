// seeder: a seed run: each source streamed through the pipeline (read, validated, prepared on
// helper threads) into a staging table, or straight into an empty table, then merged by natural
// key with set-based SQL (insert new, update changed, leave unchanged), all in one transaction.
#include "carrierdb/seed/seeder.hpp"
#include "carrierdb/base/environment.hpp"

#include <chrono>
#include <future>
#include <optional>
#include <set>

#include "carrierdb/error.hpp"
#include "carrierdb/base/digest.hpp"
#include "carrierdb/base/ids.hpp"
#include "column_plan.hpp"
#include "load_order.hpp"
#include "load_refusals.hpp"
#include "merge.hpp"
#include "pair_files.hpp"
#include "references.hpp"
#include "pipeline.hpp"
#include "run_issues.hpp"
#include "seed_history.hpp"
#include "unchanged_filter.hpp"

namespace carrierdb {

using namespace seeding;

namespace {

using steady = std::chrono::steady_clock;

// One run: one connection, one transaction, temporary staging tables.
class seed_run {
public:
  // `files_per_model`: how many sources load each model in this run (prune bookkeeping needs it).
  seed_run(connection &conn, const schema &s, const seed_options &options, std::int64_t now, std::map<std::string, int> files_per_model)
      : m_conn(conn), m_schema(s), m_options(options), m_now(now), m_issues(options), m_merge(conn),
        m_files_per_model(std::move(files_per_model)) {}

  // Loads rows of `model` produced by `produce` (which calls the given sink for each row).
  // `left_out`: foreign keys a second pass sets (see references.hpp).
  void load(const std::string &label, const model_def &model, std::vector<std::string> key, const seed_row_producer &produce, seed_result &result,
            const std::vector<std::string> &left_out = {}) {
    const column_plan plan = plan_columns(model, std::move(key), label, left_out);
    // First load of an empty table: straight in, no staging and no merge.
    const bool direct = m_merge.table_is_empty(model.table);
    file_load load{label, model, plan, direct, direct ? model.table : m_merge.create_stage(model.table, plan.columns)};
    load.file.file = label;
    load.file.model = model.name;
    // Skipping unchanged rows before they are sent, where the table can stream out; not when
    // pruning, which needs every key staged.
    const bool prefilter = !direct && !m_options.prune && m_conn.caps().copy;
    // Rows are read on one thread and validated and typed on others while this one streams the
    // table's digests, compares and sends. Everything that touches the connection, the report or
    // a Python callback stays on this thread.
    const value now_param = m_conn.timestamp_value(std::chrono::system_clock::time_point(std::chrono::milliseconds(m_now)));
    load_pipeline pipeline(produce, prepare_plan{m_schema, model, plan, m_conn, m_now, now_param, prefilter});
    std::optional<unchanged_filter> filter;
    if (prefilter) filter.emplace(m_conn, model.table, plan);
    // A first load builds the secondary indexes once at the end, sorted, not row by row.
    const std::vector<std::string> deferred_indexes = direct ? m_conn.drop_secondary_indexes(model.table) : std::vector<std::string>{};

    const std::int64_t staged = send_rows(load, pipeline, filter ? &*filter : nullptr, now_param, result);
    try {
      m_merge.rebuild_indexes(deferred_indexes);
    } catch (const unique_violation &e) {
      m_issues.duplicate_in_direct_load(label, e, result);  // a key twice in the data: found by the index build
    }
    if (!load.writing) {
      result.files.push_back(load.file);
      if (m_issues.failed() && !result.issues.empty() && result.issues.back().code == "duplicate_key")
        throw validation_error("seed " + label, result.issues);
      return;  // strict failure: the caller rolls back and reports every issue
    }
    const bool prune_here = track_keys_for_prune(load);
    if (direct) load.file.inserted = staged;
    else merge(load, staged, filter ? &*filter : nullptr, prune_here, result);
    result.files.push_back(load.file);
  }

  // Rows of each seeded model whose keys the seed no longer has: counted always, deleted with prune.
  void prune(seed_result &result) { m_merge.prune_remembered(m_options.prune, result); }

  bool failed() const { return m_issues.failed(); }
  run_issues &issues() { return m_issues; }
  seed_merge &merger() { return m_merge; }
  /// Several models in one run: every prune waits for the end, so children go before parents.
  void prune_at_end() { m_prune_at_end = true; }

private:
  // One source's load in progress.
  struct file_load {
    const std::string &label;
    const model_def &model;
    const column_plan &plan;
    const bool direct;        // into the empty target itself: no staging, no merge
    const std::string stage;  // the staging table, or the target when direct
    seed_file_result file{};
    bool writing = true;  // false in strict mode after a bad row: validation goes on, writing stops
  };

  void stop_writing(file_load &load, load_pipeline &pipeline) {
    load.writing = false;
    pipeline.stop_writing();
  }

  // Sends the prepared rows in order to the staging table (or the empty target): rejected rows
  // are reported, rows `filter` finds unchanged stay home. Returns the rows the database took.
  std::int64_t send_rows(file_load &load, load_pipeline &pipeline, unchanged_filter *filter, const value &now_param, seed_result &result) {
    std::vector<std::string> columns = load.plan.columns;
    if (!load.direct) columns.push_back(k_line_column);
    auto sink = m_conn.begin_copy(load.stage, columns);
    internal::sent_lines sent;  // the database numbers the load's rows; the report numbers lines
    while (batch_slot *batch = pipeline.next()) {
      for (std::size_t n = 0; n < batch->prepared; ++n) {
        prepared_row &prepared = batch->rows[n];
        ++load.file.rows;
        if (prepared.rejected) {
          m_issues.reject(load.label, prepared.line, prepared.rejected->input, prepared.rejected->issues, load.file, result);
          if (!m_options.lenient) stop_writing(load, pipeline);
          continue;
        }
        if (!load.writing) continue;
        if (filter) {
          std::int64_t first_line = 0;
          const auto verdict = filter->check(prepared.key_digest, prepared.row_digest, prepared.line, first_line);
          if (verdict == unchanged_filter::verdict::unchanged) continue;  // identical to the stored row: not sent at all
          if (verdict == unchanged_filter::verdict::duplicate) {
            m_issues.duplicate_key(load.plan, prepared.row, first_line, prepared.line, load.label, load.file, result);
            stop_writing(load, pipeline);
            continue;
          }
          fill_clock_columns(prepared, now_param);
        }
        if (!load.direct) prepared.row.emplace_back(prepared.line);
        sent.add(prepared.line);
        try {
          sink->write(prepared.row);
        } catch (const database_error &e) {
          m_issues.refused_in_load(load.label, sent, prepared.line, e, result);
        }
      }
      if (batch->error) std::rethrow_exception(batch->error);
      if (batch->progressed && m_options.progress) m_options.progress(seed_progress{load.label, batch->bytes, batch->total, 0, false});
      pipeline.done(*batch);
      check_interrupt();  // once a batch (1,024 rows, about a millisecond): a stop ends the load here
    }
    try {
      return sink->finish();
    } catch (const database_error &e) {
      m_issues.refused_in_load(load.label, sent, 0, e, result);
    }
  }

  // Prune bookkeeping. A model whose first source went into an empty table holds only seeded
  // rows: nothing to prune. A model loaded from one source is pruned against its staging table
  // (true: merge() does it). Only a model loaded from several sources collects its keys across them.
  bool track_keys_for_prune(const file_load &load) {
    const std::string &table = load.model.table;
    const bool first_source = m_seen_models.insert(table).second;
    if (first_source && load.direct) m_all_seeded.insert(table);
    const bool several = m_files_per_model[load.model.name] > 1 || m_prune_at_end;
    if (several && !m_all_seeded.count(table)) m_merge.remember_keys(table, load.plan.key_columns, load.stage, load.model.name);
    return !several && !m_all_seeded.count(table);
  }

  // The staged rows into the target: keys staged twice refused, the prune of a single source,
  // unchanged rows dropped, the rest upserted; the file's counts filled in.
  void merge(file_load &load, std::int64_t staged, const unchanged_filter *filter, bool prune_here, seed_result &result) {
    const std::string &target = load.model.table;
    const auto &key_columns = load.plan.key_columns;
    auto duplicates = m_merge.duplicate_keys(load.label, load.stage, key_columns);
    if (!duplicates.empty()) m_issues.duplicate_keys(std::move(duplicates), load.label, load.file, result);
    const std::int64_t existing = m_merge.count_matched(load.stage, target, key_columns);
    const std::int64_t not_sent = filter ? filter->unchanged_rows() : 0;
    if (prune_here) {
      // The digests streamed out before the load are the table's rows in this transaction: no second scan.
      const std::int64_t stored = filter ? filter->stored_rows() : m_merge.count_rows(target);
      const std::int64_t candidates = stored - existing - not_sent;
      result.prune_candidates += candidates;
      if (candidates > 0) result.prune_order.push_back(seed_prune_entry{load.model.name, target, candidates});
      if (m_options.prune && candidates > 0) result.pruned += m_merge.delete_missing(target, load.stage, key_columns);
    }
    // Rows identical to what the table holds are dropped before the merge: no write, no updated_at change.
    const std::int64_t unchanged_staged = m_merge.drop_unchanged(load.stage, target, load.plan);
    load.file.unchanged = not_sent + unchanged_staged;
    load.file.not_sent = not_sent;
    load.file.updated = existing - unchanged_staged;
    load.file.inserted = staged - existing;
    m_merge.upsert(load.stage, target, load.plan, load.label);
    m_merge.drop(load.stage);
  }

  connection &m_conn;
  const schema &m_schema;
  const seed_options &m_options;
  std::int64_t m_now;
  run_issues m_issues;
  seed_merge m_merge;
  std::map<std::string, int> m_files_per_model;
  std::set<std::string> m_seen_models;   // tables loaded so far in this run
  std::set<std::string> m_all_seeded;    // tables that were empty when this run first loaded them
  bool m_prune_at_end = false;
};

}  // namespace

seeder::seeder(std::shared_ptr<database> db, std::shared_ptr<const schema> s, std::string history_table)
    : m_db(std::move(db)), m_schema(std::move(s)), m_history(std::move(history_table)) {}

namespace {

// Runs `body` inside a migration's data step (migration.py): on the migration's connection, in a
// savepoint, so the seed sees the migration's changes and commits or rolls back with it. A
// connection of its own would not see them and could wait forever on the migration's locks.
// The seed lock: PostgreSQL's is a transaction-level lock taken inside the migration's
// transaction; SQLite's is the database's one lock file, which the migration already holds.
template <class Body>
seed_result in_data_step(connection &conn, const seed_options &options, Body &&body) {
  std::unique_ptr<lock_handle> lock;
  if (conn.caps().transaction_locks) lock = conn.acquire_lock(k_seed_lock_key, std::chrono::milliseconds(30000));
  scoped_savepoint seed(conn, "carrierdb_seed");
  seed_result result = body(conn);
  if (options.dry_run || result.skipped) seed.rollback();
  else seed.release();
  if (lock) lock->release();
  return result;
}

// Runs `body` on a dedicated connection holding the seed lock, inside one transaction that is
// committed unless it is a dry run or the body throws.
template <class Body>
seed_result in_transaction(database &db, const seed_options &options, Body &&body) {
  if (is_production_environment(options.environment) && !options.allow_production)
    throw configuration_error("refusing to seed the production environment without an explicit flag",
                              "pass --allow-production (Python: allow_production=True); seeding never deletes rows unless --prune");
  if (connection *lent = db.lent_connection()) return in_data_step(*lent, options, body);
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
    if (files_per_model.size() > 1) run.prune_at_end();
    // Parents first, whatever the manifest's order; references resolved against key maps read
    // once per file; deferred references (self-relations, a cycle's optional side) set at the end.
    const file_order order = order_files(*m_schema, manifest);
    std::vector<std::pair<std::unique_ptr<reference_resolver>, std::size_t>> second_pass;  // with the file's index in result.files
    for (std::size_t k : order.files) {
      const seed_file_spec &f = manifest.files[k];
      const model_def &model = *m_schema->model_by_accessor(f.model);
      if (!f.relation.empty()) {
        load_pairs(conn, *m_schema, f, run.merger(), run.issues(), result);
      } else {
        auto references = std::make_unique<reference_resolver>(*m_schema, model, header_of(f.resolved_path), order.deferred,
                                                               f.key.empty() ? plan_columns(model, {}, f.path).key : f.key, f.path);
        references->load_parents(conn);
        run.load(f.path, model, f.key,
                 references->wrap([&](const std::function<void(source_row &)> &sink, const std::function<void(std::uint64_t, std::uint64_t)> &progress) {
                   read_records(f.resolved_path, sink, progress);
                 }),
                 result, references->deferred_fields());
        references->report_refused(run.issues(), result.files.back(), result);
        second_pass.emplace_back(std::move(references), result.files.size() - 1);
      }
      if (options.progress) options.progress(seed_progress{f.path, 1, 1, result.files.back().rows, true});
    }
    if (!run.failed())
      for (auto &[references, file] : second_pass) references->set_deferred(conn, run.merger(), run.issues(), options.lenient, result.files[file], result);
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
