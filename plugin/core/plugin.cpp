#include "core/plugin.hpp"

#include <string>
#include <vector>

namespace eckid {

namespace {
Config load_logged(const std::filesystem::path &path, const Logger &logger) {
  std::vector<std::string> warnings;
  Config config = load_config(path, warnings);
  for (const auto &w : warnings) logger.warn(w);
  return config;
}
}  // namespace

Plugin::Plugin(const std::filesystem::path &config_path, Logger logger)
    : logger_(logger),
      config_(load_logged(config_path, logger_)),
      hasher_(config_.hash, config_.service.salt.span()) {
  logger_.info("eckid opened " + config_path.string() + ": " +
               std::to_string(config_.schools.size()) + " school(s), environment " +
               std::string(to_string(config_.service.environment)));
}

}  // namespace eckid
