// Seeding: per-environment seed sets, validated, idempotent, versioned, all-or-nothing per run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "carrierdb/database.hpp"
#include "carrierdb/schema/schema.hpp"
#include "carrierdb/schema/validation.hpp"
#include "carrierdb/seed/data_files.hpp"

namespace carrierdb {

/// One data file of a seed set.
struct seed_file_spec {
  std::string path;               // as written in the manifest (relative to it)
  std::string resolved_path;      // absolute or relative to the working directory
  std::string model;
  std::vector<std::string> key;   // natural key fields; default: the model's first unique key
  std::string relation;           // set: the file holds pairs of this implicit many-to-many relation of `model`
};

/// seeds/<env>/manifest.json: {"name", "version", "files": [{"path", "model", "key"} or {"path", "model", "relation"}]}.
struct seed_manifest {
  std::string name;
  std::string version;
  std::string path;  // of the manifest itself
  std::vector<seed_file_spec> files;
  /// Reads and checks a manifest. Throws configuration_error naming the problem.
  static seed_manifest load(const std::string &manifest_path);
};

struct seed_progress {
  std::string file;
  std::uint64_t bytes = 0;
  std::uint64_t total_bytes = 0;
  std::int64_t rows = 0;
  bool finished = false;
};

struct seed_options {
  std::string environment;          // guards production and labels the history
  bool dry_run = false;             // do everything, then roll back
  bool lenient = false;             // write the valid rows; rejects go to rejects_path
  std::string rejects_path;         // lenient: CSV of rejected rows (file, line, field, code, message, value)
  bool allow_production = false;
  bool prune = false;               // delete rows whose keys the seed no longer has
  bool force = false;               // re-apply an unchanged version
  std::string applied_by;           // user@host, recorded in the history
  std::function<void(const seed_progress &)> progress;
};

struct seed_file_result {
  std::string file;
  std::string model;
  std::int64_t rows = 0;
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::int64_t rejected = 0;
  std::int64_t not_sent = 0;  // unchanged rows recognised before they reached the server
};

/// Rows of one table whose keys the seed no longer has, in the order prune deletes them
/// (children before parents).
struct seed_prune_entry {
  std::string model;  // the model, or the join table of an implicit many-to-many
  std::string table;
  std::int64_t rows = 0;
};

struct seed_result {
  std::string environment;
  std::string seed_set;
  std::string version;
  std::string checksum;
  bool dry_run = false;
  bool skipped = false;            // this version and checksum were applied already
  std::vector<seed_file_result> files;
  std::int64_t prune_candidates = 0;  // rows whose keys are not in the seed
  std::int64_t pruned = 0;
  std::vector<seed_prune_entry> prune_order;  // per table, in deleting order (also in a dry run)
  std::int64_t rejected = 0;
  std::vector<validation_issue> issues;  // lenient: the rejects (the first 1,000)
  double seconds = 0;
  std::int64_t inserted() const;
  std::int64_t updated() const;
  std::int64_t unchanged() const;
};

/// One row of the seed history table.
struct seed_history_row {
  std::string environment, seed_set, version, checksum, applied_at, applied_by;
  std::int64_t inserted = 0, updated = 0, unchanged = 0, rejected = 0, pruned = 0;
  double seconds = 0;
};

/// The rows of one load: calls `emit` for each row, in order, and `progress(bytes, total)` now
/// and then. Runs on a thread of its own while the load's thread compares and sends.
using seed_row_producer =
    std::function<void(const std::function<void(source_row &)> &emit, const std::function<void(std::uint64_t, std::uint64_t)> &progress)>;

class seeder {
public:
  seeder(std::shared_ptr<database> db, std::shared_ptr<const schema> s, std::string history_table = "_carrierdb_seeds");

  /// Applies a seed set in one transaction. Strict mode throws validation_error listing every
  /// bad row (file:line, field, rule, value) and writes nothing.
  seed_result apply(const seed_manifest &manifest, const seed_options &options);

  /// Upserts in-memory records of one model by `key` (empty: the model's first unique key),
  /// with the same validation and idempotency as a seed file. `label` names them in reports.
  seed_result apply_records(const std::string &model, const std::vector<record> &rows, const std::vector<std::string> &key,
                            const std::string &label, const seed_options &options);

  /// apply_records with the rows pulled in chunks: `next_chunk` appends the next rows to its
  /// (empty) argument and returns false when there are none left. A caller converting rows from
  /// another representation converts the next chunk while the database loads the previous one.
  seed_result apply_stream(const std::string &model, const std::function<bool(std::vector<record> &chunk)> &next_chunk,
                           const std::vector<std::string> &key, const std::string &label, const seed_options &options);

  std::vector<seed_history_row> history();
  /// The table the seed history is kept in.
  const std::string &history_table() const noexcept { return m_history; }

private:
  seed_result apply_produced(const std::string &model, const seed_row_producer &produce, const std::vector<std::string> &key,
                             const std::string &label, const seed_options &options);

  std::shared_ptr<database> m_db;
  std::shared_ptr<const schema> m_schema;
  std::string m_history;
};

/// Lock key for seeding (PostgreSQL advisory lock; SQLite shares the migration lock file).
inline constexpr std::int64_t k_seed_lock_key = 72707370;

}  // namespace carrierdb
