// signal_watch: Ctrl-C and SIGTERM stop an operation that runs without the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "carrierdb/interrupt.hpp"

namespace carrierdb::bindings {
namespace py = pybind11;

/// Lives around one operation, built and destroyed with the GIL held, on the thread that runs
/// the operation. On the main thread it points Python's signal wake-up descriptor
/// (`signal.set_wakeup_fd`) at a pipe read by one watcher thread (started once per process):
/// when SIGINT or SIGTERM arrives and Python has a handler for it (it has for SIGINT by default),
/// the watcher trips this operation's stop token at once, which cancels the statement in flight;
/// the operation unwinds and rolls back, and Python's own handler runs once the GIL is back.
/// Every byte also goes on to the wake-up descriptor set before (asyncio's, say). Elsewhere than
/// on the main thread Python delivers no signals, and the watch does nothing. Costs two
/// `set_wakeup_fd` calls, so even single statements use it.
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
  bool m_active = false;
  int m_previous_fd = -1;                   // the wake-up descriptor set before ours
  interrupt_token *m_outer_token = nullptr;  // a watch this one is nested in (a progress callback's)
  int m_outer_forward = -1;
};

/// Raises carrierdb.Interrupted (a KeyboardInterrupt). For the error translator and finish().
void raise_interrupted(const std::string &message, const std::string &hint, bool committed, int signal, py::object result);

}  // namespace carrierdb::bindings
