// The durable outbox: every event is a row in eckid.db before the host's call returns, and
// stays until it is done and the host acknowledged its result.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "eckid/eckid.h"
#include "log/logger.hpp"
#include "nv/fault.hpp"
#include "outbox/sealer.hpp"
#include "store/state_db.hpp"
#include "store/store.hpp"

namespace eckid {

/// The current time as Unix milliseconds: the unit of every time in the outbox table.
inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// onboarding: a pupil of an eckid_onboard() list, processed with the batch operations by
/// the Onboarder (plugin/onboard), never by the Dispatcher.
enum class EventKind : int { created = 1, transferred = 2, pgn_changed = 3, onboarding = 4 };
enum class EventState : int { queued = 0, done = 1, failed = 2 };

/// SQL: the outbox row (alias o) is an onboarding event, which only the Onboarder processes.
/// The one place its kind is written into SQL text, tied to the enum above.
inline constexpr const char *kSqlOnboarding = "(o.kind = 4)";
static_assert(static_cast<int>(EventKind::onboarding) == 4);
/// SQL: an earlier queued event of the same pupil as the outbox row o (events of a pupil go in
/// id order; Database::lock_pupil() makes ids follow commit order per pupil).
inline constexpr const char *kSqlEarlierQueued =
    "SELECT 1 FROM outbox p WHERE p.pupil_key = o.pupil_key AND p.state = 0 AND p.id < o.id";

/// One queued or finished event. school_key is the school the event is for (for a transfer:
/// the to-school). sealed_pgns holds the PGN(s), sealed by Sealer, until the event is done.
/// sealed_hpgns holds their HPgn(s) ("salt tag NUL hpgn", "... NUL old_hpgn" for a PGN change),
/// sealed the same way, from the event's first attempt until it finishes (done or failed):
/// a retry needs no second scrypt. Empty: not computed yet.
struct OutboxEvent {
  std::int64_t id = 0;
  EventKind kind = EventKind::created;
  std::string school_key;
  std::string from_school_key;
  std::string pupil_key;
  eckid_pgn_kind pgn_kind = ECKID_PGN_PUPIL;
  std::string sealed_pgns;
  std::string sealed_hpgns;
  std::optional<std::string> effective_date;
  EventState state = EventState::queued;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;  // Unix time in ms
  std::int64_t created_ms = 0;
  std::int64_t completed_ms = 0;
  eckid_status status = ECKID_OK;  // outcome (done/failed) or last transient failure
  std::string message;
  bool acked = false;
  /// The service's SOAP fault when status is ECKID_E_SOAP_FAULT or ECKID_E_NOT_AUTHORISED
  /// (eckid_last_fault() after the result is returned or polled).
  std::optional<nv::FaultDetail> fault;
  /// The record a done event saved, as it travels with the finished event to a waiting
  /// caller or the result callback (Dispatcher). Never stored: an event read from the outbox
  /// has none.
  std::optional<PupilRecord> record;
};

/// Queue length and age (eckid_queue_status()).
struct OutboxStats {
  std::int64_t queued = 0;
  std::int64_t failed = 0;
  std::int64_t unacknowledged = 0;
  std::int64_t oldest_queued_ms = 0;  // created_ms of the oldest queued event, 0 if none
};

/// Queued work that may be done now and when the next waiting work is due (eckid_queue_info's
/// due and next_due_in_ms, before they are summed over the outbox and the onboarding).
struct DueWork {
  std::int64_t due = 0;  ///< may be worked on now, or is in progress
  /// Unix time in ms of the earliest work waiting for later; nullopt when none has a time.
  std::optional<std::int64_t> next_ms;

  /// Adds other's work: counts summed, the earlier next time.
  void add(const DueWork &other) {
    due += other.due;
    if (other.next_ms && (!next_ms || *other.next_ms < *next_ms)) next_ms = other.next_ms;
  }
};

/// The outbox table of the state database, on StateDb's connection and lock (`state` must
/// outlive it). Thread-safe; every write is durable when the call returns. Failures throw
/// eckid::Error(ECKID_E_STATE).
class Outbox {
 public:
  /// Checks that `sealer`'s key is the one the state's events are sealed with (state_meta's
  /// "outbox key check", written by the first handle): with PostgreSQL every server must have
  /// the same outbox.key, else Error(ECKID_E_STATE) says to copy it; with SQLite the folder
  /// holds both, and a replaced key (the administrator deleted a damaged one) is recorded.
  Outbox(StateDb &state, const Sealer &sealer);

