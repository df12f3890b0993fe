// Whole-school onboarding (eckid_onboard()): a school's pupil list becomes onboarding events
// in the outbox; hash workers compute their HPgns on every core while a coordinator sends
// them in batches (submitStampseudonymBatch, then submitEckIdBatch per chain; spec
// "Operations") and records each result as it arrives. Results go out through the
// Dispatcher's delivery path, like those of events.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "log/logger.hpp"
#include "nv/batch.hpp"
#include "nv/client.hpp"
#include "onboard/onboard_table.hpp"
#include "outbox/dispatcher.hpp"
#include "outbox/outbox.hpp"
#include "outbox/sealer.hpp"
#include "pgn/hpgn.hpp"
#include "store/database.hpp"
#include "store/store.hpp"

namespace eckid {

/// One pupil of an onboarding list (views into the caller's strings).
struct OnboardPupil {
  std::string_view pupil_key, pgn;
  eckid_pgn_kind kind = ECKID_PGN_PUPIL;
};

/// What became of one pupil of the list (eckid_onboard_receipt).
struct OnboardReceipt {
  std::int64_t event_id = 0;  // 0: refused
  eckid_status status = ECKID_QUEUED;
  std::string message;
};

/// Owns the hash workers and the batch coordinator. Thread-safe. Destruction stops them. Of
/// all handles open on one state, only the one holding its "onboarding" Lease works; the
/// others accept pupils and report progress (the work is in the shared database).
class Onboarder {
 public:
  Onboarder(const Config &config, Engine &engine, const HpgnHasher &hasher,
            const nv::Client &client, StateDb &state, Store &store, const Sealer &sealer,
            Outbox &outbox, Dispatcher &dispatcher, const Logger &logger);
  ~Onboarder();
  Onboarder(const Onboarder &) = delete;
  Onboarder &operator=(const Onboarder &) = delete;

  /// Checks each pupil (non-empty key, valid PGN, key and PGN not earlier in the list),
  /// writes the accepted ones durably as onboarding events and returns one receipt per
  /// pupil, in order. A pupil recorded earlier by an onboarding with the same PGN is done at
  /// once (delivered, not hashed or sent). Throws eckid::Error for the whole call:
  /// ECKID_E_UNKNOWN_SCHOOL, ECKID_E_NOT_ENABLED, ECKID_E_STATE.
  std::vector<OnboardReceipt> accept(std::string_view school_key,
                                     const std::vector<OnboardPupil> &pupils);
  /// The school's unfinished onboarding events by stage. Throws ECKID_E_UNKNOWN_SCHOOL,
  /// ECKID_E_STATE.
  OnboardCounts counts(std::string_view school_key);
  /// The onboarding work of the configured schools that may be done now (OnboardTable::due()),
  /// summed. Counted whichever handle holds the Lease: its holder is an open handle (the
  /// kernel releases the lock of a process that ended) that works on it, and when it closes,
  /// another handle takes over within a second. Pupils of a school not in the configuration
  /// are not counted. Throws ECKID_E_STATE.
  DueWork due();
  /// Wakes the workers (new or retried work).
  void notify();
  /// Stops the workers: hashing finishes the HPgn in hand, a batch being polled stays
  /// recorded and is polled again after the next open. Idempotent.
  void stop();

 private:
  struct Stopped {};

  void hash_worker();
  void hash_one(const UnhashedItem &item);
  void coordinate();
  bool coordinate_once();
  void run_batch(const SchoolConfig &school, OpenBatch batch);
  void settle(const SchoolConfig &school, const OpenBatch &batch, const nv::BatchRun &run);
  void batch_failed(const OpenBatch &batch, const Error &error);
  void finalize(const SchoolConfig &school);
  void deliver(const std::vector<std::int64_t> &ids);
  nv::BatchPolicy policy();
  bool stopping();

  const Config &config_;
  Engine &engine_;
  const HpgnHasher &hasher_;
  const nv::Client &client_;
  Store &store_;
  const Sealer &sealer_;
  Outbox &outbox_;
  Dispatcher &dispatcher_;
  const Logger &logger_;
  OnboardTable table_;
  std::unique_ptr<Lease> lease_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::int64_t> hashing_;
  std::map<std::int64_t, int> poll_failures_;  // batch row -> failed polls in a row
  int outages_ = 0;                            // service failures in a row
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace eckid
