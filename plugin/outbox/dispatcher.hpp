// The worker pool behind the outbox: processes queued events in order per pupil, retries
// transient failures with backoff and jitter, stops hammering a dead service (circuit
// breaker with a ping probe), and hands finished events to waiters or the host's callback.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "log/logger.hpp"
#include "nv/client.hpp"
#include "outbox/outbox.hpp"
#include "outbox/sealer.hpp"
#include "util/error.hpp"

namespace eckid {

/// Worth another attempt later: the service, the network, TLS (a server restarting, a
/// certificate being renewed), a fault with the actor TemporaryBlockedException
/// (nv::kTemporaryBlocked) or the disk may recover. Not: a fault about the input, a not-authorised
/// answer, an invalid PGN, a conflict.
bool transient_failure(const Error &error);

/// A failure of the service or the way to it (timeout, connection, HTTP, service down), as
/// opposed to one of the event itself.
bool service_failure(eckid_status status);

/// Owns the worker threads. Thread-safe. Destruction stops the workers (stop()).
class Dispatcher {
 public:
  /// Called from a worker thread with each finished event that no synchronous caller took.
  using Deliver = std::function<void(const OutboxEvent &)>;

  Dispatcher(const Config &config, Outbox &outbox, const Sealer &sealer, Engine &engine,
             const nv::Client &client, const Logger &logger, Deliver deliver);
  ~Dispatcher();
  Dispatcher(const Dispatcher &) = delete;
  Dispatcher &operator=(const Dispatcher &) = delete;

  /// Wakes the workers after new work was queued.
  void notify();
  /// Waits until the event is finished or the timeout passes. A finished event is returned
  /// and acknowledged (the caller got it); nullopt means it is still queued and will be
  /// delivered later through the callback or eckid_poll().
  std::optional<OutboxEvent> wait(std::int64_t id, std::chrono::milliseconds timeout);
  /// Stops taking work and waits up to [outbox] shutdown_wait_ms for events in progress;
  /// what is left stays queued for the next open. Idempotent.
  void stop();
  /// True while the circuit breaker holds calls back.
  bool breaker_open() const;
  /// The delay before attempt attempts + 1, in ms: [outbox] retry_base_ms doubled per
  /// attempt up to retry_max_ms, with jitter (50..100 %).
  std::int64_t backoff_ms(int attempts);
  /// Hands a finished event to its waiting caller, else to the host's callback (if any). Also
  /// used by the Onboarder for onboarding events.
  void finished(const OutboxEvent &event);
  /// An event whose pupil was forgotten while it was in progress (its outbox row is gone):
  /// logged, handed to a waiting synchronous caller as ECKID_E_NOT_FOUND, and to no one else.
  void forgotten(OutboxEvent event, const EventForgotten &why);

 private:
  void run(bool deliver_backlog) noexcept;
  void work();
  /// False when the event's outcome could not be stored: it stays queued as it was.
  bool process(OutboxEvent event) noexcept;
  bool process_or_throw(OutboxEvent event);
  /// The record the event saved.
  PupilRecord apply(const OutboxEvent &event);
  /// The event's HPgn and, for a PGN change, the old PGN's (else ""): the ones kept sealed
  /// from an earlier attempt, else computed (once per event) and kept sealed in its outbox
  /// row for its retries (Outbox::keep_hpgns()). Logs "event N: HPgn computed" or "... kept
  /// from an earlier attempt" at debug level (no value). Kept ones are used only when they
  /// were made with this configuration's salt (salt_tag_ is sealed with them). Throws what
  /// Engine::hpgn() throws, and ECKID_E_STATE when the kept ones cannot be opened.
  std::pair<std::string, std::string> hpgns(const OutboxEvent &event, std::string_view pgn,
                                            std::string_view old_pgn);
  void breaker_result(bool service_failure);
  bool probe();

  const Config &config_;
  Outbox &outbox_;
  const Sealer &sealer_;
  Engine &engine_;
  const nv::Client &client_;
  const Logger &logger_;
  Deliver deliver_;
  /// Sealer::keyed_hash() of the environment salt: which salt kept HPgns were made with.
  const std::string salt_tag_;

  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable done_;
  std::set<std::int64_t> running_;
  std::multiset<std::int64_t> waiters_;         // one entry per waiting call (repeats share an id)
  std::map<std::int64_t, OutboxEvent> handed_;  // finished events a waiter will take
  bool stopping_ = false;
  int consecutive_failures_ = 0;
  std::chrono::milliseconds cooldown_{0};
  std::chrono::steady_clock::time_point open_until_{};
  bool probing_ = false;
  std::mt19937_64 random_{std::random_device{}()};
  std::vector<std::thread> workers_;
};

}  // namespace eckid
