#include "core/plugin.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <utility>
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
  // As the state directory (store/state_files.cpp): a secret others can read is a warning, not a
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

Plugin::Plugin(const ConfigSource &source, Logger logger, ResultCallback on_result,
               eckid_delivery delivery)
    : logger_(logger),
      config_(load_logged(source, logger_)),
      hasher_(config_.hash, config_.service.salt.span()),
      client_(config_.service, load_credentials(config_.service, logger_), logger_),
      delivery_(delivery),
      on_result_(std::move(on_result)),
      state_(std::make_unique<StateDb>(config_.state, logger_)),
      store_(open_store(*state_)),
      engine_(std::make_unique<Engine>(config_, hasher_, client_, *store_, logger_)),
      sealer_(std::make_unique<Sealer>(config_.state.directory)),
      outbox_(std::make_unique<Outbox>(*state_, *sealer_)),
      dispatcher_(std::make_unique<Dispatcher>(
          config_, *outbox_, *sealer_, *engine_, client_, logger_,
          on_result_
              ? Dispatcher::Deliver([this](const OutboxEvent &e) { on_result_(outcome_of(e)); })
              : Dispatcher::Deliver())),
      intake_(std::make_unique<Intake>(*engine_, *outbox_, *sealer_, *dispatcher_)),
      onboarder_(std::make_unique<Onboarder>(config_, *engine_, hasher_, client_, *state_, *store_,
                                             *sealer_, *outbox_, *dispatcher_, logger_)) {
  logger_.info("eckid opened " + source.path.string() + ": " +
               std::to_string(config_.schools.size()) + " school(s), environment " +
               std::string(to_string(config_.service.environment)) + ", endpoint " +
               config_.service.endpoint + ", state " + state_->database().name());
}

EventOutcome Plugin::created(const CreatedEvent &event) {
  return settle(intake_->created(event));
}

EventOutcome Plugin::transferred(const TransferredEvent &event) {
  return settle(intake_->transferred(event));
}

EventOutcome Plugin::pgn_changed(const PgnChangedEvent &event) {
  return settle(intake_->pgn_changed(event));
}

EventOutcome Plugin::settle(std::int64_t id) {
  std::optional<OutboxEvent> done;
  if (delivery_ == ECKID_DELIVERY_SYNC) {
    done = dispatcher_->wait(id, std::chrono::milliseconds(config_.outbox.deadline_ms));
  }
  if (!done) done = outbox_->get(id);
  if (!done) {
    throw Error(ECKID_E_NOT_FOUND,
                "event " + std::to_string(id) +
                    " is no longer in the outbox: its pupil was forgotten at the school "
                    "(eckid_forget_pupil()) while it was queued, or another call with the same "
                    "event took its result; see eckid_pupil_lookup()");
  }
  return outcome_of(*done);
}

EventOutcome Plugin::outcome_of(const OutboxEvent &e) {
  EventOutcome o;
  o.event_id = e.id;
  o.message = e.message;
  o.status = e.state == EventState::queued ? ECKID_QUEUED : e.status;
  o.fault = e.fault;
  if (e.record) {
    o.record = *e.record;
  } else if (e.state == EventState::done) {
    o.record = engine_->lookup(e.school_key, e.pupil_key);
  } else {
    o.record.school_key = e.school_key;
    o.record.pupil_key = e.pupil_key;
    if (const auto *school = config_.find_school(e.school_key)) o.record.sector = school->sector;
  }
  return o;
}

bool Plugin::poll(const std::function<void(const EventOutcome &)> &take) {
  std::lock_guard lock(poll_mutex_);
  // Events finish out of id order: skip those already handed out, not everything below.
  std::int64_t after = 0;
  for (auto batch = outbox_->unacknowledged(0, 64); !batch.empty();
       batch = outbox_->unacknowledged(after, 64)) {
    for (const auto &e : batch) {
      if (handed_out_.contains(e.id)) continue;
      take(outcome_of(e));
      handed_out_.insert(e.id);
      return true;
    }
    after = batch.back().id;
  }
  return false;
}

void Plugin::ack(std::int64_t event_id) {
  {
    std::lock_guard lock(poll_mutex_);
    handed_out_.erase(event_id);
  }
  if (!outbox_->acknowledge(event_id)) {
    throw Error(ECKID_E_NOT_FOUND,
                "no finished event " + std::to_string(event_id) + " to acknowledge");
  }
}

EventOutcome Plugin::event_result(std::int64_t event_id) {
  const auto e = outbox_->get(event_id);
  if (!e) {
    throw Error(ECKID_E_NOT_FOUND, "no event " + std::to_string(event_id) +
                                       " in the outbox (unknown, or done and acknowledged: see "
                                       "eckid_pupil_lookup())");
  }
  return outcome_of(*e);
}

QueueStats Plugin::queue_stats() {
  const OutboxStats s = outbox_->stats();
  const std::int64_t now = unix_ms();
  DueWork work = outbox_->due(now);
  work.add(onboarder_->due());
  return {s.queued,
          s.failed,
          s.unacknowledged,
          s.oldest_queued_ms ? now - s.oldest_queued_ms : 0,
          dispatcher_->breaker_open(),
          work.due,
          work.next_ms ? std::max<std::int64_t>(*work.next_ms - now, 0) : -1};
}

std::vector<std::int64_t> Plugin::failed_events() {
  return outbox_->failed_ids();
}

std::int64_t Plugin::retry_failed(std::int64_t event_id) {
  const std::int64_t n = outbox_->retry_failed(event_id, unix_ms());
  if (n == 0 && event_id != 0) {
    throw Error(ECKID_E_NOT_FOUND, "no failed event " + std::to_string(event_id) + " to retry");
  }
  if (n > 0) {
    // A failed event is the dispatcher's or, for a pupil of an onboarding list, the
    // onboarder's.
    dispatcher_->notify();
    onboarder_->notify();
  }
  return n;
}

std::vector<OnboardReceipt> Plugin::onboard(std::string_view school_key,
                                            const std::vector<OnboardPupil> &pupils) {
  return onboarder_->accept(school_key, pupils);
}

OnboardCounts Plugin::onboard_counts(std::string_view school_key) {
  return onboarder_->counts(school_key);
}

PupilRecord Plugin::lookup(std::string_view school_key, std::string_view pupil_key) {
  return engine_->lookup(school_key, pupil_key);
}

void Plugin::forget(std::string_view school_key, std::string_view pupil_key) {
  engine_->forget(school_key, pupil_key);
}

std::string Plugin::hpgn(std::string_view pgn, eckid_pgn_kind kind) const {
  std::string h = hasher_.hpgn(pgn, kind);
  if (logger_.sensitive_allowed()) logger_.debug("computed HPgn " + h);
  return h;
}

std::string Plugin::ping(std::string_view school_key) const {
  const auto result = client_.ping(config_.school(school_key).oin);
  if (!result.available) {
    throw Error(ECKID_E_SERVICE_DOWN,
                "the Nummervoorziening at " + client_.endpoint() +
                    " reports itself unavailable (ping: available = false); try later");
  }
  return result.application_version;
}

std::vector<nv::CatalogEntry> Plugin::chains(std::string_view school_key) const {
  return client_.retrieve_chains(config_.school(school_key).oin);
}

std::vector<nv::CatalogEntry> Plugin::sectors(std::string_view school_key) const {
  return client_.retrieve_sectors(config_.school(school_key).oin);
}

}  // namespace eckid
