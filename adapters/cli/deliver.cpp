#include "deliver.hpp"

#include <eckid/eckid.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "console.hpp"
#include "duration.hpp"
#include "plugin.hpp"
#include "progress.hpp"
#include "schools.hpp"
#include "stop_signals.hpp"

namespace eckid_cli {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);

// What the run watches: the queue, and the onboarding pupils whose HPgn is still to compute.
struct Snapshot {
  eckid_queue_info queue = ECKID_QUEUE_INFO_INIT;
  unsigned long long unhashed = 0;
};

// Whether work moved on between two snapshots: an event or pupil finished (fewer queued, more
// failed or results), one was put back to wait for a later time (fewer due), or an HPgn was
// computed. A school system working beside the run may queue new events or collect results
// meanwhile, which some of these signals hide, but not all at once for long.
bool moved_on(const Snapshot &before, const Snapshot &now) {
  return now.queue.queued < before.queue.queued || now.queue.due < before.queue.due ||
         now.queue.failed > before.queue.failed ||
         now.queue.undelivered > before.queue.undelivered || now.unhashed < before.unhashed;
}

class DeliverRun {
 public:
  DeliverRun(const DeliverOptions &options, Console &console, StopSignals &signals)
      : options_(options), console_(console), signals_(signals) {}

  int run();

 private:
  std::optional<Snapshot> snapshot();
  int finish(int exit, const std::string &how);

  const DeliverOptions &options_;
  Console &console_;
  StopSignals &signals_;
  PluginHandle plugin_{nullptr, &eckid_close};
  std::vector<std::string> schools_;
  Snapshot last_;
  bool read_failed_ = false;  // the last snapshot could not be read (reported once per streak)
};

int DeliverRun::run() {
  plugin_ = open_plugin(options_.config_path, ECKID_DELIVERY_ASYNC,
                        options_.verbose ? ECKID_LOG_INFO : ECKID_LOG_WARN, console_);
  if (!plugin_) return kExitUsage;
  try {
    for (const auto &school : load_schools(options_.config_path)) schools_.push_back(school.key);
  } catch (const std::exception &) {
    // Only the HPgn signal of moved_on() is lost: the queue alone still tells.
  }
  auto last_move = SteadyClock::now();
  bool first = true;
  for (;;) {
    if (const auto now = snapshot()) {
      if (first) {
        if (options_.verbose) {
          console_.note("deliver: " + std::to_string(now->queue.queued) + " queued, " +
                        std::to_string(now->queue.due) + " due now");
        }
        first = false;
      } else if (moved_on(last_, *now)) {
        last_move = SteadyClock::now();
      }
      last_ = *now;
      if (now->queue.due == 0) return finish(kExitOk, "nothing due now");
    }
    if (options_.max_wait.count() > 0 && SteadyClock::now() - last_move >= options_.max_wait) {
      return finish(kExitNoProgress, "stopped: nothing moved on for " +
                                         spoken_duration(options_.max_wait) + " (--max-wait)");
    }
    if (signals_.wait(kPollInterval)) return finish(kExitInterrupted, "stopped by a signal");
  }
}

// The queue and the unhashed pupils of every school, or nothing when the queue cannot be read
// (the plugin's message is shown once until a read succeeds again).
std::optional<Snapshot> DeliverRun::snapshot() {
  Snapshot s;
  const eckid_status status = eckid_queue_status(plugin_.get(), &s.queue);
  if (status != ECKID_OK) {
    if (!read_failed_) console_.note("error: the queue cannot be read: " + failure(status));
    read_failed_ = true;
    return std::nullopt;
  }
  read_failed_ = false;
  for (const auto &school : schools_) {
    eckid_onboard_info info = ECKID_ONBOARD_INFO_INIT;
    if (eckid_onboard_status(plugin_.get(), school.c_str(), &info) == ECKID_OK) {
      s.unhashed += info.waiting;
    }
  }
  return s;
}

// "3 queued (1 due now, 2 waiting; the next due in 4 min, at 2026-11-30 00:00 UTC), 1
// failed, 5 results not yet collected"
std::string queue_words(const eckid_queue_info &q) {
  std::string words = std::to_string(q.queued) + " queued";
  const unsigned long long waiting = q.queued - std::min(q.due, q.queued);
  if (q.queued > 0) {
    words += " (" + std::to_string(q.due) + " due now, " + std::to_string(waiting) + " waiting";
    if (waiting > 0 && q.next_due_in_ms >= 0) {
      const long long at = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() +
                           q.next_due_in_ms;
      words += "; the next due in " +
               format_duration(static_cast<double>(q.next_due_in_ms) / 1000.0) + ", at " +
               format_utc(at);
    } else if (waiting > 0) {
      words += " without a known time: a school not active or no longer configured";
    }
    words += ")";
  }
  return words + ", " + std::to_string(q.failed) + " failed, " +
         count(q.undelivered, "result", "results") + " not yet collected";
}

// Closes the plugin (what is left stays queued) and prints the summary line.
int DeliverRun::finish(int exit, const std::string &how) {
  if (const auto now = snapshot()) last_ = *now;
  plugin_.reset();
  std::string line = "summary: " + how + "; " + queue_words(last_.queue);
  if (exit == kExitNoProgress) {
    line += "; the plugin's warnings above say why (such as the service not reachable)";
  }
  if (exit != kExitOk) line += "; what is left stays queued for the next run";
  if (last_.queue.failed > 0) line += "; 'eckid status' lists the failed events";
  console_.report(line);
  return exit;
}

}  // namespace

int run_deliver(const DeliverOptions &options) {
  StopSignals signals;  // before the plugin starts its threads
  Console console(false);
  DeliverRun run(options, console, signals);
  return run.run();
}

}  // namespace eckid_cli
