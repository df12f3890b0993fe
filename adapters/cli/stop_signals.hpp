// SIGINT and SIGTERM taken as a request to stop, without an asynchronous handler.
#pragma once

#include <signal.h>

#include <chrono>

namespace eckid_cli {

/// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread started after it
/// (the plugin's workers inherit the mask: no plugin call is interrupted by a signal), and
/// takes them synchronously in wait(). Create it in main's thread before the plugin is
/// opened; it stays in force until the process exits.
class StopSignals {
 public:
  StopSignals();

  /// Waits up to `timeout` for SIGINT or SIGTERM; true once one has arrived (then at once).
  bool wait(std::chrono::milliseconds timeout);

  /// Whether SIGINT or SIGTERM has arrived (checks without waiting).
  bool stop_requested() { return wait(std::chrono::milliseconds(0)); }

 private:
  sigset_t set_{};
  bool stopped_ = false;
};

}  // namespace eckid_cli
