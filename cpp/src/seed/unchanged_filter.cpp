// unchanged_filter: the stored rows' digests, streamed out once and indexed.
#include "unchanged_filter.hpp"

namespace carrierdb::seeding {

unchanged_filter::unchanged_filter(connection &conn, const std::string &table, const column_plan &plan) {
  std::string select;
  for (std::size_t p : plan.key_positions) select += (select.empty() ? "" : ", ") + conn.quote_identifier(plan.fields[p]->column);
  for (std::size_t p : plan.compared_positions) select += ", " + conn.quote_identifier(plan.fields[p]->column);
  const std::size_t key_size = plan.key_positions.size();
  std::string text;
  conn.copy_out("SELECT " + select + " FROM " + conn.quote_identifier(table), [&](const std::vector<std::optional<std::string>> &f) {
    const auto hash = [&](std::size_t from, std::size_t to) {
      text.clear();
      for (std::size_t k = from; k < to; ++k) {
        if (k > from) text += '\x1f';
        if (f[k]) text += *f[k];
        else text += '\x1e';
      }
      return fnv1a(text);
    };
    m_entries.push_back({hash(0, key_size), hash(key_size, f.size()), 0});
  });

  std::size_t capacity = 16;
  while (capacity < m_entries.size() * 2) capacity <<= 1;
  m_slots.assign(capacity, k_empty_slot);
  m_slot_mask = capacity - 1;
  for (std::uint32_t i = 0; i < m_entries.size(); ++i) {
    std::uint64_t at = slot_of(m_entries[i].key) & m_slot_mask;
    while (m_slots[at] != k_empty_slot) at = (at + 1) & m_slot_mask;
    m_slots[at] = i;
  }
}

}  // namespace carrierdb::seeding
