// signal_watch: Python's signal wake-up descriptor drives the engine's stop token (see the header).
#include "signal_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

namespace carrierdb::bindings {

namespace {

// One per process: the pipe Python's signal handler writes to while a watch is up, and the
// thread that reads it. Its state changes only under `mutex`, which the watcher holds while it
// reads and hands on bytes, so a token is never requested after its operation ended and no byte
// is lost while a watch takes over the wake-up descriptor or gives it back.
struct watcher {
  std::mutex mutex;
  interrupt_token *token = nullptr;  // the watched operation's, or null
  bool stop_on_sigint = false, stop_on_sigterm = false;
  int forward_fd = -1;  // the wake-up descriptor to pass every byte on to
  int pipe_fds[2] = {-1, -1};

  // Reads what is in the pipe (never blocks: the pipe is non-blocking); call under `mutex`.
  void hand_on_bytes() {
    unsigned char bytes[64];
    ssize_t n;
    while ((n = read(pipe_fds[0], bytes, sizeof bytes)) > 0) {
      for (ssize_t k = 0; k < n; ++k) {
        if (forward_fd >= 0) (void)!write(forward_fd, &bytes[k], 1);
        const bool stops = (bytes[k] == SIGINT && stop_on_sigint) || (bytes[k] == SIGTERM && stop_on_sigterm);
        if (token && stops) token->request(bytes[k]);
      }
    }
  }

  void run() {
    pollfd fd{pipe_fds[0], POLLIN, 0};
    for (;;) {
      if (poll(&fd, 1, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fd.revents & (POLLERR | POLLNVAL)) return;  // the pipe is gone: nothing left to watch
      std::lock_guard<std::mutex> guard(mutex);
      hand_on_bytes();
    }
  }
};

// Started on first use, on the main thread under the GIL (so never twice at once); detached,
// living as long as the process. A forked child starts its own: the parent's thread did not
// come along, and its mutex may have been held at the fork.
watcher *the_watcher() {
  static watcher *w = nullptr;  // never destroyed: the thread may outlive static teardown
  static pid_t owner = 0;
  if (w && owner == getpid()) return w;
  auto *fresh = new watcher();
  if (pipe2(fresh->pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    delete fresh;
    return nullptr;
  }
  w = fresh;
  owner = getpid();
  std::thread([fresh] { fresh->run(); }).detach();
  return w;
}

// Python objects looked up once and kept for the life of the process.
py::object &cached(const char *module, const char *name) {
  static auto *cache = new std::map<std::string, py::object>();
  const std::string key = std::string(module) + "." + name;
  auto it = cache->find(key);
  if (it == cache->end()) it = cache->emplace(key, py::module_::import(module).attr(name)).first;
  return it->second;
}

bool on_main_thread() {
  return cached("threading", "main_thread")().attr("ident").cast<unsigned long>() == PyThread_get_thread_ident();
}

// Does Python's handler for `signum` stop the program (so the operation should stop too)?
bool handler_stops(int signum) {
  py::object handler = cached("signal", "getsignal")(signum);
  if (signum == SIGINT && handler.is(cached("signal", "default_int_handler"))) return true;
  return py::bool_(py::getattr(handler, "carrierdb_stops_operations", py::bool_(false)));
}

}  // namespace

struct signal_watch::saved {
  interrupt_token *token;
  bool stop_on_sigint, stop_on_sigterm;
  int forward_fd;
};

signal_watch::signal_watch() {
  // Python only lets the main thread set the wake-up descriptor and only delivers signals there.
  if (!on_main_thread()) return;
  watcher *w = the_watcher();
  if (!w) return;
  const bool sigint = handler_stops(SIGINT), sigterm = handler_stops(SIGTERM);
  std::lock_guard<std::mutex> guard(w->mutex);
  m_previous_fd = cached("signal", "set_wakeup_fd")(w->pipe_fds[1], py::arg("warn_on_full_buffer") = false).cast<int>();
  m_outer.reset(new saved{w->token, w->stop_on_sigint, w->stop_on_sigterm, w->forward_fd});
  w->token = &m_token;
  w->stop_on_sigint = sigint;
  w->stop_on_sigterm = sigterm;
  // Nested in another watch: the descriptor before ours is our own pipe, and the outer watch's
  // forwarding stays as it was.
  if (m_previous_fd != w->pipe_fds[1]) w->forward_fd = m_previous_fd;
  m_active = true;
}

signal_watch::~signal_watch() {
  if (!m_active) return;
  watcher *w = the_watcher();
  std::lock_guard<std::mutex> guard(w->mutex);
  try {
    cached("signal", "set_wakeup_fd")(m_previous_fd);
  } catch (py::error_already_set &) {
    // Never throw from a destructor; a descriptor closed meanwhile is the caller's affair.
  }
  // Bytes written before the switch belong to this watch's time: hand them on now (the outer
  // watch, if any, reads its own from the same pipe afterwards).
  if (m_previous_fd != w->pipe_fds[1]) w->hand_on_bytes();
  w->token = m_outer->token;
  w->stop_on_sigint = m_outer->stop_on_sigint;
  w->stop_on_sigterm = m_outer->stop_on_sigterm;
  w->forward_fd = m_outer->forward_fd;
}

}  // namespace carrierdb::bindings
