// The enrolment events (design "What each event means"): pupil created, transferred, PGN
// changed, and lookup. Turns them into HPgns, service calls and recorded ECK iDs.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "eckid/eckid.h"
#include "log/logger.hpp"
#include "nv/client.hpp"
#include "pgn/hpgn.hpp"
#include "store/store.hpp"

namespace eckid {

// event_id in each event: the outbox event being applied (0: none). The record is saved only
// while that event is still in the outbox (Store's guard): a forget in between drops it.
// hpgn / old_hpgn / new_hpgn: the PGN's HPgn when it is already known (Engine::hpgn(); the
// outbox keeps it sealed for an event's retries, plugin/outbox/dispatcher.cpp); empty: the
// engine computes it from the PGN.

/// Pupil created at a school.
struct CreatedEvent {
  std::string_view school_key, pupil_key, pgn;
  eckid_pgn_kind kind = ECKID_PGN_PUPIL;
  std::int64_t event_id = 0;
  std::string_view hpgn = {};
};

/// Pupil moved from one school to another.
struct TransferredEvent {
  std::string_view pupil_key, from_school_key, to_school_key, pgn;
  eckid_pgn_kind kind = ECKID_PGN_PUPIL;
  std::int64_t event_id = 0;
  std::string_view hpgn = {};
};

/// The pupil's PGN changed. effective_date: "YYYY-MM-DD" or an xsd:dateTime, or none (now).
struct PgnChangedEvent {
  std::string_view school_key, pupil_key, old_pgn, new_pgn;
  eckid_pgn_kind kind = ECKID_PGN_PUPIL;
  std::optional<std::string_view> effective_date;
  std::int64_t event_id = 0;
  std::string_view old_hpgn = {}, new_hpgn = {};
};

/// replaceStampseudonym's effectiveDate (WSDL: xsd:dateTime) from "YYYY-MM-DD" (midnight UTC)
/// or an xsd:dateTime, each part checked (parse_xsd_datetime()). Throws
/// ECKID_E_INVALID_ARGUMENT naming effective_date and the wrong part for anything else.
std::string effective_datetime(std::string_view text);

/// Checks an event's calendar date "YYYY-MM-DD" (parse_calendar_date()). Throws
/// ECKID_E_INVALID_ARGUMENT naming `field` and the wrong part.
void check_calendar_date(std::string_view field, std::string_view text);

/// The ECK iD `record` (may be null) holds for `chain` when it was recorded in `school`'s
/// sector, else nullptr: inside a sector a pupil keeps the ECK iD, another sector gives a new
/// one (spec "The three tiers"; design "What each event means").
const std::string *kept_eckid(const PupilRecord *record, const SchoolConfig &school,
                              std::string_view chain);
/// Whether `record` keeps an ECK iD for every chain of `school` (kept_eckid()): the pupil is
/// recorded for this school and nothing needs to be asked of the service.
bool complete_for(const PupilRecord &record, const SchoolConfig &school);

/// Applies events. Thread-safe: events for one pupil key are applied one at a time (in the
/// order their callers take the pupil's lock); other pupils proceed in parallel. Every
/// method throws eckid::Error with the statuses documented in eckid.h.
class Engine {
 public:
  Engine(const Config &config, const HpgnHasher &hasher, const nv::Client &client, Store &store,
         const Logger &logger)
      : config_(config), hasher_(hasher), client_(client), store_(store), logger_(logger) {}

  /// The PGN's HPgn (HpgnHasher::hpgn(): validates the PGN first; about a second of CPU).
  /// Throws ECKID_E_INVALID_PGN, ECKID_E_NOMEM, ECKID_E_CRYPTO.
  std::string hpgn(std::string_view pgn, eckid_pgn_kind kind) const {
    return hasher_.hpgn(pgn, kind);
  }

  PupilRecord created(const CreatedEvent &event);
  PupilRecord transferred(const TransferredEvent &event);
  PupilRecord pgn_changed(const PgnChangedEvent &event);
  /// The recorded ECK iDs; ECKID_E_NOT_FOUND when there are none. No service call.
  PupilRecord lookup(std::string_view school_key, std::string_view pupil_key);
  /// Removes everything of the pupil at the school (Store::forget(); eckid_forget_pupil()).
  /// The school must be configured (ECKID_E_UNKNOWN_SCHOOL), enabled or not. No service call,
  /// and no wait for the pupil's events in progress: their guarded saves refuse afterwards.
  Forgotten forget(std::string_view school_key, std::string_view pupil_key);

  /// The school, when requests may be sent for it today. Throws ECKID_E_UNKNOWN_SCHOOL or
  /// ECKID_E_NOT_ENABLED (disabled, or before its start_date).
  const SchoolConfig &active_school(std::string_view key) const;
  /// The configured school (enabled or not). Throws ECKID_E_UNKNOWN_SCHOOL.
  const SchoolConfig &lookup_school(std::string_view key) const { return config_.school(key); }

  /// Throws ECKID_E_DUPLICATE_PGN (naming the holder's pupil key and school, never the PGN)
  /// when another pupil key holds the HPgn in the school's sector (issue 12: two records, one
  /// PGN). Used by the events and by onboarding before anything is sent.
  void refuse_held(const SchoolConfig &school, std::string_view pupil_key, const std::string &hpgn);
  /// Records the ECK iDs an onboarding gathered for the pupil (Onboarder), under the pupil's
  /// lock like an event. Throws ECKID_E_PUPIL_CONFLICT when an event recorded the pupil with
  /// another HPgn since it was hashed (nothing saved), ECKID_E_DUPLICATE_PGN when another
  /// pupil holds the HPgn in the sector, EventForgotten when the onboarding event `event_id`
  /// is no longer in the outbox, ECKID_E_STATE when the state cannot be written.
  void record_onboarded(const SchoolConfig &school, const PupilRecord &gathered,
                        std::int64_t event_id);

 private:
  /// Saves the record; when it claims an HPgn (a new record, or a new HPgn), atomically refuses
  /// one another pupil holds (ECKID_E_DUPLICATE_PGN, nothing saved) instead. guard: the
  /// outbox event the record comes from (0: none); throws EventForgotten when it is gone.
  /// The caller holds the pupil's lock.
  void record(const PupilRecord &record, bool claims_hpgn, std::int64_t guard);
  std::mutex &pupil_lock(std::string_view pupil_key);
  /// Throws EventForgotten when the event (if any) is no longer in the outbox: checked under
  /// the pupil's lock after hashing, before any service call, so that an event forgotten
  /// while it waited or hashed sends nothing.
  void require_event(std::int64_t event_id);
  /// ECK iDs for every chain of the school, reusing `known` ones; asks for the stampseudonym
  /// (once) only when a chain is missing.
  PupilRecord complete(const SchoolConfig &school, std::string_view pupil_key,
                       const std::string &hpgn, const PupilRecord *known,
                       std::optional<std::string> stampseudonym = std::nullopt);
  void log_result(std::string_view what, const PupilRecord &record) const;

  const Config &config_;
  const HpgnHasher &hasher_;
  const nv::Client &client_;
  Store &store_;
  const Logger &logger_;
  std::array<std::mutex, 64> locks_;
};

}  // namespace eckid
