// The host's log callback behind a small interface. The plugin writes nowhere else.
#pragma once

#include <string>
#include <string_view>

#include "eckid/eckid.h"

namespace eckid {

/// Passes log lines to the host's callback (eckid_open_options.log). Without a callback,
/// every line is dropped. Thread-safe: the callback is called from the logging thread, and
/// the host's callback must itself be safe to call from several threads.
class Logger {
 public:
  Logger() = default;
  Logger(eckid_log_fn fn, void *payload, eckid_log_level min_level) noexcept
      : fn_(fn), payload_(payload), min_level_(min_level) {}

  /// True when a line at this level reaches the host.
  bool enabled(eckid_log_level level) const noexcept {
    return fn_ != nullptr && level >= min_level_ && level < ECKID_LOG_OFF;
  }
  /// True when the host asked for debug output: only then may HPgn, stampseudonym or
  /// ECK iD values be logged. A PGN is never logged.
  bool sensitive_allowed() const noexcept { return enabled(ECKID_LOG_DEBUG); }

  /// Sends one line. Exceptions cannot escape (a failing allocation drops the line).
  void log(eckid_log_level level, std::string_view message) const noexcept;
  void debug(std::string_view m) const noexcept { log(ECKID_LOG_DEBUG, m); }
  void info(std::string_view m) const noexcept { log(ECKID_LOG_INFO, m); }
  void warn(std::string_view m) const noexcept { log(ECKID_LOG_WARN, m); }
  void error(std::string_view m) const noexcept { log(ECKID_LOG_ERROR, m); }

 private:
  eckid_log_fn fn_ = nullptr;
  void *payload_ = nullptr;
  eckid_log_level min_level_ = ECKID_LOG_INFO;
};

}  // namespace eckid
