// Logging hook: the core reports through one sink; the Python layer routes it to `logging`.
#pragma once

#include <functional>
#include <string>

namespace carrierdb {

/// Levels share Python's numbers so the sink can pass them through unchanged.
enum class log_level : int { debug = 10, info = 20, warning = 30, error = 40 };

using log_sink = std::function<void(log_level, const std::string &)>;

/// Installs `sink` for messages at `min_level` and above (an empty sink silences the core).
void set_log_sink(log_sink sink, log_level min_level);
/// Changes the threshold without replacing the sink.
void set_log_level(log_level min_level);
/// True when a message at `level` would reach the sink: check before formatting.
bool log_enabled(log_level level) noexcept;
void log(log_level level, const std::string &message);

}  // namespace carrierdb
