// interrupt: the per-thread stop token, its checks, shields and the statement-in-flight hook.
#include "carrierdb/interrupt.hpp"

#include <algorithm>
#include <thread>

#include "carrierdb/error.hpp"

namespace carrierdb {

namespace {

thread_local interrupt_token *t_token = nullptr;
thread_local int t_shields = 0;

}  // namespace

void interrupt_token::request(int signal) noexcept {
  if (signal != 0) m_signal.store(signal, std::memory_order_relaxed);
  // Under the mutex: the statement cannot end (and its cancel function die) while it is cancelled,
  // and a statement registering after this sees the flag and does not start.
  std::lock_guard<std::mutex> guard(m_mutex);
  m_requested.store(true, std::memory_order_release);
  if (m_cancel) {
    try {
      (*m_cancel)();
    } catch (...) {
      // Best effort: the operation still stops at its next check.
    }
  }
}

interrupt_scope::interrupt_scope(interrupt_token &token) noexcept : m_previous(t_token) { t_token = &token; }
interrupt_scope::~interrupt_scope() { t_token = m_previous; }

bool interrupt_pending() noexcept { return t_token && t_shields == 0 && t_token->requested(); }

bool interrupt_requested() noexcept { return t_token && t_token->requested(); }
int interrupt_signal() noexcept { return t_token ? t_token->signal() : 0; }

void interruptible_sleep(std::chrono::milliseconds duration) {
  constexpr std::chrono::milliseconds slice{20};
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    check_interrupt();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    std::this_thread::sleep_for(std::min(left, slice));
  }
}

void check_interrupt() {
  if (interrupt_pending()) throw interrupted_error("interrupted", t_token->signal());
}

interrupt_shield::interrupt_shield() noexcept { ++t_shields; }
interrupt_shield::~interrupt_shield() { --t_shields; }

statement_in_flight::statement_in_flight(const std::function<void()> &cancel, when_requested pending) {
  if (!t_token || t_shields > 0) return;
  std::lock_guard<std::mutex> guard(t_token->m_mutex);
  if (t_token->requested()) {
    if (pending == refuse) throw interrupted_error("interrupted", t_token->signal());
    try {
      cancel();
    } catch (...) {
    }
  }
  t_token->m_cancel = &cancel;
  m_token = t_token;
}

statement_in_flight::~statement_in_flight() {
  if (!m_token) return;
  std::lock_guard<std::mutex> guard(m_token->m_mutex);
  m_token->m_cancel = nullptr;
}

}  // namespace carrierdb
