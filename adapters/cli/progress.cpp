#include "progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace eckid_cli {

namespace {

constexpr auto kWindow = std::chrono::seconds(60);
constexpr auto kBarInterval = std::chrono::milliseconds(200);
constexpr auto kLineInterval = std::chrono::seconds(5);
constexpr std::size_t kBarCells = 24;

std::string bar_cells(std::size_t done, std::size_t total) {
  const std::size_t full = total == 0 ? kBarCells : done * kBarCells / total;
  return "[" + std::string(full, '#') + std::string(kBarCells - full, '.') + "] ";
}

}  // namespace

void RateMeter::add(SteadyClock::time_point now, std::size_t done) {
  samples_.emplace_back(now, done);
  while (samples_.size() > 2 && now - samples_[1].first >= kWindow) samples_.pop_front();
}

std::optional<double> RateMeter::per_second() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto &[t0, d0] = samples_.front();
  const auto &[t1, d1] = samples_.back();
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  if (seconds < 1.0) return std::nullopt;
  return static_cast<double>(d1 - d0) / seconds;
}

std::string format_duration(double seconds) {
  const long s = std::lround(std::max(seconds, 0.0));
  if (s < 60) return std::to_string(s) + " s";
  const long minutes = (s + 30) / 60;
  if (minutes < 60) return std::to_string(minutes) + " min";
  char text[32];
  std::snprintf(text, sizeof text, "%ld h %02ld min", minutes / 60, minutes % 60);
  return text;
}

std::string count(unsigned long long n, const char *one, const char *many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string format_utc(long long unix_ms) {
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

std::string progress_text(std::size_t done, std::size_t total, std::optional<double> rate,
                          const std::optional<Stages> &stages) {
  char rate_text[32] = "-";
  if (rate) std::snprintf(rate_text, sizeof rate_text, "%.1f", *rate);
  std::string text =
      std::to_string(done) + "/" + std::to_string(total) + " done, " + rate_text + "/s, ETA ";
  const std::size_t left = total - std::min(done, total);
  if (left == 0) {
    text += "0 s";
  } else if (rate && *rate > 0.0) {
    text += format_duration(static_cast<double>(left) / *rate);
  } else {
    text += "unknown";
  }
  if (stages) {
    text += " (waiting " + std::to_string(stages->waiting) + ", hashed " +
            std::to_string(stages->hashed) + ", in batch " + std::to_string(stages->in_batch) +
            ", deferred " + std::to_string(stages->deferred) + ")";
  }
  return text;
}

Progress::Progress(Console &console, std::size_t total) : console_(console), total_(total) {}

void Progress::update(std::size_t done, const std::optional<Stages> &stages) {
  const auto now = SteadyClock::now();
  meter_.add(now, done);
  const auto interval =
      console_.bar() ? SteadyClock::duration(kBarInterval) : SteadyClock::duration(kLineInterval);
  if (!last_shown_ || now - *last_shown_ >= interval) {
    last_shown_ = now;
    show(done, stages);
  }
}

void Progress::finish(std::size_t done, const std::optional<Stages> &stages) {
  meter_.add(SteadyClock::now(), done);
  show(done, stages);
  console_.end_bar();
}

void Progress::show(std::size_t done, const std::optional<Stages> &stages) {
  const std::string text = progress_text(done, total_, meter_.per_second(), stages);
  if (console_.bar()) {
    console_.draw_bar(bar_cells(done, total_) + text);
  } else {
    console_.note("progress: " + text);
  }
}

}  // namespace eckid_cli
