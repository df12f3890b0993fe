#include "engine/engine.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "pgn/pgn.hpp"
#include "util/datetime.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

// The HPgn the event carries, else the one computed from its PGN.
std::string known_or_hashed(const HpgnHasher &hasher, std::string_view hpgn, std::string_view pgn,
                            eckid_pgn_kind kind) {
  return hpgn.empty() ? hasher.hpgn(pgn, kind) : std::string(hpgn);
}

std::string date_string(const Date &d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

[[noreturn]] void conflict(std::string_view school, std::string_view pupil,
                           const std::string &what) {
  throw Error(ECKID_E_PUPIL_CONFLICT,
              "pupil " + quoted_key(pupil) + " at school " + quoted_key(school) + ": " + what);
}

[[noreturn]] void duplicate(std::string_view school, std::string_view pupil,
                            const PupilRef &holder) {
  throw Error(ECKID_E_DUPLICATE_PGN,
              "pupil " + quoted_key(pupil) + " at school " + quoted_key(school) +
                  ": the same PGN is already recorded for pupil " + quoted_key(holder.pupil_key) +
                  " at school " + quoted_key(holder.school_key) +
                  " (same sector), so both would get one ECK iD; nothing was recorded. Correct "
                  "the PGN in one of the two records, or use one pupil key for one person");
}

// How a refused date is named in a message: the text itself (masked as quoted_value) unless it
// is too long to be one.
std::string shown(std::string_view text) {
  return text.size() <= kMaxDateTimeChars ? " " + quoted_value(text, "date") : "";
}
}  // namespace

std::string effective_datetime(std::string_view text) {
  std::string why;
  if (parse_calendar_date(text, &why)) return std::string(text) + "T00:00:00Z";
  if (text.size() > 10 && text[10] == 'T' && parse_xsd_datetime(text, &why)) {
    return std::string(text);
  }
  throw Error(ECKID_E_INVALID_ARGUMENT,
              "effective_date" + shown(text) + " is not a valid date: " + why +
                  "; give YYYY-MM-DD or an xsd:dateTime like 2026-08-01T00:00:00Z, or none for "
                  "now; nothing was stored or sent");
}

void check_calendar_date(std::string_view field, std::string_view text) {
  std::string why;
  if (parse_calendar_date(text, &why)) return;
  throw Error(ECKID_E_INVALID_ARGUMENT, std::string(field) + shown(text) +
                                            " is not a valid date: " + why +
                                            "; give YYYY-MM-DD, or NULL; nothing was stored or "
                                            "sent");
}

const SchoolConfig &Engine::active_school(std::string_view key) const {
  const SchoolConfig &s = config_.school(key);
  if (!s.enabled) {
    throw Error(ECKID_E_NOT_ENABLED, "school " + quoted_key(s.key) +
                                         " is not enabled for ECK iD; nothing was sent (set "
                                         "enabled = true in its [[school]] when it may start)");
  }
  if (!s.active_on(today_local())) {
    throw Error(ECKID_E_NOT_ENABLED, "school " + quoted_key(s.key) + " starts with ECK iD on " +
                                         date_string(*s.start_date) + "; nothing was sent");
  }
  return s;
}

const std::string *kept_eckid(const PupilRecord *record, const SchoolConfig &school,
                              std::string_view chain) {
  return record && record->sector == school.sector ? record->eckid(chain) : nullptr;
}

bool complete_for(const PupilRecord &record, const SchoolConfig &school) {
  return std::ranges::all_of(school.chains, [&](const std::string &chain) {
    return kept_eckid(&record, school, chain) != nullptr;
  });
}

std::mutex &Engine::pupil_lock(std::string_view pupil_key) {
  return locks_[std::hash<std::string_view>{}(pupil_key) % locks_.size()];
}

void Engine::require_event(std::int64_t event_id) {
  if (event_id != 0 && !store_.holds_event(event_id)) throw EventForgotten(event_id);
}

PupilRecord Engine::complete(const SchoolConfig &s, std::string_view pupil_key,
                             const std::string &hpgn, const PupilRecord *known,
                             std::optional<std::string> stampseudonym) {
  PupilRecord r{s.key, std::string(pupil_key), hpgn, s.sector, {}, 0, 0};
  for (const std::string &chain : s.chains) {
    if (const std::string *have = kept_eckid(known, s, chain)) {
      r.eckids.emplace_back(chain, *have);
      continue;
    }
    if (!stampseudonym) stampseudonym = client_.retrieve_stampseudonym(s.oin, hpgn);
    r.eckids.emplace_back(chain, client_.retrieve_eckid(s.oin, *stampseudonym, chain, s.sector));
  }
  return r;
}

void Engine::refuse_held(const SchoolConfig &s, std::string_view pupil_key,
                         const std::string &hpgn) {
  if (const auto holder = store_.holder(hpgn, s.sector, pupil_key)) {
    duplicate(s.key, pupil_key, *holder);
  }
}

void Engine::record(const PupilRecord &r, bool claims_hpgn, std::int64_t guard) {
  if (!claims_hpgn) {
    store_.save(r, guard);
    return;
  }
  // Checked again in the store's transaction: another pupil's event may have recorded the
  // HPgn since refuse_held().
  if (const auto holder = store_.save_unless_held(r, guard)) {
    duplicate(r.school_key, r.pupil_key, *holder);
  }
}

void Engine::record_onboarded(const SchoolConfig &s, const PupilRecord &gathered,
                              std::int64_t event_id) {
  std::lock_guard lock(pupil_lock(gathered.pupil_key));
  const auto known = store_.find(s.key, gathered.pupil_key);
  if (known && known->hpgn != gathered.hpgn) {
    conflict(s.key, gathered.pupil_key,
             "was recorded with another PGN while its onboarding was in a batch (a PGN change "
             "in between); nothing of the onboarding is recorded");
  }
  record(gathered, !known, event_id);
}

