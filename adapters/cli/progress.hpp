// Progress of an import: done/total, rate, ETA and the plugin's onboarding stages, as a bar
// redrawn on a terminal or as a plain line every few seconds in a log.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "console.hpp"

namespace eckid_cli {

/// The unfinished pupils of a school by stage (eckid_onboard_status()).
struct Stages {
  unsigned long long waiting = 0;
  unsigned long long hashed = 0;
  unsigned long long in_batch = 0;
  unsigned long long deferred = 0;
};

using SteadyClock = std::chrono::steady_clock;

/// Results per second over the last minute (so that results delivered at once at the start
/// of a resumed run do not distort the estimate for long).
class RateMeter {
 public:
  /// Adds a sample: done results at time now.
  void add(SteadyClock::time_point now, std::size_t done);
  /// Results per second, or nothing before two samples a second apart.
  std::optional<double> per_second() const;

 private:
  std::deque<std::pair<SteadyClock::time_point, std::size_t>> samples_;
};

/// A duration for people: "40 s", "12 min", "3 h 05 min".
std::string format_duration(double seconds);

/// "1 pupil", "2 pupils": n with the singular or plural noun.
std::string count(unsigned long long n, const char *one, const char *many);

/// A Unix time in milliseconds as "2026-11-30 00:00 UTC".
std::string format_utc(long long unix_ms);

/// "120/2000 done, 3.1/s, ETA 10 min (waiting 1500, hashed 20, in batch 360, deferred 0)";
/// the stages part only when known, "ETA unknown" without a rate.
std::string progress_text(std::size_t done, std::size_t total, std::optional<double> rate,
                          const std::optional<Stages> &stages);

/// Shows the progress of one import on a Console.
class Progress {
 public:
  /// total: the pupils whose results are awaited.
  Progress(Console &console, std::size_t total);

  /// Records done results; redraws the bar (at most five times a second) or, off a
  /// terminal, writes "progress: ..." when five seconds have passed since the last line.
  void update(std::size_t done, const std::optional<Stages> &stages);

  /// Shows the final state: the bar once more and a line break, or a last plain line.
  void finish(std::size_t done, const std::optional<Stages> &stages);

 private:
  void show(std::size_t done, const std::optional<Stages> &stages);

  Console &console_;
  std::size_t total_;
  RateMeter meter_;
  std::optional<SteadyClock::time_point> last_shown_;
};

}  // namespace eckid_cli
