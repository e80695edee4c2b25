// signal_watch: Ctrl-C and SIGTERM stop a long operation that runs without the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <thread>

#include "carrierdb/interrupt.hpp"

namespace carrierdb::bindings {
namespace py = pybind11;

/// Lives around one long operation, built and destroyed with the GIL held, on the thread that runs
/// the operation. On the main thread it routes Python's signal wake-up descriptor
/// (`signal.set_wakeup_fd`) to a watcher thread: when SIGINT or SIGTERM arrives (and Python has a
/// handler for it, as it has for SIGINT by default), the watcher trips the operation's stop token
/// at once, which cancels the statement in flight; the operation then unwinds and rolls back, and
/// Python's own handler runs when the GIL is back (raising KeyboardInterrupt). Bytes for other
/// signals, and all bytes, go on to a wake-up descriptor set before (asyncio's). Elsewhere than on
/// the main thread Python delivers no signals, and the watch does nothing.
class signal_watch {
public:
  signal_watch();
  ~signal_watch();
  signal_watch(const signal_watch &) = delete;
  signal_watch &operator=(const signal_watch &) = delete;

  /// Call with the GIL held once the operation has returned normally. A stop asked for while it
  /// ran, yet not honoured, arrived after its work was committed: Python's handler runs now, and a
  /// KeyboardInterrupt it raises becomes carrierdb.Interrupted(committed=True) carrying `result`
  /// and `what_happened`. Otherwise returns `result`.
  py::object finish(py::object result, const std::string &what_happened);

private:
  interrupt_token m_token;
  interrupt_scope m_scope{m_token};
  int m_wakeup[2] = {-1, -1};  // Python's signal handler writes here
  int m_stop[2] = {-1, -1};    // wakes the watcher to end it
  int m_previous_fd = -1;      // the wake-up descriptor set before ours, if any
  bool m_active = false;
  std::thread m_watcher;
};

/// Raises carrierdb.Interrupted (a KeyboardInterrupt) for a stop, after running Python's pending
/// signal handlers; keeps another exception a handler raised (SystemExit, ...). For the error
/// translator and signal_watch::finish.
void raise_interrupted(const std::string &message, const std::string &hint, bool committed, int signal, py::object result);

}  // namespace carrierdb::bindings
