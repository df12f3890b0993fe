#include "onboard/onboarder.hpp"

#include <cstring>
#include <map>
#include <unordered_map>

#include "pgn/pgn.hpp"
#include "util/error.hpp"
#include "util/secure.hpp"
#include "util/thread_guard.hpp"

namespace eckid {

namespace {

constexpr auto kIdle = std::chrono::seconds(1);
constexpr std::int64_t kDayMs = 86'400'000;

std::string kind_name(eckid_pgn_kind kind) {
  return kind == ECKID_PGN_STAFF ? "staff" : "pupil";
}

// The idempotency key of an onboarding: a keyed hash over school, pupil key, kind and PGN,
// built in a buffer that is wiped afterwards.
std::string onboarding_key(const Sealer &sealer, const std::string &school, const OnboardPupil &p) {
  const std::string head = "onboard\x1f" + school + '\x1f' + std::string(p.pupil_key) + '\x1f' +
                           std::to_string(static_cast<int>(p.kind)) + '\x1f';
  SecureBytes identity(head.size() + p.pgn.size());
  std::memcpy(identity.data(), head.data(), head.size());
  std::memcpy(identity.data() + head.size(), p.pgn.data(), p.pgn.size());
  return sealer.keyed_hash({reinterpret_cast<const char *>(identity.data()), identity.size()});
}

std::string utc_date(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace

Onboarder::Onboarder(const Config &config, Engine &engine, const HpgnHasher &hasher,
                     const nv::Client &client, StateDb &state, Store &store, const Sealer &sealer,
                     Outbox &outbox, Dispatcher &dispatcher, const Logger &logger)
    : config_(config),
      engine_(engine),
      hasher_(hasher),
      client_(client),
      store_(store),
      sealer_(sealer),
      outbox_(outbox),
      dispatcher_(dispatcher),
      logger_(logger),
      table_(state),
      lease_(state.database().lease("onboarding")) {
  unsigned workers = config.onboarding.hash_workers;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { hash_worker(); });
  threads_.emplace_back([this] { coordinate(); });
}

Onboarder::~Onboarder() {
  stop();
}

void Onboarder::notify() {
  wake_.notify_all();
}

bool Onboarder::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void Onboarder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto &t : threads_) t.join();
  threads_.clear();
}

std::vector<OnboardReceipt> Onboarder::accept(std::string_view school_key,
                                              const std::vector<OnboardPupil> &pupils) {
  const SchoolConfig &school = engine_.active_school(school_key);
  std::vector<OnboardReceipt> receipts(pupils.size());
  std::vector<OnboardEntry> entries;
  std::vector<bool> done;
  std::vector<std::size_t> positions;  // entry -> pupil
  std::unordered_map<std::string_view, std::size_t> keys;
  std::unordered_map<std::string, std::string_view> pgns;  // keyed hash of kind+PGN -> pupil key
  for (std::size_t i = 0; i < pupils.size(); ++i) {
    const OnboardPupil &p = pupils[i];
    OnboardReceipt &r = receipts[i];
    try {
      if (p.pupil_key.empty()) throw Error(ECKID_E_INVALID_ARGUMENT, "the pupil key is empty");
      validate_pgn(p.pgn, p.kind);
      if (!keys.emplace(p.pupil_key, i).second) {
        throw Error(ECKID_E_INVALID_ARGUMENT, "pupil key " + quoted_key(p.pupil_key) +
                                                  " appears earlier in the list; each pupil "
                                                  "once");
      }
      OnboardPupil anonymous{"", p.pgn, p.kind};
      const auto [seen, fresh] = pgns.emplace(onboarding_key(sealer_, "", anonymous), p.pupil_key);
      if (!fresh) {
        throw Error(ECKID_E_INVALID_ARGUMENT, "pupil " + quoted_key(p.pupil_key) +
                                                  " has the same " + kind_name(p.kind) +
                                                  " PGN as pupil " + quoted_key(seen->second) +
                                                  " earlier in the list; each person once");
      }
    } catch (const Error &e) {
      r.status = e.status();
      r.message = e.what();
      continue;
    }
    OnboardEntry entry;
    entry.pupil_key = p.pupil_key;
    entry.pgn_kind = p.kind;
    entry.sealed_pgn = sealer_.seal(p.pgn);
    entry.key = onboarding_key(sealer_, school.key, p);
    bool recorded = false;
    if (table_.known(school.key, entry.pupil_key, entry.key)) {
      const auto record = store_.find(school.key, entry.pupil_key);
      recorded = record && complete_for(*record, school);
    }
    entries.push_back(std::move(entry));
    done.push_back(recorded);
    positions.push_back(i);
  }
  const auto ids = table_.accept(school.key, entries, done, unix_ms());
  std::vector<std::int64_t> finished;
  for (std::size_t e = 0; e < ids.size(); ++e) {
    receipts[positions[e]].event_id = ids[e].first;
    if (ids[e].second) finished.push_back(ids[e].first);
  }
  logger_.info("onboarding for school '" + school.key + "': " + std::to_string(ids.size()) +
               " of " + std::to_string(pupils.size()) + " pupil(s) accepted, " +
               std::to_string(finished.size()) + " already recorded");
  deliver(finished);
  notify();
  return receipts;
}

