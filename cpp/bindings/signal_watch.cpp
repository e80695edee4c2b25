// signal_watch: Python's signal wake-up descriptor drives the engine's stop token (see the header).
#include "signal_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <mutex>
#include <thread>

namespace carrierdb::bindings {

namespace {

// One per process: the pipe Python's signal handler writes to while a watch is up, and the
// thread that reads it. Its state changes only under `mutex`, so a token is never requested
// after its operation ended.
struct watcher {
  std::mutex mutex;
  interrupt_token *token = nullptr;  // the watched operation's, or null
  int forward_fd = -1;               // the wake-up descriptor to pass every byte on to
  int pipe_fds[2] = {-1, -1};
  pid_t owner = 0;                   // a forked child starts its own watcher

  void run() {
    pollfd fd{pipe_fds[0], POLLIN, 0};
    for (;;) {
      if (poll(&fd, 1, -1) < 0) continue;  // EINTR
      unsigned char bytes[64];
      const ssize_t n = read(pipe_fds[0], bytes, sizeof bytes);
      std::lock_guard<std::mutex> guard(mutex);
      for (ssize_t k = 0; k < n; ++k) {
        if (forward_fd >= 0) (void)!write(forward_fd, &bytes[k], 1);
        if (token && (bytes[k] == SIGINT || bytes[k] == SIGTERM)) token->request(bytes[k]);
      }
    }
  }
};

// Started on first use (on the main thread, under the GIL, so never twice at once); the thread
// is detached and lives as long as the process.
watcher *the_watcher() {
  static watcher *w = new watcher();  // never destroyed: the thread may outlive static teardown
  if (w->owner == getpid()) return w;
  if (pipe2(w->pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return nullptr;
  w->owner = getpid();
  w->token = nullptr;
  w->forward_fd = -1;
  std::thread([w] { w->run(); }).detach();
  return w;
}

// signal.set_wakeup_fd, looked up once; kept for the life of the process.
py::object &set_wakeup_fd() {
  static auto *fn = new py::object(py::module_::import("signal").attr("set_wakeup_fd"));
  return *fn;
}

bool on_main_thread() {
  static auto *main_thread = new py::object(py::module_::import("threading").attr("main_thread"));
  return (*main_thread)().attr("ident").cast<unsigned long>() == PyThread_get_thread_ident();
}

}  // namespace

signal_watch::signal_watch() {
  // Python only lets the main thread set the wake-up descriptor and only delivers signals there.
  if (!on_main_thread()) return;
  watcher *w = the_watcher();
  if (!w) return;
  m_previous_fd = set_wakeup_fd()(w->pipe_fds[1], py::arg("warn_on_full_buffer") = false).cast<int>();
  std::lock_guard<std::mutex> guard(w->mutex);
  m_outer_token = w->token;
  m_outer_forward = w->forward_fd;
  w->token = &m_token;
  // Nested in another watch: the descriptor before ours is our own pipe, and the outer operation
  // waits for this one anyway.
  if (m_previous_fd != w->pipe_fds[1]) w->forward_fd = m_previous_fd;
  m_active = true;
}

signal_watch::~signal_watch() {
  if (!m_active) return;
  watcher *w = the_watcher();
  {
    std::lock_guard<std::mutex> guard(w->mutex);
    w->token = m_outer_token;
    w->forward_fd = m_outer_forward;
  }
  try {
    set_wakeup_fd()(m_previous_fd);
  } catch (py::error_already_set &) {
    // Never throw from a destructor; a descriptor closed meanwhile is the caller's affair.
  }
}

}  // namespace carrierdb::bindings