  /// Adds an event unless one with the same idempotency key exists. Returns the event's id
  /// (the existing one for a repeat) and whether it now waits to be processed: a new event, or
  /// a repeat of one that had failed for good, which is queued again as a new attempt
  /// (attempts from zero, outcome and fault cleared, the given sealed PGNs, no HPgns).
  std::pair<std::int64_t, bool> enqueue(const OutboxEvent &event, const std::string &key);
  /// Claims and returns the next due queued event (next_attempt_ms <= now, oldest first) that
  /// is the oldest unfinished event of its pupil, not in `running` and not claimed by another
  /// open handle (in this or another process, on this or another machine sharing the state).
  /// The claim (Database::owner() and a time) is taken by a compare-and-set, so two handles
  /// never both take an event; it ends when the event is finished or rescheduled, or at
  /// release_claims(); a claim whose handle is gone (Database::handle_open(): the process died
  /// or, with PostgreSQL, its connection ended) or older than kClaimMs is taken over.
  std::optional<OutboxEvent> next_due(std::int64_t now_ms, const std::set<std::int64_t> &running);
  /// Ends this handle's claims on events it did not finish (the dispatcher's close, after its
  /// workers stopped), so that another handle takes them at once.
  void release_claims();
  /// How long a claim holds at most even while its handle is open: longer than one attempt can
  /// take (each of its few service calls is bounded by request_timeout_ms).
  static constexpr std::int64_t kClaimMs = 10 * 60 * 1000;
  /// The earliest next_attempt_ms of a queued event, if any.
  std::optional<std::int64_t> earliest_due();
  std::optional<OutboxEvent> get(std::int64_t id);
  /// Keeps the event's sealed HPgn(s) (OutboxEvent::sealed_hpgns) for its next attempts. An
  /// event no longer in the outbox (forgotten) is left alone.
  void keep_hpgns(std::int64_t id, const std::string &sealed_hpgns);
  /// Marks an event done or failed with its outcome (and the service's fault, if it was one);
  /// a done event's sealed PGNs are erased, and every finished event's sealed HPgns (an
  /// administrator's retry of a failed one computes them again). False when the event is no longer
  /// in the outbox (its pupil was forgotten, Store::forget()): nothing was written.
  bool finish(std::int64_t id, EventState state, eckid_status status, const std::string &message,
              int attempts, std::int64_t now_ms, const nv::FaultDetail *fault = nullptr);
  /// Schedules another attempt after a transient failure (a fault, if it was one, is kept).
  void reschedule(std::int64_t id, int attempts, std::int64_t next_ms, eckid_status status,
                  const std::string &message, const nv::FaultDetail *fault = nullptr);
  /// Finished, unacknowledged events with id > after, oldest first, at most limit.
  std::vector<OutboxEvent> unacknowledged(std::int64_t after, std::size_t limit);
  /// Marks a result acknowledged; a finished, acknowledged event is removed. Returns false
  /// when there is no finished event with this id.
  bool acknowledge(std::int64_t id);
  /// Moves failed events (one, or all with id 0) back to the queue. Returns how many.
  std::int64_t retry_failed(std::int64_t id, std::int64_t now_ms);
  OutboxStats stats();
  /// The queued events the Dispatcher processes (not onboarding): due when next_attempt_ms has
  /// come (also one in progress, in any handle) unless an earlier queued event of the same
  /// pupil waits for a later time (events of a pupil go in order); next_ms: the earliest
  /// next_attempt_ms still to come (a retry after a transient failure).
  DueWork due(std::int64_t now_ms);
  /// Ids of failed events, oldest first.
  std::vector<std::int64_t> failed_ids();

 private:
  OutboxEvent read(Database::Statement &row) const;
  Database &db_;       // StateDb's connection
  std::mutex &mutex_;  // and its lock
};

}  // namespace eckid
