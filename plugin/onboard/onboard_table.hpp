// The onboarding side of the outbox table: the progress of each onboarding event (HPgn,
// stampseudonym, ECK iDs so far, batch) and the batches sent to the service (schema
// migration 3 in store/schema.hpp).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "eckid/eckid.h"
#include "log/logger.hpp"
#include "nv/batch.hpp"
#include "outbox/outbox.hpp"
#include "store/state_db.hpp"

namespace eckid {

/// A pupil handed to eckid_onboard(), ready to be written.
struct OnboardEntry {
  std::string pupil_key;
  eckid_pgn_kind pgn_kind = ECKID_PGN_PUPIL;
  std::string sealed_pgn;
  std::string key;  // idempotency key: keyed hash of school, pupil key, kind and PGN
};

/// An onboarding event waiting for its HPgn.
struct UnhashedItem {
  std::int64_t id = 0;
  std::string school_key, pupil_key, sealed_pgn, key;
  eckid_pgn_kind pgn_kind = ECKID_PGN_PUPIL;
  int attempts = 0;  // transient failures so far
};

/// An onboarding event whose ECK iDs are all gathered.
struct CompleteItem {
  std::int64_t id = 0;
  std::string school_key, pupil_key, hpgn, key;
  std::vector<std::pair<std::string, std::string>> eckids;  // (chain, ECK iD), as gathered
};

/// One batch: for the stampseudonym (chain empty) or for one chain's ECK iDs. Items carry
/// the batch index and the value sent (HPgn or stampseudonym).
struct OpenBatch {
  std::int64_t row = 0;
  std::string school_key;
  std::string chain;       // empty: submitStampseudonymBatch
  std::string service_id;  // batchIdentifier; empty until the service accepted the batch
  std::vector<std::pair<nv::BatchIndex, std::string>> items;
};

/// Counts of one school's unfinished onboarding events (eckid_onboard_info).
struct OnboardCounts {
  std::int64_t waiting = 0, hashed = 0, in_batch = 0, deferred = 0;
  std::int64_t deferred_until_ms = 0;
};

/// The ids a batch outcome finished, for delivery.
struct Recorded {
  std::vector<std::int64_t> failed;
};

/// On StateDb's connection and lock (`state` must outlive it). Thread-safe. Every write is
/// durable when the call returns; failures throw eckid::Error(ECKID_E_STATE).
class OnboardTable {
 public:
  explicit OnboardTable(StateDb &state);

  /// For each entry: its existing event (one still queued or done keeps its id; a failed one
  /// goes back to the queue) or a new queued one; `done_at_once` marks entries to write as
  /// done without work (recorded earlier with the same PGN). One transaction. Returns the ids
  /// in entry order and, per entry, whether it was finished by this call.
  std::vector<std::pair<std::int64_t, bool>> accept(const std::string &school_key,
                                                    const std::vector<OnboardEntry> &entries,
                                                    const std::vector<bool> &done_at_once,
                                                    std::int64_t now_ms);
  /// True when pupil_key at school_key was recorded by an onboarding with this idempotency
  /// key and its HPgn has not changed since.
  bool known(const std::string &school_key, const std::string &pupil_key, const std::string &key);

  /// Due onboarding events without an HPgn, not in `busy`, oldest first, at most limit.
  std::vector<UnhashedItem> unhashed(std::int64_t now_ms, const std::set<std::int64_t> &busy,
                                     std::size_t limit);
  /// Stores the HPgn and the ECK iDs already recorded for the pupil (same sector).
  void set_hashed(std::int64_t id, const std::string &hpgn,
                  const std::vector<std::pair<std::string, std::string>> &known);

