// What one open handle holds: its configuration, logger and HPgn hasher. Everything hangs off
// the handle; the core has no globals.
#pragma once

#include <filesystem>

#include "config/config.hpp"
#include "log/logger.hpp"
#include "pgn/hpgn.hpp"

namespace eckid {

/// One opened configuration. Thread-safe for concurrent calls after construction.
class Plugin {
 public:
  /// Loads and checks the configuration (warnings go to the logger). Throws eckid::Error.
  Plugin(const std::filesystem::path &config_path, Logger logger);

  const Config &config() const noexcept { return config_; }
  const Logger &logger() const noexcept { return logger_; }
  const HpgnHasher &hasher() const noexcept { return hasher_; }

 private:
  Logger logger_;
  Config config_;
  HpgnHasher hasher_;
};

}  // namespace eckid
