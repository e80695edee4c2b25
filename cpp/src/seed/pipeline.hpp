// pipeline: how seed rows travel from the reader through the preparers to the loading thread
// (a ring of batch slots), and the threads that read and prepare them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "carrierdb/interrupt.hpp"
#include "carrierdb/seed/seeder.hpp"
#include "row_preparation.hpp"

namespace carrierdb::seeding {

// Rows travel in batches through a ring of slots: the reader fills a slot with source rows, one
// of the preparers validates them in place, the loading thread consumes the slot in order, and
// the slot goes back to the reader.
struct batch_slot {
  enum class stage { free, read, preparing, prepared };
  stage at = stage::free;
  std::vector<source_row> source;  // [0, size): this batch's rows as read; the rest keep their capacity
  std::vector<prepared_row> rows;  // [0, size): the same rows prepared
  std::size_t size = 0;
  bool progressed = false;  // the reader reported progress while filling this slot
  std::uint64_t bytes = 0, total = 0;
  std::size_t prepared = 0;  // rows[0, prepared) are ready; less than size when a preparer failed
  std::exception_ptr error;  // a preparer's failure, raised in the loading thread after rows[0, prepared)
};

constexpr std::size_t k_batch_rows = 1024;
// Slots in the ring per preparer: the reader and the preparers run ahead of the loading thread by
// up to this many batches each (about 0.4 KB a row), e.g. while the table's digests stream out.
constexpr std::size_t k_slots_per_preparer = 4;

class batch_ring {
public:
  struct cancelled {};  // thrown in the reader and the preparers when the load stopped

  batch_ring(std::size_t slots_per_preparer, unsigned preparers) : m_slots(slots_per_preparer * preparers), m_preparers(preparers) {}

  // Reader: the slot to fill next (free), published with read() once filled.
  batch_slot &to_fill() {
    std::unique_lock<std::mutex> lock(m_mutex);
    batch_slot &slot = m_slots[m_read % m_slots.size()];
    m_changed.wait(lock, [&] { return m_cancelled || slot.at == batch_slot::stage::free; });
    if (m_cancelled) throw cancelled{};
    return slot;
  }
  void read(batch_slot &slot) {
    std::lock_guard<std::mutex> lock(m_mutex);
    slot.at = batch_slot::stage::read;
    ++m_read;
    m_changed.notify_all();
  }
  // Reader: every row was read, or `error` stopped the reading.
  void end_of_input(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_end = true;
    m_input_error = std::move(error);
    m_changed.notify_all();
  }

  // Preparer k of n takes the batches k, k + n, k + 2n, ...: each slot always goes to the same
  // preparer, so the memory of its rows is allocated and freed by one thread. `next` is the
  // caller's next batch number; null when there are no more.
  batch_slot *to_prepare(std::uint64_t &next) {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait(lock, [&] { return m_cancelled || next < m_read || m_end; });
    if (m_cancelled) throw cancelled{};
    if (next >= m_read) return nullptr;
    batch_slot &slot = m_slots[next % m_slots.size()];
    slot.at = batch_slot::stage::preparing;
    next += m_preparers;
    return &slot;
  }
  void prepared(batch_slot &slot) {
    std::lock_guard<std::mutex> lock(m_mutex);
    slot.at = batch_slot::stage::prepared;
    m_changed.notify_all();
  }

  // Loading thread: the next slot in order once prepared; null at the end, where the reader's
  // error is raised. A preparer's error is the slot's own (see batch_slot::error).
  batch_slot *to_load() {
    std::unique_lock<std::mutex> lock(m_mutex);
    batch_slot &slot = m_slots[m_loaded % m_slots.size()];
    // In slices: a stop asked for while the input stalls (a slow disk, a DataFrame being
    // converted) is seen within 50 ms, not when the next batch arrives.
    const auto ready = [&] { return (m_loaded < m_read && slot.at == batch_slot::stage::prepared) || (m_end && m_loaded == m_read); };
    while (!m_changed.wait_for(lock, std::chrono::milliseconds(50), ready)) check_interrupt();
    if (m_loaded == m_read) {
      if (m_input_error) std::rethrow_exception(m_input_error);
      return nullptr;
    }
    return &slot;
  }
  void loaded(batch_slot &slot) {
    std::lock_guard<std::mutex> lock(m_mutex);
    slot.at = batch_slot::stage::free;
    slot.size = 0;
    slot.prepared = 0;
    slot.progressed = false;
    ++m_loaded;
    m_changed.notify_all();
  }

  void cancel() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_cancelled = true;
    m_changed.notify_all();
  }

private:
  std::vector<batch_slot> m_slots;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  unsigned m_preparers;
  std::uint64_t m_read = 0, m_loaded = 0;  // batches read, loaded
  bool m_end = false, m_cancelled = false;
  std::exception_ptr m_input_error;
};

// The threads of one load: a reader running the producer and up to four preparers, all started
// on construction. The loading thread (the one that owns the connection, the report and any
// Python callback) takes the prepared batches in order with next() and hands each back with
// done(). Destruction stops and joins the threads, also when the load ends early.
class load_pipeline {
public:
  /// `produce` and everything `plan` refers to must outlive the pipeline.
  load_pipeline(const seed_row_producer &produce, const prepare_plan &plan);
  ~load_pipeline();
  load_pipeline(const load_pipeline &) = delete;
  load_pipeline &operator=(const load_pipeline &) = delete;

  /// The next prepared batch in order; null at the end (where the reader's error is raised).
  batch_slot *next() { return m_ring.to_load(); }
  void done(batch_slot &batch) { m_ring.loaded(batch); }
  /// Strict mode after a bad row: the preparers only validate from now on.
  void stop_writing() { m_writing_wanted.store(false, std::memory_order_relaxed); }

private:
  void read(const seed_row_producer &produce);
  void prepare(unsigned k);
  void stop();

  const prepare_plan m_plan;
  const unsigned m_preparers;
  batch_ring m_ring;
  std::atomic<bool> m_writing_wanted{true};
  std::vector<std::thread> m_threads;
};

}  // namespace carrierdb::seeding
