// connection_pool: lazy opening, bounded size, waiting with a timeout, unhealthy connections dropped.
#include "carrierdb/backend/pool.hpp"

#include <algorithm>

#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"

namespace carrierdb {

connection_pool::lease &connection_pool::lease::operator=(lease &&other) noexcept {
  if (this != &other) {
    give_back();
    m_pool = other.m_pool;
    m_conn = std::move(other.m_conn);
    other.m_pool = nullptr;
  }
  return *this;
}

connection_pool::lease::~lease() { give_back(); }

void connection_pool::lease::give_back() noexcept {
  if (m_pool && m_conn) m_pool->put_back(std::move(m_conn));
  m_pool = nullptr;
}

connection_pool::connection_pool(database_url url, connection_options options)
    : m_url(std::move(url)), m_options(options_for_url(m_url, std::move(options))) {
  if (!m_options.statements_run) m_options.statements_run = std::make_shared<std::atomic<std::int64_t>>(0);
  m_max = m_url.sqlite_in_memory() ? 1 : std::max<std::size_t>(1, m_options.pool_size);
}

connection_pool::lease connection_pool::acquire() {
  std::unique_lock<std::mutex> lock(m_mutex);
  const auto ready = [&] { return !m_idle.empty() || m_open < m_max; };
  // Waits in slices so that a stop request (Ctrl-C) ends the wait within 50 ms.
  const auto wait_until = [&](std::chrono::steady_clock::time_point deadline) {
    while (!ready()) {
      check_interrupt();
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      m_available.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)));
    }
    return true;
  };
  if (!ready()) {
    if (m_options.pool_timeout.count() <= 0) {
      wait_until(std::chrono::steady_clock::time_point::max());
    } else if (!wait_until(std::chrono::steady_clock::now() + m_options.pool_timeout)) {
      throw timeout_error("no free connection to " + m_url.display() + " within " +
                              std::to_string(m_options.pool_timeout.count()) + " ms (all " +
                              std::to_string(m_max) + " in use)",
                          diagnostics{}, "raise pool_size, or finish transactions sooner");
    }
  }
  if (!m_idle.empty()) {
    auto conn = std::move(m_idle.back());
    m_idle.pop_back();
    return lease(this, std::move(conn));
  }
  ++m_open;
  lock.unlock();
  try {
    return lease(this, open_connection(m_url, m_options));
  } catch (...) {
    lock.lock();
    --m_open;
    m_available.notify_one();
    throw;
  }
}

void connection_pool::put_back(std::unique_ptr<connection> conn) noexcept {
  // Never pool a connection inside a transaction: the next user would inherit it.
  if (conn->healthy() && conn->in_transaction()) {
    conn->rollback_or_discard();
    if (conn->in_transaction()) conn->discard();
  }
  std::unique_ptr<connection> discard;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (conn->healthy()) {
      m_idle.push_back(std::move(conn));
    } else {
      discard = std::move(conn);
      --m_open;
    }
  }
  m_available.notify_one();
  // `discard` closes outside the lock: closing a socket may block.
}

void connection_pool::close_idle() {
  std::vector<std::unique_ptr<connection>> closing;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    closing.swap(m_idle);
    m_open -= closing.size();
  }
  m_available.notify_all();
}

std::size_t connection_pool::open_count() const {
  std::lock_guard<std::mutex> guard(m_mutex);
  return m_open;
}

}  // namespace carrierdb
