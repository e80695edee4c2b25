// pipeline: the reader and preparer threads of a seed load.
#include "pipeline.hpp"

#include <algorithm>

namespace carrierdb::seeding {

load_pipeline::load_pipeline(const seed_row_producer &produce, const prepare_plan &plan)
    : m_plan(plan),
      m_preparers(std::max(1u, std::min(4u, std::thread::hardware_concurrency()))),
      m_ring(k_slots_per_preparer, m_preparers) {
  try {
    m_threads.emplace_back([this, &produce] { read(produce); });
    for (unsigned k = 0; k < m_preparers; ++k) m_threads.emplace_back([this, k] { prepare(k); });
  } catch (...) {
    stop();  // a thread that could not start: the ones that did are joined before the error leaves
    throw;
  }
}

load_pipeline::~load_pipeline() { stop(); }

void load_pipeline::stop() {
  m_ring.cancel();
  for (auto &t : m_threads) t.join();
  m_threads.clear();
}

void load_pipeline::read(const seed_row_producer &produce) {
  std::exception_ptr error;
  batch_slot *slot = nullptr;
  try {
    slot = &m_ring.to_fill();
    produce(
        [&](source_row &src) {
          if (slot->size == slot->source.size()) slot->source.emplace_back();
          std::swap(slot->source[slot->size++], src);
          if (slot->size == k_batch_rows) {
            m_ring.read(*slot);
            slot = &m_ring.to_fill();
          }
        },
        [&](std::uint64_t bytes, std::uint64_t total) {
          slot->progressed = true;
          slot->bytes = bytes;
          slot->total = total;
        });
    if (slot->size > 0 || slot->progressed) m_ring.read(*slot);
  } catch (const batch_ring::cancelled &) {
    return;
  } catch (...) {
    // The rows read before the error are handled (validated, reported) before it is raised.
    error = std::current_exception();
    if (slot && slot->size > 0) m_ring.read(*slot);
  }
  m_ring.end_of_input(error);
}

void load_pipeline::prepare(unsigned k) {
  try {
    std::uint64_t next = k;
    while (batch_slot *slot = m_ring.to_prepare(next)) {
      try {
        if (slot->rows.size() < slot->size) slot->rows.resize(slot->size);
        const bool wanted = m_writing_wanted.load(std::memory_order_relaxed);
        slot->error = nullptr;
        for (slot->prepared = 0; slot->prepared < slot->size; ++slot->prepared)
          prepare_row(m_plan, wanted, slot->source[slot->prepared], slot->rows[slot->prepared]);
      } catch (...) {
        slot->error = std::current_exception();  // raised after the rows before it
      }
      m_ring.prepared(*slot);
    }
  } catch (const batch_ring::cancelled &) {
  }
}

}  // namespace carrierdb::seeding