OnboardCounts Onboarder::counts(std::string_view school_key) {
  return table_.counts(engine_.lookup_school(school_key).key, unix_ms());
}

DueWork Onboarder::due() {
  DueWork work;
  const std::int64_t now = unix_ms();
  const Date today = today_local();
  for (const SchoolConfig &school : config_.schools) {
    // As coordinate_once(): an inactive school forms no batches, one at the daily limit not
    // before the limit's end.
    std::optional<std::int64_t> batches_from;
    if (school.active_on(today))
      batches_from = table_.deferred_until(school.key, now).value_or(now);
    work.add(table_.due(school.key, now, batches_from));
  }
  return work;
}

void Onboarder::deliver(const std::vector<std::int64_t> &ids) {
  for (std::int64_t id : ids) {
    if (const auto e = outbox_.get(id)) dispatcher_.finished(*e);
  }
}

// ---- Hashing --------------------------------------------------------------------------

// A worker's entry point: nothing may escape it (util/thread_guard.hpp). When a pupil's
// outcome cannot be written (a full disk, a locked or damaged state file), the pupil stays
// unhashed and due, and this worker keeps it to itself for a growing pause ([outbox]
// retry_base_ms doubled up to retry_max_ms), so no worker spins on it; then it is tried again.
void Onboarder::hash_worker() {
  int failures = 0;  // rounds in a row that ended in an exception
  while (!stopping()) {
    std::optional<UnhashedItem> item;
    bool failed = false;
    try {
      if (!lease_->held()) throw Stopped{};  // another handle does the work: wait
      {
        std::lock_guard lock(mutex_);
        auto found = table_.unhashed(unix_ms(), hashing_, 1);
        if (!found.empty()) {
          item = std::move(found.front());
          hashing_.insert(item->id);
        }
      }
      if (item) hash_one(*item);
      failures = 0;
    } catch (const Stopped &) {
    } catch (...) {
      failed = true;
      ++failures;
      log_caught(logger_, "onboarding: a hash worker",
                 "the pupil stays queued and the worker tries again later");
    }
    if (failed) {
      std::int64_t pause = 1000;
      try {
        pause = dispatcher_.backoff_ms(failures);
      } catch (...) {
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(pause), [this] { return stopping_; });
    }
    if (item) {
      {
        std::lock_guard lock(mutex_);
        hashing_.erase(item->id);
      }
      wake_.notify_all();  // the coordinator may have a full batch now
    } else if (!failed) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kIdle, [this] { return stopping_; });
    }
  }
}

