#include "core/plugin.hpp"

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "check/check.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

Config load_logged(const ConfigSource &source, const Logger &logger) {
  std::vector<std::string> warnings;
  Config config = load_config(source, warnings);
  for (const auto &w : warnings) logger.warn(w);
  return config;
}

std::shared_ptr<const nv::Credentials> load_credentials(const ServiceConfig &service,
                                                        const Logger &logger) {
  auto credentials = std::make_shared<const nv::Credentials>(service.client);
  // The doctor's rule (eckid_check()), in the log of every open.
  const Finding validity =
      certificate_validity(credentials->facts(), static_cast<std::int64_t>(std::time(nullptr)));
  const std::string line =
      "the client certificate " + service.client.certificate.string() + " is " + validity.message;
  if (validity.verdict == Finding::Verdict::fail) {
    logger.error(line);
  } else if (validity.verdict == Finding::Verdict::warn) {
    logger.warn(line);
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

Plugin::Plugin(const ConfigSource &source, Logger logger, Dispatcher::Deliver deliver)
    : logger_(logger),
      config_(load_logged(source, logger_)),
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
  logger_.info("eckid opened " + source.path.string() + ": " +
               std::to_string(config_.schools.size()) + " school(s), environment " +
               std::string(to_string(config_.service.environment)) + ", endpoint " +
               config_.service.endpoint);
}

}  // namespace eckid
