#include "outbox/dispatcher.hpp"

#include "nv/fault.hpp"
#include "pgn/pgn.hpp"
#include "util/error.hpp"
#include "util/thread_guard.hpp"

namespace eckid {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kMaxCooldown = std::chrono::minutes(5);
constexpr auto kIdlePoll = std::chrono::seconds(1);
// How often a waiting call looks whether another handle finished its event.
constexpr auto kOtherHandlePoll = std::chrono::milliseconds(250);

}  // namespace

bool service_failure(eckid_status s) {
  return s == ECKID_E_TIMEOUT || s == ECKID_E_CONNECT || s == ECKID_E_HTTP ||
         s == ECKID_E_SERVICE_DOWN;
}

bool transient_failure(const Error &e) {
  if (service_failure(e.status()) || e.status() == ECKID_E_BAD_RESPONSE ||
      e.status() == ECKID_E_TLS || e.status() == ECKID_E_STATE || e.status() == ECKID_E_NOMEM) {
    return true;
  }
  const auto *fault = dynamic_cast<const nv::ServiceFault *>(&e);
  return fault != nullptr && fault->detail().actor == nv::kTemporaryBlocked;
}

Dispatcher::Dispatcher(const Config &config, Outbox &outbox, const Sealer &sealer, Engine &engine,
                       const nv::Client &client, const Logger &logger, Deliver deliver)
    : config_(config),
      outbox_(outbox),
      sealer_(sealer),
      engine_(engine),
      client_(client),
      logger_(logger),
      deliver_(std::move(deliver)),
      salt_tag_(sealer.keyed_hash({reinterpret_cast<const char *>(config.service.salt.data()),
                                   config.service.salt.size()})),
      cooldown_(config.outbox.breaker_cooldown_ms) {
  for (unsigned i = 0; i < config.outbox.workers; ++i) {
    workers_.emplace_back([this, i] { run(i == 0 && deliver_); });
  }
}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::notify() {
  work_.notify_all();
}

void Dispatcher::stop() {
  std::unique_lock lock(mutex_);
  if (stopping_ && workers_.empty()) return;
  stopping_ = true;
  work_.notify_all();
  done_.notify_all();
  const auto deadline = Clock::now() + std::chrono::milliseconds(config_.outbox.shutdown_wait_ms);
  if (!done_.wait_until(lock, deadline, [this] { return running_.empty(); })) {
    logger_.warn(std::to_string(running_.size()) +
                 " event(s) still in progress at close; they stay queued for the next open");
  }
  lock.unlock();
  // Workers finish their current call (bounded by the request timeouts) and exit.
  for (auto &t : workers_) t.join();
  workers_.clear();
  try {
    outbox_.release_claims();  // what this handle left unfinished: another may take it now
  } catch (const std::exception &e) {
    logger_.warn(std::string("cannot release this handle's claims on queued events (another "
                             "handle takes them when the claims expire): ") +
                 e.what());
  }
}

bool Dispatcher::breaker_open() const {
  std::lock_guard lock(mutex_);
  return consecutive_failures_ >= config_.outbox.breaker_threshold;
}

std::optional<OutboxEvent> Dispatcher::wait(std::int64_t id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  waiters_.insert(id);
  // An event that finished before this waiter was registered (a repeat of a finished,
  // unacknowledged event, or a quick worker) is never handed over: take it from the outbox
  // instead of waiting out the timeout.
  std::optional<OutboxEvent> stored;
  bool absent = false;  // forgotten (eckid_forget_pupil()) before this wait: nothing to wait for
  // Reads the event from the outbox without mutex_ (it is held on return): `stored` when it
  // is finished and not by this handle's own worker, which hands it over (finished()) before
  // it leaves running_ (taking it from the outbox too would deliver it twice).
  const auto look_up = [&] {
    lock.unlock();
    try {
      stored = outbox_.get(id);
      absent = !stored;
      if (stored && stored->state == EventState::queued) stored.reset();
    } catch (const std::exception &) {
      stored.reset();  // wait for the hand-off as usual
    }
    lock.lock();
    if (running_.contains(id)) stored.reset();
  };
  look_up();
  const auto deadline = Clock::now() + timeout;
  while (!stored && !absent && !handed_.contains(id) && !stopping_ && Clock::now() < deadline) {
    done_.wait_until(lock, std::min(deadline, Clock::now() + kOtherHandlePoll),
                     [&] { return handed_.contains(id) || stopping_; });
    if (handed_.contains(id) || stopping_) break;
    look_up();  // another handle on the state folder may have claimed and finished it
  }
  waiters_.erase(waiters_.find(id));
  const auto it = handed_.find(id);
  if (it == handed_.end()) {
    if (!stored) return std::nullopt;
    lock.unlock();
    outbox_.acknowledge(id);
    return stored;
  }
  OutboxEvent event = it->second;
  if (!waiters_.contains(id)) handed_.erase(it);  // the last of the calls that share it
  lock.unlock();
  outbox_.acknowledge(id);
  return event;
}

