// What the plugin's own threads (outbox workers, onboarding hash workers and coordinator) do
// with an exception nothing else caught: log it and carry on. No exception may end such a
// thread, since an exception escaping a thread's entry point ends the host (std::terminate).
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "log/logger.hpp"

namespace eckid {

/// Call only inside a catch handler: logs "<context>: <what>; <then>" at level ERROR, where
/// <what> is the caught exception's what() (plugin messages never hold a PGN, and pupil keys
/// in them are masked) or "an unknown exception". Never throws: a failing allocation drops the
/// line. Thread-safe (Logger is).
inline void log_caught(const Logger &logger, std::string_view context,
                       std::string_view then) noexcept {
  try {
    std::string what = "an unknown exception";
    try {
      throw;
    } catch (const std::exception &e) {
      what = e.what();
    } catch (...) {
    }
    std::string line(context);
    line += ": ";
    line += what;
    line += "; ";
    line += then;
    logger.error(line);
  } catch (...) {
  }
}

}  // namespace eckid
