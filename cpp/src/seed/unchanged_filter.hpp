// unchanged_filter: recognises seed rows identical to the stored ones before they are sent
// (where the table can stream out: PostgreSQL). The table's keys and compared columns stream out
// once as digests into an open-addressing index; an incoming row whose key and row digests match
// a stored row's stays home. The same digests are taken of each incoming row by a preparer.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/base/digest.hpp"
#include "column_plan.hpp"

namespace carrierdb::seeding {

// A staged value as PostgreSQL's ::text prints it, NULL as \x1e. Forms that print differently
// (timestamps, floats) only make a row look changed, and the staging comparison then finds it equal.
inline void append_digest_text(std::string &out, const value &v) {
  if (is_null(v)) out += '\x1e';
  else if (auto s = std::get_if<std::string>(&v)) out += *s;
  else if (auto i = std::get_if<std::int64_t>(&v)) out += std::to_string(*i);
  else if (auto b = std::get_if<bool>(&v)) out += *b ? 't' : 'f';  // PostgreSQL's boolean output
  else out += "\x1d";  // a double: never equal to the server's text, so never skipped
}

// The digest of some columns of a row, over their text as PostgreSQL prints it.
inline std::uint64_t digest_of(const std::vector<value> &row, const std::vector<std::size_t> &positions, std::string &text) {
  text.clear();
  for (std::size_t k = 0; k < positions.size(); ++k) {
    if (k) text += '\x1f';
    append_digest_text(text, row[positions[k]]);
  }
  return fnv1a(text);
}

class unchanged_filter {
public:
  /// Streams the key and compared columns (`plan`) of every row of `table` out through `conn`
  /// (COPY TO STDOUT, a plain scan) and indexes their digests.
  unchanged_filter(connection &conn, const std::string &table, const column_plan &plan);

  enum class verdict { send, unchanged, duplicate };
  /// What to do with the incoming row at `line` (lines start at 1) with these digests: `unchanged`
  /// when a stored row has the same key and columns; `duplicate` when a row with this key came
  /// earlier in the seed (at `first_line`, which is then set); otherwise `send`.
  verdict check(std::uint64_t key_digest, std::uint64_t row_digest, std::int64_t line, std::int64_t &first_line) {
    entry *it = find(key_digest);
    if (!it) return verdict::send;
    m_next_guess = static_cast<std::size_t>(it - m_entries.data()) + 1;
    if (it->line != 0) {
      first_line = it->line;  // this key was in the seed already (staged or kept home)
      return verdict::duplicate;
    }
    it->line = line;
    if (it->row != row_digest) return verdict::send;
    ++m_unchanged;
    return verdict::unchanged;
  }

  /// Rows the table held when streamed out (in this transaction: a count needs no second scan).
  std::int64_t stored_rows() const { return static_cast<std::int64_t>(m_entries.size()); }
  /// Rows check() found unchanged.
  std::int64_t unchanged_rows() const { return m_unchanged; }

private:
  struct entry {
    std::uint64_t key = 0, row = 0;
    std::int64_t line = 0;  // where the seed had this key; 0 until it does
  };
  static constexpr std::uint32_t k_empty_slot = std::numeric_limits<std::uint32_t>::max();

  static std::uint64_t slot_of(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    return k ^ (k >> 33);
  }

  entry *find(std::uint64_t key_digest) {
    // The table's rows usually stream out in the order the seed wrote them: the entry after the
    // last match is tried first, a sequential read instead of two cache misses a row.
    if (m_next_guess < m_entries.size() && m_entries[m_next_guess].key == key_digest) return &m_entries[m_next_guess];
    for (std::uint64_t at = slot_of(key_digest) & m_slot_mask; m_slots[at] != k_empty_slot; at = (at + 1) & m_slot_mask)
      if (m_entries[m_slots[at]].key == key_digest) return &m_entries[m_slots[at]];
    return nullptr;
  }

  std::vector<entry> m_entries;
  // An open-addressing index over the key digests: one probe per incoming row, where a binary
  // search over a million entries costs a cache miss per step.
  std::vector<std::uint32_t> m_slots;
  std::uint64_t m_slot_mask = 0;
  std::size_t m_next_guess = 0;
  std::int64_t m_unchanged = 0;
};

}  // namespace carrierdb::seeding
