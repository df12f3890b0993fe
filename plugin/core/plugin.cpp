#include "core/plugin.hpp"

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace eckid {

namespace {

constexpr std::int64_t kCertificateWarnDays = 60;

Config load_logged(const std::filesystem::path &path, const Logger &logger) {
  std::vector<std::string> warnings;
  Config config = load_config(path, warnings);
  for (const auto &w : warnings) logger.warn(w);
  return config;
}

std::shared_ptr<const nv::Credentials> load_credentials(const ServiceConfig &service,
                                                        const Logger &logger) {
  auto credentials = std::make_shared<const nv::Credentials>(service.client);
  const std::int64_t days_left =
      (credentials->not_after() - static_cast<std::int64_t>(std::time(nullptr))) / 86400;
  if (days_left < 0) {
    logger.error("the client certificate " + service.client.certificate.string() +
                 " has expired; the service will refuse every request: renew it");
  } else if (days_left < kCertificateWarnDays) {
    logger.warn("the client certificate " + service.client.certificate.string() + " expires in " +
                std::to_string(days_left) + " days: renew it in time");
  }
  // As the state directory (store/database.cpp): a secret others can read is a warning, not a
  // refusal, so that a running school keeps working until the administrator fixes it.
  for (const auto &[file, what] : credentials->secret_files()) {
    std::error_code ec;
    const auto perms = std::filesystem::status(file, ec).permissions();
    if (!ec && (perms & std::filesystem::perms::others_all) != std::filesystem::perms::none) {
      logger.warn("the " + what + " " + file.string() +
                  " is readable by every user of this computer; restrict it (chmod 600 " +
                  file.string() + ")");
    }
  }
  return credentials;
}

}  // namespace

Plugin::Plugin(const std::filesystem::path &config_path, Logger logger, Dispatcher::Deliver deliver)
    : logger_(logger),
      config_(load_logged(config_path, logger_)),
      hasher_(config_.hash, config_.service.salt.span()),
      client_(config_.service, load_credentials(config_.service, logger_), logger_),
      store_(open_sqlite_store(config_.state, logger_)),
      engine_(std::make_unique<Engine>(config_, hasher_, client_, *store_, logger_)),
      sealer_(std::make_unique<Sealer>(config_.state.directory)),
      outbox_(std::make_unique<Outbox>(config_.state, logger_)),
      dispatcher_(std::make_unique<Dispatcher>(config_, *outbox_, *sealer_, *engine_, client_,
                                               logger_, std::move(deliver))),
      intake_(std::make_unique<Intake>(*engine_, *outbox_, *sealer_, *dispatcher_)),
      onboarder_(std::make_unique<Onboarder>(config_, *engine_, hasher_, client_, *store_, *sealer_,
                                             *outbox_, *dispatcher_, logger_)) {
  logger_.info("eckid opened " + config_path.string() + ": " +
               std::to_string(config_.schools.size()) + " school(s), environment " +
               std::string(to_string(config_.service.environment)) + ", endpoint " +
               config_.service.endpoint);
}

}  // namespace eckid