void Onboarder::hash_one(const UnhashedItem &item) {
  try {
    std::string hpgn;
    {
      const SecureBytes pgn = sealer_.open(item.sealed_pgn);
      hpgn = hasher_.hpgn({reinterpret_cast<const char *>(pgn.data()), pgn.size()}, item.pgn_kind);
    }
    const SchoolConfig &school = engine_.lookup_school(item.school_key);
    std::vector<std::pair<std::string, std::string>> known;
    if (const auto record = store_.find(school.key, item.pupil_key)) {
      if (record->hpgn != hpgn) {
        throw Error(ECKID_E_PUPIL_CONFLICT,
                    "pupil " + quoted_key(item.pupil_key) + " at school '" + school.key +
                        "' already has an ECK iD for another PGN; report the change with "
                        "eckid_pgn_changed()");
      }
      if (record->sector == school.sector) known = record->eckids;
      // Recorded by an event with this PGN: nothing to ask, nothing to record.
      if (complete_for(*record, school)) {
        // Not remembered, finished or delivered when the pupil was forgotten meanwhile.
        if (table_.remember(school.key, item.pupil_key, item.key, hpgn, item.id) &&
            outbox_.finish(item.id, EventState::done, ECKID_OK, "", 1, unix_ms())) {
          deliver({item.id});
        }
        return;
      }
    }
    engine_.refuse_held(school, item.pupil_key, hpgn);  // another pupil recorded with this PGN
    table_.set_hashed(item.id, hpgn, known);
  } catch (const Error &e) {
    const int attempts = item.attempts + 1;
    if (transient_failure(e) && attempts < config_.outbox.max_attempts) {
      outbox_.reschedule(item.id, attempts, unix_ms() + dispatcher_.backoff_ms(attempts),
                         e.status(), e.what());
      logger_.warn("onboarding: pupil " + quoted_key(item.pupil_key) +
                   " will be hashed again: " + e.what());
      return;
    }
    outbox_.finish(item.id, EventState::failed, e.status(), e.what(), attempts, unix_ms());
    logger_.warn("onboarding: pupil " + quoted_key(item.pupil_key) + " failed: " + e.what());
    deliver({item.id});
  }
  // Anything else, and a failure to write the outcome above, reaches hash_worker(), which
  // logs it and backs off with the pupil left queued.
}

// ---- Batches --------------------------------------------------------------------------

nv::BatchPolicy Onboarder::policy() {
  const OnboardingConfig &c = config_.onboarding;
  nv::BatchPolicy p;
  p.poll_delay = std::chrono::milliseconds(c.poll_delay_ms);
  p.max_polls = c.max_polls;
  p.blocked_delay = std::chrono::milliseconds(c.blocked_delay_ms);
  p.blocked_delay_max = std::chrono::milliseconds(c.blocked_delay_max_ms);
  p.max_blocked = c.max_blocked;
  p.sleep = [this](std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) throw Stopped{};
  };
  return p;
}

void Onboarder::coordinate() {
  bool leading = false;
  while (!stopping()) {
    bool worked = false;
    try {
      if (!leading) {
        // Until this handle holds the state directory's lease, another one does the work.
        if (lease_->try_acquire()) {
          leading = true;
          table_.drop_unsubmitted();  // batches a stopped leader formed but never sent
          wake_.notify_all();         // the hash workers may start
        }
      }
      if (leading) worked = coordinate_once();
    } catch (const Stopped &) {
      break;  // the batch in hand stays recorded and is polled after the next open
    } catch (...) {
      // Nothing may escape this thread. What was recorded stays so (each step of the
      // onboarding table is one transaction), and the next round starts from it.
      log_caught(logger_, "onboarding", "the plugin tries again in a second");
    }
    if (!worked) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kIdle, [this] { return stopping_; });
    }
  }
}

// One round: polls batches the service has, records what is complete, and sends the next
// batch of each stage that is full or has nothing more coming. True when it did something.
bool Onboarder::coordinate_once() {
  bool worked = false;
  for (OpenBatch &batch : table_.open_batches(unix_ms())) {
    const SchoolConfig *school = config_.find_school(batch.school_key);
    if (school == nullptr) continue;
    run_batch(*school, std::move(batch));
    worked = true;
  }
  for (const SchoolConfig &school : config_.schools) {
    if (!school.active_on(today_local())) continue;
    finalize(school);
    if (table_.deferred_until(school.key, unix_ms())) continue;
    std::vector<std::string> stages(school.chains.rbegin(), school.chains.rend());
    stages.emplace_back();  // the stampseudonym stage last: later stages finish pupils first
    for (const std::string &chain : stages) {
      const std::int64_t now = unix_ms();
      const std::int64_t ready = table_.ready(school.key, chain, now);
      if (ready == 0) continue;
      if (ready < static_cast<std::int64_t>(config_.onboarding.batch_size) &&
          table_.upstream(school.key, chain, now) > 0) {
        continue;  // more are coming: wait for a full batch
      }
      auto batch = table_.form_batch(school.key, chain, config_.onboarding.batch_size, now);
      if (!batch) continue;
      run_batch(school, std::move(*batch));
      finalize(school);
      return true;
    }
  }
  return worked;
}