// A worker's entry point: nothing may escape it (util/thread_guard.hpp).
void Dispatcher::run(bool deliver_backlog) noexcept {
  if (deliver_backlog) {
    // Results finished before the last close but not acknowledged: deliver them again.
    try {
      std::int64_t after = 0;
      for (auto batch = outbox_.unacknowledged(0, 256); !batch.empty();
           batch = outbox_.unacknowledged(after, 256)) {
        for (const auto &e : batch) deliver_(e);
        after = batch.back().id;
      }
    } catch (...) {
      log_caught(logger_, "cannot deliver earlier results",
                 "they stay available to eckid_poll() and are delivered again after the next "
                 "open");
    }
  }
  for (;;) {
    try {
      work();
      return;
    } catch (...) {
      log_caught(logger_, "outbox worker", "the worker starts again in a second");
    }
    std::unique_lock lock(mutex_);
    if (work_.wait_for(lock, kIdlePoll, [this] { return stopping_; })) return;
  }
}

void Dispatcher::work() {
  int failures = 0;  // events in a row whose outcome could not be stored
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (consecutive_failures_ >= config_.outbox.breaker_threshold) {
      if (Clock::now() < open_until_ || probing_) {
        work_.wait_until(lock, probing_ ? Clock::now() + kIdlePoll : open_until_);
        continue;
      }
      probing_ = true;
      lock.unlock();
      const bool ok = probe();
      lock.lock();
      probing_ = false;
      if (ok) {
        consecutive_failures_ = 0;
        cooldown_ = std::chrono::milliseconds(config_.outbox.breaker_cooldown_ms);
        logger_.info("the Nummervoorziening answers again; sending queued events");
        work_.notify_all();
      } else {
        cooldown_ = std::min<std::chrono::milliseconds>(cooldown_ * 2, kMaxCooldown);
        open_until_ = Clock::now() + cooldown_;
      }
      continue;
    }
    std::optional<OutboxEvent> event;
    try {
      event = outbox_.next_due(unix_ms(), running_);
    } catch (...) {
      log_caught(logger_, "outbox", "the plugin tries again in a second");
    }
    if (!event) {
      std::optional<std::int64_t> due;
      try {
        due = outbox_.earliest_due();
      } catch (...) {
      }
      const auto wait = due ? std::chrono::milliseconds(std::max<std::int64_t>(*due - unix_ms(), 1))
                            : std::chrono::milliseconds(kIdlePoll);
      work_.wait_for(lock, std::min<std::chrono::milliseconds>(wait, kIdlePoll));
      continue;
    }
    running_.insert(event->id);
    lock.unlock();
    const std::int64_t id = event->id;
    const bool stored = process(std::move(*event));
    if (!stored) {
      // The outcome could not be written (a full disk, a locked or damaged state file): the
      // event stays queued as it was. This worker keeps it (in running_, so no other worker
      // takes it) for a growing pause before it is tried again, instead of sending it to the
      // service again at once.
      std::int64_t pause = 1000;
      try {
        pause = backoff_ms(++failures);
      } catch (...) {
      }
      lock.lock();
      work_.wait_for(lock, std::chrono::milliseconds(pause), [this] { return stopping_; });
    } else {
      failures = 0;
      lock.lock();
    }
    running_.erase(id);
    work_.notify_all();  // the pupil's next event may be due now
    done_.notify_all();
  }
}

