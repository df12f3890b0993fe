// What the plugin remembers per (school, pupil): the HPgn (never the PGN), the sector and
// the ECK iD per chain. Behind a small interface so a server database can replace SQLite.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "log/logger.hpp"
#include "util/error.hpp"

namespace eckid {

/// One pupil at one school.
struct PupilRecord {
  std::string school_key;
  std::string pupil_key;
  std::string hpgn;  // 64 lowercase hex
  std::string sector;
  std::vector<std::pair<std::string, std::string>> eckids;  // (chain id, ECK iD URI)
  std::int64_t created_at = 0;                              // Unix seconds
  std::int64_t updated_at = 0;                              // Unix seconds

  /// The recorded ECK iD for a chain, or nullptr.
  const std::string *eckid(std::string_view chain) const noexcept {
    for (const auto &[c, e] : eckids) {
      if (c == chain) return &e;
    }
    return nullptr;
  }
};

/// Which pupil at which school: the holder of an HPgn (Store::holder()).
struct PupilRef {
  std::string school_key;
  std::string pupil_key;
};

/// Thrown by a save guarded by an outbox event (Store::save(), save_unless_held()) when that
/// event is no longer in the outbox: eckid_forget_pupil() removed it while it was in progress.
/// Nothing was saved; the event's outcome is dropped (outbox/dispatcher.cpp).
class EventForgotten : public Error {
 public:
  explicit EventForgotten(std::int64_t event_id)
      : Error(ECKID_E_NOT_FOUND,
              "event " + std::to_string(event_id) +
                  " was forgotten with its pupil (eckid_forget_pupil()) while in progress; "
                  "nothing was recorded for it") {}
};

/// What forget() removed.
struct Forgotten {
  std::int64_t records = 0;  // pupil rows (each with its ECK iDs)
  std::int64_t events = 0;   // outbox rows: queued, failed or unacknowledged events
};

/// Storage of pupil records. Implementations are thread-safe and durable: save() has
/// happened on disk when it returns. Failures throw eckid::Error(ECKID_E_STATE).
///
/// `guard` (save(), save_unless_held()): the outbox event the record comes from, or 0. A
/// guarded save happens only while that event is still in the outbox, checked in the save's
/// own transaction, so an event whose pupil forget() removed never writes the record back
/// (across threads and processes); else it throws EventForgotten.
class Store {
 public:
  virtual ~Store() = default;
  /// The record of a pupil at a school, if any.
  virtual std::optional<PupilRecord> find(std::string_view school_key,
                                          std::string_view pupil_key) = 0;
  /// Inserts or replaces the record with all its ECK iDs, atomically. Sets updated_at (and
  /// created_at for a new record).
  virtual void save(const PupilRecord &record, std::int64_t guard = 0) = 0;
  /// Another pupil recorded with this HPgn in this sector: a pupil key other than
  /// `pupil_key`, at any school (the oldest record), if any. One person has one pupil key, so
  /// such a record means two pupils with one PGN (ECKID_E_DUPLICATE_PGN).
  virtual std::optional<PupilRef> holder(std::string_view hpgn, std::string_view sector,
                                         std::string_view pupil_key) = 0;
  /// As save(), but in the same transaction refuses when holder() finds another pupil for
  /// the record's HPgn and sector: then nothing is saved and that holder is returned.
  virtual std::optional<PupilRef> save_unless_held(const PupilRecord &record,
                                                   std::int64_t guard = 0) = 0;
  /// Removes, in one transaction, everything the state database holds of `pupil_key` at
  /// `school_key` (eckid_forget_pupil()): its record and ECK iDs, its onboarding memory
  /// (onboard_known), and every outbox event whose school is `school_key` (queued, in
  /// progress, failed or unacknowledged, sealed PGNs and gathered HPgn/stampseudonym/ECK iDs
  /// with it), then onboarding batches left without any event. Records of the same pupil key
  /// at other schools, and events for another school (a transfer from this school to
  /// another is the other school's), stay. Nothing recorded is not an error.
  virtual Forgotten forget(std::string_view school_key, std::string_view pupil_key) = 0;
  /// Whether the outbox still holds the event (false: forget() removed it, or it is done and
  /// acknowledged).
  virtual bool holds_event(std::int64_t event_id) = 0;
};

class StateDb;

/// The store on the pupil tables of `state` (either engine), on its connection and lock.
/// `state` must outlive the store.
std::unique_ptr<Store> open_store(StateDb &state);

}  // namespace eckid
