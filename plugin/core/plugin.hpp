// What one open handle holds: configuration, logger, HPgn hasher, service client, state
// store and the event engine, and the operations of the C ABI on them (plugin/boundary.cpp
// only checks and packs arguments around these).
// Everything hangs off the handle; the core has no globals.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "eckid/eckid.h"
#include "engine/engine.hpp"
#include "log/logger.hpp"
#include "nv/client.hpp"
#include "nv/credentials.hpp"
#include "nv/fault.hpp"
#include "onboard/onboarder.hpp"
#include "outbox/dispatcher.hpp"
#include "outbox/intake.hpp"
#include "outbox/outbox.hpp"
#include "outbox/sealer.hpp"
#include "pgn/hpgn.hpp"
#include "store/state_db.hpp"
#include "store/store.hpp"

namespace eckid {

/// What an event call, eckid_poll(), eckid_event_result() or the result callback reports
/// (an eckid_result before packing).
struct EventOutcome {
  /// School, pupil and sector; the ECK iDs (in the order of the school's chains) only when
  /// the event is done.
  PupilRecord record;
  std::int64_t event_id = 0;
  /// ECKID_OK, ECKID_QUEUED (waiting or in progress), or the status the event failed with.
  eckid_status status = ECKID_OK;
  /// "" on success, else what went wrong; for a queued event the last transient failure.
  std::string message;
  /// The service's SOAP fault, when the status (or a queued event's last failure) was one.
  std::optional<nv::FaultDetail> fault;
};

/// The outbox at a glance (eckid_queue_status()).
struct QueueStats {
  std::int64_t queued = 0;
  std::int64_t failed = 0;
  std::int64_t undelivered = 0;           // finished, not acknowledged
  std::int64_t oldest_queued_age_ms = 0;  // 0 when nothing is queued
  bool service_paused = false;            // the circuit breaker holds calls back
  std::int64_t due = 0;                   // queued events and onboarding pupils due now
  std::int64_t next_due_in_ms = -1;       // until the next waiting one is due; -1 when none
};

/// One opened configuration. Thread-safe for concurrent calls after construction. Every
/// method throws eckid::Error (nv::ServiceFault for a fault) with the statuses eckid.h
/// documents for the matching eckid_* call.
class Plugin {
 public:
  /// Receives, on a worker thread, each finished event no synchronous caller took.
  using ResultCallback = std::function<void(const EventOutcome &)>;

  /// Loads and checks the configuration (warnings go to the logger) and the client
  /// certificate, opens the state database and starts the outbox's workers. `on_result`
  /// may be empty (results are collected with poll() only). In ECKID_DELIVERY_SYNC an event
  /// call waits up to [outbox] deadline_ms for its result. Throws eckid::Error
  /// (ECKID_E_CONFIG, ECKID_E_CREDENTIALS, ECKID_E_STATE, ...).
  Plugin(const ConfigSource &source, Logger logger, ResultCallback on_result = {},
         eckid_delivery delivery = ECKID_DELIVERY_SYNC);

  // ---- Events (eckid_pupil_created() and the others) ----
  /// Queues the event durably, then (synchronous delivery) waits for its outcome up to
  /// [outbox] deadline_ms. Returns ECKID_QUEUED when it is not finished by then (or in
  /// asynchronous delivery), else its outcome: a failed event is returned, not thrown.
  /// Throws what refuses the event before it is queued, and ECKID_E_NOT_FOUND when the
  /// event left the outbox meanwhile (its pupil forgotten, or a repeat took its result).
  EventOutcome created(const CreatedEvent &event);
  EventOutcome transferred(const TransferredEvent &event);
  EventOutcome pgn_changed(const PgnChangedEvent &event);

  // ---- Results ----
  /// Hands the next finished, unacknowledged result this handle has not handed out yet
  /// (oldest first) to `take`, under the poll lock; it counts as handed out only when take
  /// returns normally. False when nothing waits.
  bool poll(const std::function<void(const EventOutcome &)> &take);
  /// Acknowledges a finished event (ECKID_E_NOT_FOUND when there is none with this id).
  void ack(std::int64_t event_id);
  /// The current state of one event (ECKID_E_NOT_FOUND: unknown, or done and acknowledged).
  EventOutcome event_result(std::int64_t event_id);
  QueueStats queue_stats();
  /// Ids of the events that failed for good, oldest first.
  std::vector<std::int64_t> failed_events();
  /// Queues failed events again (one, or all with event_id 0) and wakes the workers that
  /// process them. Returns how many; ECKID_E_NOT_FOUND for an id that is not a failed event.
  std::int64_t retry_failed(std::int64_t event_id);

  // ---- Onboarding ----
  /// Checked entries of an eckid_onboard() list (Onboarder::accept()): one receipt each.
  std::vector<OnboardReceipt> onboard(std::string_view school_key,
                                      const std::vector<OnboardPupil> &pupils);
  OnboardCounts onboard_counts(std::string_view school_key);

  // ---- Records ----
  PupilRecord lookup(std::string_view school_key, std::string_view pupil_key);
  void forget(std::string_view school_key, std::string_view pupil_key);
  /// 64 lowercase hex (spec "The three tiers", 1); logged only at ECKID_LOG_DEBUG.
  std::string hpgn(std::string_view pgn, eckid_pgn_kind kind) const;

  // ---- The service, for a school's OIN ----
  /// The service's applicationVersion; ECKID_E_SERVICE_DOWN when it answers available = false.
  std::string ping(std::string_view school_key) const;
  std::vector<nv::CatalogEntry> chains(std::string_view school_key) const;
  std::vector<nv::CatalogEntry> sectors(std::string_view school_key) const;

 private:
  /// Synchronous delivery: waits for the queued event; then its current state.
  EventOutcome settle(std::int64_t event_id);
  /// The outcome of an outbox event. A done event's record is the one it saved when it
  /// travelled with the event (OutboxEvent::record), else (an older event, perhaps finished by
  /// another process) the one recorded now.
  EventOutcome outcome_of(const OutboxEvent &event);

  Logger logger_;
  Config config_;
  HpgnHasher hasher_;
  nv::Client client_;
  eckid_delivery delivery_;
  ResultCallback on_result_;
  std::mutex poll_mutex_;
  std::set<std::int64_t> handed_out_;  // unacknowledged results poll() already gave
  std::unique_ptr<StateDb> state_;     // the one connection every table below uses
  std::unique_ptr<Store> store_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Sealer> sealer_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Dispatcher> dispatcher_;  // declared after what its workers use: stops first
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<Onboarder> onboarder_;  // after the dispatcher it delivers through
};

}  // namespace eckid