  /// Due events of the school ready for a batch of this stage (chain empty: stampseudonym),
  /// not in a batch; and how many of the school's unfinished events are still before it.
  std::int64_t ready(const std::string &school_key, const std::string &chain, std::int64_t now_ms);
  std::int64_t upstream(const std::string &school_key, const std::string &chain,
                        std::int64_t now_ms);
  /// Creates a batch of up to `size` ready events (indices 0..n-1), or nullopt when none.
  std::optional<OpenBatch> form_batch(const std::string &school_key, const std::string &chain,
                                      std::size_t size, std::int64_t now_ms);
  void set_service_id(std::int64_t row, const std::string &service_id);
  /// Batches the service accepted whose next poll is due and that hold a queued event (a
  /// batch kept by fail() waits until one of its events is retried).
  std::vector<OpenBatch> open_batches(std::int64_t now_ms);
  /// Releases batches never accepted by the service (a stop between forming and submitting).
  void drop_unsubmitted();
  /// The latest next_attempt_ms of the school's events held back by the daily limit, if
  /// still in the future.
  std::optional<std::int64_t> deferred_until(const std::string &school_key, std::int64_t now_ms);

  /// Records a retrieved batch at once, in one transaction: successes store the value
  /// (stampseudonym, or the chain's ECK iD), failures fail their queued event with the
  /// service's message, queued indices without a result go back to wait (failed after
  /// max_attempts), and the batch is closed. Events that failed earlier and were not retried
  /// stay failed (they keep a value that arrived).
  Recorded record(const OpenBatch &batch, const nv::BatchRun &run, int max_attempts,
                  std::int64_t now_ms);
  /// Closes the batch; its events wait until not_before_ms. status/message say why (kept on
  /// the events); `deferred` marks the daily limit. Events past max_attempts fail.
  Recorded release(const OpenBatch &batch, std::int64_t not_before_ms, eckid_status status,
                   const std::string &message, bool count_attempt, int max_attempts);
  /// Fails the batch's queued events. A batch never accepted is closed; one the service
  /// accepted (service_id set) is kept with its events, so that retrying them (accept(),
  /// Outbox::retry_failed()) polls it again instead of sending them in a new batch while the
  /// service still holds the old one's result.
  Recorded fail(const OpenBatch &batch, eckid_status status, const std::string &message,
                std::int64_t now_ms);
  /// Delays the next poll of an accepted batch.
  void repoll_later(std::int64_t row, std::int64_t next_ms);

  /// Queued events that have the stampseudonym and an ECK iD for every chain given.
  std::vector<CompleteItem> complete(const std::string &school_key,
                                     const std::vector<std::string> &chains);
  /// Remembers that the pupil is recorded with this PGN (onboard_known), only while the
  /// onboarding event `event_id` is still in the outbox (a forget in between removed the
  /// pupil: nothing is written back). Returns false when it is gone.
  bool remember(const std::string &school_key, const std::string &pupil_key, const std::string &key,
                const std::string &hpgn, std::int64_t event_id);

  OnboardCounts counts(const std::string &school_key, std::int64_t now_ms);
  /// The school's queued onboarding events that may be worked on now (DueWork): hashing
  /// once next_attempt_ms has come; in a batch while the batch's next poll has come (also
  /// while it is being sent or polled); hashed and not in a batch once next_attempt_ms and
  /// batches_from_ms have come. batches_from_ms: from when the school's pupils may go into a
  /// batch: now_ms or earlier, a later time (the daily batch limit), or nullopt (the school is
  /// not active: those pupils wait without a known time).
  DueWork due(const std::string &school_key, std::int64_t now_ms,
              std::optional<std::int64_t> batches_from_ms);

 private:
  std::int64_t count_where(const std::string &where, const std::string &school_key,
                           const std::string &chain, std::int64_t now_ms);
  Recorded fail_locked(const OpenBatch &batch, eckid_status status, const std::string &message,
                       std::int64_t now_ms);
  Database &db_;       // StateDb's connection
  std::mutex &mutex_;  // and its lock
};

/// Serialises gathered ECK iDs: "chain TAB eckid" lines.
std::string encode_eckids(const std::vector<std::pair<std::string, std::string>> &eckids);
std::vector<std::pair<std::string, std::string>> decode_eckids(const std::string &text);

}  // namespace eckid
