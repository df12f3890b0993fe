// `eckid deliver`: works down a state folder's queue without a host process (a systemd timer
// starts it), and leaves the results for the host.
#pragma once

#include <chrono>
#include <string>

namespace eckid_cli {

/// What `eckid deliver` was asked to do.
struct DeliverOptions {
  std::string config_path;  ///< the plugin's configuration file
  bool verbose = false;     ///< also the plugin's info log lines
  /// The longest the run waits while nothing moves on (no event or pupil finished or put
  /// back to wait, no HPgn computed), e.g. while the plugin's circuit breaker holds calls to
  /// an unreachable service back. Zero: no bound.
  std::chrono::milliseconds max_wait{std::chrono::hours(1)};
};

/// Opens the plugin with asynchronous delivery (its workers and the onboarder resume the
/// recorded work) and waits until nothing is due now (eckid_queue_info.due is 0: what is left
/// waits for a retry time, the daily batch limit or an inactive school), then closes it.
/// Never collects or acknowledges a result: the host does. Returns 0 then; 2 when the
/// configuration or state does not open (the message names `eckid doctor`); 4 when nothing
/// moved on for options.max_wait; 130 on SIGINT or SIGTERM. In every case but 2 it closes the
/// plugin cleanly (what is left stays queued) and prints one summary line on stdout; the
/// plugin's warnings and errors (with verbose its info lines too) go to stderr. Never prints a
/// PGN. Blocks SIGINT and SIGTERM in the calling thread for the rest of the process
/// (StopSignals): call it from main's thread.
int run_deliver(const DeliverOptions &options);

}  // namespace eckid_cli
