// Stopping long operations on request (Ctrl-C, SIGTERM): a token the caller trips from any thread,
// checks the engine makes on the thread that runs the operation, and the cancellation of the
// statement in flight, so a stop never waits for a long statement to finish by itself.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>

namespace carrierdb {

/// One operation's stop request. `request()` may be called from any thread (a signal watcher);
/// the operation's thread sees it at its next `check_interrupt()`, and the statement it has in
/// flight, if any, is cancelled on the spot.
class interrupt_token {
public:
  /// Asks the operation to stop. Safe from any thread; idempotent. `signal` (e.g. SIGINT) is kept
  /// for the report.
  void request(int signal = 0) noexcept;
  bool requested() const noexcept { return m_requested.load(std::memory_order_acquire); }
  int signal() const noexcept { return m_signal.load(std::memory_order_relaxed); }

private:
  friend class statement_in_flight;
  std::atomic<bool> m_requested{false};
  std::atomic<int> m_signal{0};
  std::mutex m_mutex;                  // guards m_cancel against the statement ending meanwhile
  const std::function<void()> *m_cancel = nullptr;
};

/// Makes `token` govern the operations this thread runs while the scope lives (one at a time; a
/// nested scope replaces the outer one until it ends).
class interrupt_scope {
public:
  explicit interrupt_scope(interrupt_token &token) noexcept;
  ~interrupt_scope();
  interrupt_scope(const interrupt_scope &) = delete;
  interrupt_scope &operator=(const interrupt_scope &) = delete;

private:
  interrupt_token *m_previous;
};

/// True when this thread's operation was asked to stop and no `interrupt_shield` is up.
bool interrupt_pending() noexcept;
/// True when this thread's operation was asked to stop, shield or not: tells a statement the
/// server cancelled on our request from one cancelled by a statement timeout.
bool interrupt_requested() noexcept;
/// The signal behind this thread's stop request (0 when none is known).
int interrupt_signal() noexcept;
/// Throws interrupted_error when `interrupt_pending()`. Cheap (two loads): call it in every loop
/// that can run for more than a few milliseconds without a statement.
void check_interrupt();

/// Sleeps for `duration` in short slices, throwing interrupted_error as soon as a stop is pending.
void interruptible_sleep(std::chrono::milliseconds duration);

/// While alive, requests are held back on this thread: `check_interrupt()` does not throw and no
/// statement is cancelled. For what must run to its end once begun: COMMIT (so its outcome is
/// known), ROLLBACK and lock releases (so nothing stays held).
class interrupt_shield {
public:
  interrupt_shield() noexcept;
  ~interrupt_shield();
  interrupt_shield(const interrupt_shield &) = delete;
  interrupt_shield &operator=(const interrupt_shield &) = delete;
};

/// Registers how to cancel the statement this thread is about to run (PostgreSQL: a cancel
/// request to the server). First checks for a pending request (throws interrupted_error), so no
/// statement starts after a stop was asked for; a request while the statement runs calls
/// `cancel` from the requesting thread. Inert outside an interrupt_scope or under a shield.
class statement_in_flight {
public:
  /// What to do when a stop is already pending at registration: refuse to start the statement
  /// (throw), or, for a statement already under way whose result must be read, cancel it now.
  enum when_requested { refuse, cancel_if_requested };
  explicit statement_in_flight(const std::function<void()> &cancel, when_requested pending = refuse);
  ~statement_in_flight();
  statement_in_flight(const statement_in_flight &) = delete;
  statement_in_flight &operator=(const statement_in_flight &) = delete;

private:
  interrupt_token *m_token = nullptr;
};

}  // namespace carrierdb