void Onboarder::run_batch(const SchoolConfig &school, OpenBatch batch) {
  const nv::BatchPolicy p = policy();
  const std::string what = batch.chain.empty() ? "stampseudonym batch" : "ECK iD batch";
  nv::BatchRun run;
  try {
    if (!batch.service_id.empty()) {
      std::vector<nv::BatchIndex> indices;
      for (const auto &item : batch.items) indices.push_back(item.first);
      run = nv::poll_batch(client_, school.oin, batch.service_id, indices, p);
    } else {
      const auto submitted = [&](const std::string &id) {
        table_.set_service_id(batch.row, id);
        batch.service_id = id;
        logger_.info("onboarding: " + what + " " + id + " for school '" + school.key +
                     "': " + std::to_string(batch.items.size()) + " pupil(s) submitted");
      };
      if (batch.chain.empty()) {
        std::vector<nv::HpgnItem> items;
        for (const auto &[index, hpgn] : batch.items) items.push_back({index, hpgn});
        run = nv::run_stampseudonym_batch(client_, school.oin, items, p, submitted);
      } else {
        std::vector<nv::StampseudonymItem> items;
        for (const auto &[index, value] : batch.items) items.push_back({index, value});
        run = nv::run_eckid_batch(client_, school.oin, items, batch.chain, school.sector, p,
                                  submitted);
      }
    }
  } catch (const Error &e) {
    batch_failed(batch, e);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    poll_failures_.erase(batch.row);
    outages_ = 0;
  }
  settle(school, batch, run);
}

void Onboarder::settle(const SchoolConfig &school, const OpenBatch &batch,
                       const nv::BatchRun &run) {
  const std::int64_t now = unix_ms();
  Recorded recorded;
  switch (run.outcome) {
    case nv::BatchOutcome::kComplete:
      recorded = table_.record(batch, run, config_.outbox.max_attempts, now);
      logger_.info("onboarding: batch " + run.batch_id + " for school '" + school.key +
                   "': " + std::to_string(run.result.successes.size()) + " result(s), " +
                   std::to_string(run.result.failures.size()) + " refused");
      break;
    case nv::BatchOutcome::kLost:
      recorded = table_.record(batch, run, config_.outbox.max_attempts, now);
      logger_.warn("onboarding: the Nummervoorziening no longer has batch " + run.batch_id + " (" +
                   run.message + "); its " + std::to_string(run.unresolved.size()) +
                   " pupil(s) without a recorded result are sent again");
      break;
    case nv::BatchOutcome::kDeferred: {
      const std::int64_t next_day = (now / kDayMs + 1) * kDayMs;
      const std::string message = "the Nummervoorziening's daily batch limit is reached (" +
                                  run.message + "); onboarding for school '" + school.key +
                                  "' continues after " + utc_date(next_day);
      recorded = table_.release(batch, next_day, ECKID_QUEUED, message, false, 0);
      logger_.warn("onboarding: " + message);
      break;
    }
  }
  deliver(recorded.failed);
}

