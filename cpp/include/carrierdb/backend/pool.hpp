// A thread-safe pool of connections to one database.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "carrierdb/backend/connection.hpp"

namespace carrierdb {

/// Hands each connection to one thread at a time. Connections are opened lazily up to
/// `pool_size` (1 for an in-memory SQLite database, where a second connection would be a
/// second, empty database) and discarded when they turn unhealthy.
class connection_pool {
public:
  /// Returns its connection to the pool when destroyed.
  class lease {
  public:
    lease() = default;
    lease(connection_pool *pool, std::unique_ptr<connection> conn) : m_pool(pool), m_conn(std::move(conn)) {}
    lease(lease &&other) noexcept = default;
    lease &operator=(lease &&other) noexcept;
    lease(const lease &) = delete;
    lease &operator=(const lease &) = delete;
    ~lease();

    connection &operator*() const { return *m_conn; }
    connection *operator->() const { return m_conn.get(); }
    explicit operator bool() const noexcept { return m_conn != nullptr; }

  private:
    void give_back() noexcept;
    connection_pool *m_pool = nullptr;
    std::unique_ptr<connection> m_conn;
  };

  connection_pool(database_url url, connection_options options);
  connection_pool(const connection_pool &) = delete;
  connection_pool &operator=(const connection_pool &) = delete;

  /// Waits up to `pool_timeout` for a free connection, opening one if the pool has room.
  lease acquire();
  /// Closes idle connections; leased ones close when they come back.
  void close_idle();

  std::size_t max_size() const noexcept { return m_max; }
  std::size_t open_count() const;
  /// Statements run by this pool's connections since it was created.
  std::int64_t statements_run() const noexcept { return m_options.statements_run->load(); }
  const database_url &url() const noexcept { return m_url; }
  const connection_options &options() const noexcept { return m_options; }

private:
  void put_back(std::unique_ptr<connection> conn) noexcept;

  database_url m_url;
  connection_options m_options;
  std::size_t m_max;
  mutable std::mutex m_mutex;
  std::condition_variable m_available;
  std::vector<std::unique_ptr<connection>> m_idle;
  std::size_t m_open = 0;
};

}  // namespace carrierdb
