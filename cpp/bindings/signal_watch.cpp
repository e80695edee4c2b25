// signal_watch: Python's signal wake-up descriptor drives the engine's stop token (see the header).
#include "signal_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>

namespace carrierdb::bindings {

namespace {

bool make_pipe(int (&fds)[2]) {
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) return true;
  fds[0] = fds[1] = -1;
  return false;
}

void close_pipe(int (&fds)[2]) {
  for (int &fd : fds)
    if (fd >= 0) {
      close(fd);
      fd = -1;
    }
}

}  // namespace

signal_watch::signal_watch() {
  // Python only lets the main thread set the wake-up descriptor and only delivers signals there.
  py::module_ signal = py::module_::import("signal");
  py::module_ threading = py::module_::import("threading");
  if (!threading.attr("current_thread")().is(threading.attr("main_thread")())) return;
  if (!make_pipe(m_wakeup)) return;
  if (!make_pipe(m_stop)) {
    close_pipe(m_wakeup);
    return;
  }
  m_previous_fd = signal.attr("set_wakeup_fd")(m_wakeup[1], py::arg("warn_on_full_buffer") = false).cast<int>();
  m_active = true;
  m_watcher = std::thread([this] {
    pollfd fds[2] = {{m_wakeup[0], POLLIN, 0}, {m_stop[0], POLLIN, 0}};
    for (;;) {
      if (poll(fds, 2, -1) < 0) continue;  // EINTR
      if (fds[1].revents != 0) return;
      unsigned char bytes[64];
      const ssize_t n = read(m_wakeup[0], bytes, sizeof bytes);
      for (ssize_t k = 0; k < n; ++k) {
        if (m_previous_fd >= 0) (void)!write(m_previous_fd, &bytes[k], 1);
        if (bytes[k] == SIGINT || bytes[k] == SIGTERM) m_token.request(bytes[k]);
      }
    }
  });
}

signal_watch::~signal_watch() {
  if (m_active) {
    (void)!write(m_stop[1], "x", 1);
    m_watcher.join();
    try {
      py::module_::import("signal").attr("set_wakeup_fd")(m_previous_fd);
    } catch (py::error_already_set &) {
      PyErr_Clear();  // never throw from a destructor; the descriptor is ours to close regardless
    }
  }
  close_pipe(m_wakeup);
  close_pipe(m_stop);
}

}  // namespace carrierdb::bindings
