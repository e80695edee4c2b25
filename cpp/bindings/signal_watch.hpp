// signal_watch: Ctrl-C and SIGTERM stop an operation that runs without the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "carrierdb/interrupt.hpp"

namespace carrierdb::bindings {
namespace py = pybind11;

/// Lives around one operation, built and destroyed with the GIL held, on the thread that runs
/// the operation. On the main thread it points Python's signal wake-up descriptor
/// (`signal.set_wakeup_fd`) at a pipe read by one watcher thread (started once per process).
/// When SIGINT or SIGTERM arrives and its Python handler is one that stops the program (SIGINT's
/// default, which raises KeyboardInterrupt, or a handler marked `carrierdb_stops_operations =
/// True`, as the CLI's SIGTERM handler is), the watcher trips this operation's stop token at once,
/// which cancels the statement in flight; the operation unwinds and rolls back, and Python's own
/// handler runs once the GIL is back. A handler that only records the signal stops nothing.
/// Every byte also goes on to the wake-up descriptor set before (asyncio's, say), which is
/// restored afterwards. Elsewhere than on the main thread Python delivers no signals, and the
/// watch does nothing. Costs a few microseconds, so single statements use it too.
class signal_watch {
public:
  signal_watch();
  ~signal_watch();
  signal_watch(const signal_watch &) = delete;
  signal_watch &operator=(const signal_watch &) = delete;

  /// Call with the GIL held once the operation has returned normally. Runs Python's pending
  /// signal handlers: a KeyboardInterrupt one raises (the signal came too late to stop anything)
  /// becomes carrierdb.Interrupted carrying `result`, `what_happened` and `committed` (whether the
  /// operation's work is committed, not merely done inside the caller's open transaction).
  /// Otherwise returns `result`.
  py::object finish(py::object result, const std::string &what_happened, bool committed);

private:
  interrupt_token m_token;
  interrupt_scope m_scope{m_token};
  bool m_active = false;
  int m_previous_fd = -1;  // the wake-up descriptor set before ours
  struct saved;            // the watcher's state before this watch (a watch may nest in another)
  std::unique_ptr<saved> m_outer;
};

/// Runs Python's pending signal handlers. Returns 0 when none raised; the signal when one raised
/// KeyboardInterrupt (then cleared, for carrierdb.Interrupted to take its place; `known` when the
/// watcher saw which signal, SIGTERM when the CLI's handler raised it, else SIGINT); -1 when a
/// handler raised anything else (left set, to stand instead).
int take_keyboard_interrupt(int known);

/// Runs `operation` with the GIL released and returns what it returns. Call with the GIL held.
template <class Operation>
auto without_gil(Operation &&operation) {
  py::gil_scoped_release release;
  return operation();
}

/// What a stop that came after an operation had finished leaves: what had happened, whether it
/// is committed, and the operation's result for Python (see signal_watch::finish).
struct finished_work {
  std::string what_happened;
  bool committed = false;
  py::object result;
};

/// The shape of every long operation's binding: run `operation` without the GIL inside a
/// signal_watch, then let `finished(outcome)` (with the GIL held) say what its outcome is for
/// Python and what a late stop would leave. Returns that result, or raises carrierdb.Interrupted
/// carrying it when the stop came too late to stop anything.
template <class Operation, class Finished>
py::object run_watched(Operation &&operation, Finished &&finished) {
  signal_watch watch;
  auto outcome = without_gil(std::forward<Operation>(operation));
  finished_work work = finished(std::move(outcome));
  return watch.finish(std::move(work.result), work.what_happened, work.committed);
}

/// Sets carrierdb.Interrupted (a KeyboardInterrupt) as the Python error.
void raise_interrupted(const std::string &message, const std::string &hint, bool committed, int signal, py::object result);

}  // namespace carrierdb::bindings