void Onboarder::batch_failed(const OpenBatch &batch, const Error &e) {
  const int max_attempts = config_.outbox.max_attempts;
  const std::string why =
      std::string("onboarding batch for school '") + batch.school_key + "' failed: " + e.what();
  const std::int64_t now = unix_ms();
  Recorded recorded;
  // The end of an accepted batch on our side: its result stays at the service, and retrying the
  // pupils polls this batch again (OnboardTable::fail keeps it) instead of sending them again.
  const std::string resume =
      batch.service_id.empty()
          ? std::string()
          : "; the Nummervoorziening keeps batch " + batch.service_id +
                ": retrying these pupils (eckid_retry_failed(), or onboarding the list again) "
                "polls it again instead of sending them again";
  if (dynamic_cast<const nv::BatchNotFinished *>(&e) != nullptr || !transient_failure(e)) {
    // An explicit end: the pupils fail with the reason and can be retried.
    {
      std::lock_guard lock(mutex_);
      poll_failures_.erase(batch.row);
    }
    recorded = table_.fail(batch, e.status(), e.what() + resume, now);
    logger_.warn(why + resume);
  } else if (service_failure(e.status())) {
    // The service or the way to it is down: not the pupils' fault. Wait longer each time (up
    // to [outbox] retry_max_ms) and count no attempt, so an outage fails nobody.
    int outages = 0;
    {
      std::lock_guard lock(mutex_);
      outages = ++outages_;
    }
    const std::int64_t next = now + dispatcher_.backoff_ms(outages);
    if (batch.service_id.empty()) {
      recorded = table_.release(batch, next, e.status(), e.what(), false, max_attempts);
    } else {
      table_.repoll_later(batch.row, next);
    }
    logger_.warn(why + "; the plugin tries again in " + std::to_string((next - now) / 1000) +
                 " s and keeps the pupils queued");
  } else if (batch.service_id.empty()) {
    recorded = table_.release(batch, now + dispatcher_.backoff_ms(1), e.status(), e.what(), true,
                              max_attempts);
    logger_.warn(why + "; the plugin sends the batch again later");
  } else {
    int failures = 0;
    {
      std::lock_guard lock(mutex_);
      failures = ++poll_failures_[batch.row];
    }
    if (failures >= max_attempts) {
      {
        std::lock_guard lock(mutex_);
        poll_failures_.erase(batch.row);
      }
      recorded = table_.fail(batch, e.status(), e.what() + resume, now);
      logger_.warn(why + resume);
    } else {
      table_.repoll_later(batch.row, now + dispatcher_.backoff_ms(failures));
      logger_.warn(why + "; the plugin polls it again later");
    }
  }
  deliver(recorded.failed);
}

// Records the pupils whose ECK iDs are all gathered and hands out their results.
void Onboarder::finalize(const SchoolConfig &school) {
  for (const CompleteItem &item : table_.complete(school.key, school.chains)) {
    PupilRecord record{school.key, item.pupil_key, item.hpgn, school.sector, item.eckids, 0, 0};
    try {
      // Another pupil's event may have recorded the PGN while this one was in a batch; and the
      // pupil may have been forgotten since complete() (the guard: then nothing is recorded).
      engine_.record_onboarded(school, record, item.id);
    } catch (const EventForgotten &) {
      logger_.info("onboarding: pupil " + quoted_key(item.pupil_key) + " at school '" + school.key +
                   "' was forgotten while in a batch; nothing recorded");
      continue;
    } catch (const Error &e) {
      // The state could not be written (a full disk, a lock): the pupil stays complete and is
      // recorded in a later round. Any other refusal is the pupil's.
      if (e.status() == ECKID_E_STATE || e.status() == ECKID_E_NOMEM) throw;
      outbox_.finish(item.id, EventState::failed, e.status(), e.what(), 1, unix_ms());
      logger_.warn("onboarding: " + std::string(e.what()));
      deliver({item.id});
      continue;
    }
    table_.remember(school.key, item.pupil_key, item.key, item.hpgn, item.id);
    if (!outbox_.finish(item.id, EventState::done, ECKID_OK, "", 1, unix_ms())) continue;
    if (logger_.sensitive_allowed()) {
      for (const auto &[chain, id] : item.eckids) {
        logger_.debug("onboarding: pupil " + quoted_key(item.pupil_key) + " at school '" +
                      school.key + "': HPgn " + item.hpgn + ", ECK iD " + id + " (chain " + chain +
                      ")");
      }
    }
    deliver({item.id});
  }
}

}  // namespace eckid