void Engine::log_result(std::string_view what, const PupilRecord &r) const {
  logger_.info(std::string(what) + ": pupil " + quoted_key(r.pupil_key) + " at school " +
               quoted_key(r.school_key) + ", " + std::to_string(r.eckids.size()) + " ECK iD(s)");
  if (!logger_.sensitive_allowed()) return;
  for (const auto &[chain, id] : r.eckids) {
    logger_.debug("pupil " + quoted_key(r.pupil_key) + " at school " + quoted_key(r.school_key) +
                  ": HPgn " + r.hpgn + ", ECK iD " + id + " (chain " + chain + ")");
  }
}

PupilRecord Engine::created(const CreatedEvent &e) {
  const SchoolConfig &s = active_school(e.school_key);
  const std::string hpgn = known_or_hashed(hasher_, e.hpgn, e.pgn, e.kind);
  std::lock_guard lock(pupil_lock(e.pupil_key));
  require_event(e.event_id);
  const auto known = store_.find(s.key, e.pupil_key);
  if (known && known->hpgn != hpgn) {
    conflict(s.key, e.pupil_key,
             "already has an ECK iD for another PGN; report the change with eckid_pgn_changed()");
  }
  if (!known) refuse_held(s, e.pupil_key, hpgn);
  PupilRecord r = complete(s, e.pupil_key, hpgn, known ? &*known : nullptr);
  record(r, !known, e.event_id);
  log_result("pupil created", r);
  return r;
}

PupilRecord Engine::transferred(const TransferredEvent &e) {
  const SchoolConfig &from = config_.school(e.from_school_key);
  const SchoolConfig &to = active_school(e.to_school_key);
  const std::string hpgn = known_or_hashed(hasher_, e.hpgn, e.pgn, e.kind);
  std::lock_guard lock(pupil_lock(e.pupil_key));
  require_event(e.event_id);
  const auto previous = store_.find(from.key, e.pupil_key);
  if (previous && previous->hpgn != hpgn) {
    conflict(from.key, e.pupil_key,
             "is recorded with another PGN than the transfer's; report the change with "
             "eckid_pgn_changed() first");
  }
  const auto at_target = store_.find(to.key, e.pupil_key);
  if (at_target && at_target->hpgn != hpgn) {
    conflict(to.key, e.pupil_key, "is already recorded there with another PGN");
  }
  // Same sector: the pupil keeps the ECK iD (no new identity). Other sector: a new one; the
  // from-school's record stays as it is.
  if (!at_target) refuse_held(to, e.pupil_key, hpgn);
  const PupilRecord *known = at_target ? &*at_target : (previous ? &*previous : nullptr);
  PupilRecord r = complete(to, e.pupil_key, hpgn, known);
  record(r, !at_target, e.event_id);
  log_result(previous && previous->sector == to.sector ? "pupil transferred, ECK iD kept"
                                                       : "pupil transferred",
             r);
  return r;
}

PupilRecord Engine::pgn_changed(const PgnChangedEvent &e) {
  const SchoolConfig &s = active_school(e.school_key);
  const std::optional<std::string> date =
      e.effective_date ? std::optional(effective_datetime(*e.effective_date)) : std::nullopt;
  const std::string old_hpgn = known_or_hashed(hasher_, e.old_hpgn, e.old_pgn, e.kind);
  const std::string new_hpgn = known_or_hashed(hasher_, e.new_hpgn, e.new_pgn, e.kind);
  if (old_hpgn == new_hpgn) {
    throw Error(ECKID_E_INVALID_ARGUMENT, "the old and the new PGN are the same");
  }
  std::lock_guard lock(pupil_lock(e.pupil_key));
  require_event(e.event_id);
  const auto known = store_.find(s.key, e.pupil_key);
  if (known && known->hpgn == new_hpgn) return *known;  // already applied
  if (known && known->hpgn != old_hpgn) {
    conflict(s.key, e.pupil_key, "is recorded with another PGN than the change's old PGN");
  }
  // Before replaceStampseudonym: pointing another pupil's HPgn at this one's identity would
  // merge the two.
  refuse_held(s, e.pupil_key, new_hpgn);
  std::string stampseudonym = client_.replace_stampseudonym(s.oin, old_hpgn, new_hpgn, date);
  PupilRecord r = complete(s, e.pupil_key, new_hpgn, nullptr, std::move(stampseudonym));
  if (known && known->eckids != r.eckids) {
    logger_.warn("pupil " + quoted_key(r.pupil_key) + " at school " + quoted_key(s.key) +
                 ": the ECK iD differs after the PGN change (effective date in the future?); "
                 "the new one is recorded");
  }
  record(r, true, e.event_id);
  log_result("PGN changed", r);
  return r;
}

PupilRecord Engine::lookup(std::string_view school_key, std::string_view pupil_key) {
  const SchoolConfig &s = config_.school(school_key);
  auto r = store_.find(s.key, pupil_key);
  if (!r) {
    throw Error(ECKID_E_NOT_FOUND, "no ECK iD recorded for pupil " + quoted_key(pupil_key) +
                                       " at school " + quoted_key(s.key));
  }
  return std::move(*r);
}

Forgotten Engine::forget(std::string_view school_key, std::string_view pupil_key) {
  const SchoolConfig &s = config_.school(school_key);
  const Forgotten gone = store_.forget(s.key, pupil_key);
  logger_.info("pupil " + quoted_key(pupil_key) + " forgotten at school " + quoted_key(s.key) +
               ": " + std::to_string(gone.records) + " record(s), " + std::to_string(gone.events) +
               " outbox event(s) removed");
  return gone;
}

}  // namespace eckid