namespace {
// The two parts of a sealed "first NUL second" pair (PGNs or HPgns; second empty when there is
// only one).
std::pair<std::string_view, std::string_view> split_pair(std::string_view all) {
  const auto nul = all.find('\0');
  return {all.substr(0, nul), nul == std::string_view::npos ? "" : all.substr(nul + 1)};
}
std::pair<std::string_view, std::string_view> split_pair(const SecureBytes &plain) {
  return split_pair({reinterpret_cast<const char *>(plain.data()), plain.size()});
}
}  // namespace

std::pair<std::string, std::string> Dispatcher::hpgns(const OutboxEvent &e, std::string_view pgn,
                                                      std::string_view old_pgn) {
  if (!e.sealed_hpgns.empty()) {
    const SecureBytes kept = sealer_.open(e.sealed_hpgns);
    const auto [tag, both] = split_pair(kept);
    if (tag == salt_tag_) {
      const auto [hpgn, old_hpgn] = split_pair(both);
      logger_.debug("event " + std::to_string(e.id) + ": HPgn kept from an earlier attempt");
      return {std::string(hpgn), std::string(old_hpgn)};
    }
    // Made with another salt (the configuration changed between attempts): computed again.
  }
  std::pair<std::string, std::string> h{engine_.hpgn(pgn, e.pgn_kind), ""};
  if (e.kind == EventKind::pgn_changed) h.second = engine_.hpgn(old_pgn, e.pgn_kind);
  logger_.debug("event " + std::to_string(e.id) + ": HPgn computed");
  // Kept for the event's retries, sealed like its PGNs: the next attempt skips the scrypt.
  // A failure to keep them costs only that saving.
  try {
    std::string plain = salt_tag_ + '\0' + h.first;
    if (!h.second.empty()) plain += '\0' + h.second;
    outbox_.keep_hpgns(e.id, sealer_.seal(plain));
    secure_clear(plain.data(), plain.size());
  } catch (const std::exception &err) {
    logger_.warn("event " + std::to_string(e.id) +
                 ": cannot keep its HPgn for a retry (it is computed again if one is needed): " +
                 err.what());
  }
  return h;
}

PupilRecord Dispatcher::apply(const OutboxEvent &e) {
  const SecureBytes pgns = sealer_.open(e.sealed_pgns);
  const auto [pgn, old_pgn] = split_pair(pgns);
  if (e.kind == EventKind::onboarding) {
    throw Error(ECKID_E_INTERNAL, "an onboarding event reached the outbox workers");
  }
  const auto [hpgn, old_hpgn] = hpgns(e, pgn, old_pgn);
  switch (e.kind) {
    case EventKind::created:
      return engine_.created({e.school_key, e.pupil_key, pgn, e.pgn_kind, e.id, hpgn});
    case EventKind::transferred:
      return engine_.transferred(
          {e.pupil_key, e.from_school_key, e.school_key, pgn, e.pgn_kind, e.id, hpgn});
    case EventKind::pgn_changed: {
      std::optional<std::string_view> date;
      if (e.effective_date) date = *e.effective_date;
      return engine_.pgn_changed(
          {e.school_key, e.pupil_key, old_pgn, pgn, e.pgn_kind, date, e.id, old_hpgn, hpgn});
    }
    case EventKind::onboarding:
      break;  // the Onboarder's (next_due never returns one)
  }
  throw Error(ECKID_E_INTERNAL, "unknown event kind in the outbox");
}

bool Dispatcher::process(OutboxEvent e) noexcept {
  try {
    return process_or_throw(std::move(e));
  } catch (...) {
    log_caught(logger_, "outbox: an event", "it stays queued and is tried again later");
    return false;
  }
}

