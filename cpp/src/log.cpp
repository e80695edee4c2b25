// The core's single logging sink.
#include "carrierdb/log.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace carrierdb {
namespace {
std::mutex g_sink_mutex;
std::shared_ptr<const log_sink> g_sink;  // replaced whole, so a reader never sees a torn sink
// Above every level while no sink is installed: log_enabled() stays a single atomic load.
std::atomic<int> g_min_level{1000};
}  // namespace

void set_log_sink(log_sink sink, log_level min_level) {
  std::lock_guard<std::mutex> guard(g_sink_mutex);
  if (sink) {
    g_sink = std::make_shared<const log_sink>(std::move(sink));
    g_min_level = static_cast<int>(min_level);
  } else {
    g_sink.reset();
    g_min_level = 1000;
  }
}

void set_log_level(log_level min_level) {
  std::lock_guard<std::mutex> guard(g_sink_mutex);
  if (g_sink) g_min_level = static_cast<int>(min_level);
}

bool log_enabled(log_level level) noexcept { return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed); }

void log(log_level level, const std::string &message) {
  if (!log_enabled(level)) return;
  std::shared_ptr<const log_sink> sink;
  {
    std::lock_guard<std::mutex> guard(g_sink_mutex);
    sink = g_sink;
  }
  if (sink) (*sink)(level, message);
}

}  // namespace carrierdb
