// sqlite_locks: the lock that keeps two migrations off one database file: flock() on a lock file
// beside it, waited for in slices a stop request can end.
#include "sqlite_adapter.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "carrierdb/error.hpp"

namespace carrierdb::internal {

namespace {

class sqlite_file_lock final : public lock_handle {
public:
  explicit sqlite_file_lock(int fd) : m_fd(fd) {}
  ~sqlite_file_lock() override {
    if (m_fd >= 0) close(m_fd);  // closing the last descriptor releases the flock too
  }

  void release() override {
    if (m_fd < 0) return;
    const int unlocked = flock(m_fd, LOCK_UN);
    const int err = errno;
    const int closed = close(m_fd);
    m_fd = -1;
    if (unlocked != 0 || closed != 0)
      throw operational_error(std::string("releasing the database's lock file failed: ") + std::strerror(unlocked != 0 ? err : errno),
                              diagnostics{}, "check the lock file beside the database; no process of this one holds it any more");
  }

private:
  int m_fd;
};

class no_lock final : public lock_handle {};

}  // namespace

std::unique_ptr<lock_handle> sqlite_connection::acquire_lock(std::int64_t key, std::chrono::milliseconds timeout) {
  // In memory, only this connection sees the database: nothing to exclude.
  if (m_path.empty()) return std::make_unique<no_lock>();
  // A lock file beside the database, not the database itself: closing any descriptor of
  // the database file would drop SQLite's own POSIX locks on it. flock() dies with the
  // process, so a killed deploy never leaves the lock behind.
  const std::string lock_path = m_path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw operational_error("cannot open lock file " + lock_path + ": " + std::strerror(errno), diagnostics{},
                            "check that the database's directory is writable");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto wait = std::chrono::milliseconds(5);
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int err = errno;
      close(fd);
      throw operational_error("cannot lock " + lock_path + ": " + std::strerror(err), diagnostics{});
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      close(fd);
      throw timeout_error("could not take the lock " + std::to_string(key) + " on " + m_display + " (" + lock_path + ") within " +
                              std::to_string(timeout.count()) + " ms",
                          diagnostics{}, "another migration is running against this file; wait for it, or raise lock_timeout");
    }
    try {
      interruptible_sleep(wait);
    } catch (...) {
      close(fd);
      throw;
    }
    wait = std::min(wait * 2, std::chrono::milliseconds(100));
  }
  return std::make_unique<sqlite_file_lock>(fd);
}

}  // namespace carrierdb::internal