bool Dispatcher::process_or_throw(OutboxEvent e) {
  const int attempts = e.attempts + 1;
  try {
    PupilRecord saved = apply(e);
    breaker_result(false);
    if (!outbox_.finish(e.id, EventState::done, ECKID_OK, "", attempts, unix_ms())) {
      throw EventForgotten(e.id);  // forgotten after its record was saved (and removed)
    }
    e.state = EventState::done;
    e.record = std::move(saved);  // travels to the waiter or the callback (no read back)
    e.status = ECKID_OK;
    e.message.clear();
    e.fault.reset();
  } catch (const EventForgotten &gone) {
    forgotten(e, gone);
    return true;
  } catch (const Error &err) {
    breaker_result(service_failure(err.status()));
    const auto *service_fault = dynamic_cast<const nv::ServiceFault *>(&err);
    const nv::FaultDetail *fault = service_fault ? &service_fault->detail() : nullptr;
    try {
      if (transient_failure(err) && attempts < config_.outbox.max_attempts) {
        const std::int64_t next = unix_ms() + backoff_ms(attempts);
        outbox_.reschedule(e.id, attempts, next, err.status(), err.what(), fault);
        logger_.info("event " + std::to_string(e.id) + " will be retried (attempt " +
                     std::to_string(attempts) + "): " + err.what());
        return true;
      }
      if (!outbox_.finish(e.id, EventState::failed, err.status(), err.what(), attempts, unix_ms(),
                          fault)) {
        forgotten(e, EventForgotten(e.id));
        return true;
      }
    } catch (...) {
      log_caught(logger_, "outbox: event " + std::to_string(e.id),
                 "it stays queued and is tried again later");
      return false;
    }
    logger_.warn("event " + std::to_string(e.id) + " failed: " + err.what());
    e.state = EventState::failed;
    e.status = err.status();
    e.message = err.what();
    if (fault != nullptr) e.fault = *fault;
  }
  // Anything else (not an eckid::Error) reaches process(): the event stays queued.
  e.attempts = attempts;
  e.sealed_pgns.clear();
  finished(e);
  return true;
}

void Dispatcher::forgotten(OutboxEvent e, const EventForgotten &why) {
  logger_.info("event " + std::to_string(e.id) + " of pupil " + quoted_key(e.pupil_key) +
               " at school " + quoted_key(e.school_key) +
               " was forgotten (eckid_forget_pupil()) while in progress; its outcome is dropped");
  e.state = EventState::failed;
  e.status = why.status();
  e.message = why.what();
  e.sealed_pgns.clear();
  e.fault.reset();
  // Only a synchronous call waiting for it learns the outcome; nothing goes to the result
  // callback or eckid_poll() for a forgotten pupil.
  std::lock_guard lock(mutex_);
  if (waiters_.contains(e.id)) {
    handed_.emplace(e.id, std::move(e));
    done_.notify_all();
  }
}

void Dispatcher::finished(const OutboxEvent &e) {
  {
    std::lock_guard lock(mutex_);
    if (waiters_.contains(e.id)) {
      handed_.emplace(e.id, e);
      done_.notify_all();
      return;
    }
  }
  if (deliver_) {
    try {
      deliver_(e);
    } catch (...) {
      logger_.error("the host's result callback failed; the result stays available to poll");
    }
  }
}

void Dispatcher::breaker_result(bool failed) {
  std::lock_guard lock(mutex_);
  if (!failed) {
    consecutive_failures_ = 0;
    return;
  }
  if (++consecutive_failures_ == config_.outbox.breaker_threshold) {
    open_until_ = Clock::now() + cooldown_;
    logger_.warn("the Nummervoorziening failed " + std::to_string(consecutive_failures_) +
                 " times in a row; pausing and probing with ping");
  }
}

bool Dispatcher::probe() {
  for (const auto &school : config_.schools) {
    if (!school.enabled) continue;
    try {
      return client_.ping(school.oin).available;
    } catch (...) {
      return false;
    }
  }
  return true;  // no enabled school: nothing to protect
}

std::int64_t Dispatcher::backoff_ms(int attempts) {
  const double base = static_cast<double>(config_.outbox.retry_base_ms);
  const double cap = static_cast<double>(config_.outbox.retry_max_ms);
  const double delay =
      std::min(cap, base * static_cast<double>(1ull << std::min(attempts - 1, 30)));
  std::lock_guard lock(mutex_);
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return static_cast<std::int64_t>(delay * jitter(random_));
}

}  // namespace eckid
