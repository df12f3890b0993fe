#include "stop_signals.hpp"

#include <pthread.h>

#include <cerrno>

namespace eckid_cli {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

bool StopSignals::wait(std::chrono::milliseconds timeout) {
  if (stopped_) return true;
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec ts{static_cast<time_t>(s.count()),
              static_cast<long>(std::chrono::nanoseconds(timeout - s).count())};
  int got = -1;
  do {
    got = sigtimedwait(&set_, nullptr, &ts);  // EINTR: another signal (e.g. SIGWINCH)
  } while (got < 0 && errno == EINTR);
  stopped_ = got == SIGINT || got == SIGTERM;
  return stopped_;
}

}  // namespace eckid_cli
