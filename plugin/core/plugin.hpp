// What one open handle holds: configuration, logger, HPgn hasher, service client, state
// store and the event engine.
// Everything hangs off the handle; the core has no globals.
#pragma once

#include <filesystem>
#include <memory>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "log/logger.hpp"
#include "nv/client.hpp"
#include "nv/credentials.hpp"
#include "onboard/onboarder.hpp"
#include "outbox/dispatcher.hpp"
#include "outbox/intake.hpp"
#include "outbox/outbox.hpp"
#include "outbox/sealer.hpp"
#include "pgn/hpgn.hpp"
#include "store/store.hpp"

namespace eckid {

/// One opened configuration. Thread-safe for concurrent calls after construction.
class Plugin {
 public:
  /// Loads and checks the configuration (warnings go to the logger) and the client
  /// certificate, opens the state database and starts the outbox's workers. `deliver`
  /// receives finished events no synchronous caller took (may be empty: poll only).
  /// Throws eckid::Error (ECKID_E_CONFIG, ECKID_E_CREDENTIALS, ECKID_E_STATE, ...).
  Plugin(const ConfigSource &source, Logger logger, Dispatcher::Deliver deliver);

  const Config &config() const noexcept { return config_; }
  const Logger &logger() const noexcept { return logger_; }
  const HpgnHasher &hasher() const noexcept { return hasher_; }
  const nv::Client &client() const noexcept { return client_; }
  Engine &engine() noexcept { return *engine_; }
  Intake &intake() noexcept { return *intake_; }
  Outbox &outbox() noexcept { return *outbox_; }
  Dispatcher &dispatcher() noexcept { return *dispatcher_; }
  Onboarder &onboarder() noexcept { return *onboarder_; }

 private:
  Logger logger_;
  Config config_;
  HpgnHasher hasher_;
  nv::Client client_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Sealer> sealer_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Dispatcher> dispatcher_;  // declared after what its workers use: stops first
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<Onboarder> onboarder_;  // after the dispatcher it delivers through
};

}  // namespace eckid
