#include "engine/engine.hpp"

#include <cstdio>
#include <functional>
#include <regex>

#include "util/error.hpp"

namespace eckid {

namespace {

std::string date_string(const Date &d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

[[noreturn]] void conflict(std::string_view school, std::string_view pupil,
                           const std::string &what) {
  throw Error(ECKID_E_PUPIL_CONFLICT, "pupil '" + std::string(pupil) + "' at school '" +
                                          std::string(school) + "': " + what);
}

}  // namespace

std::string effective_datetime(std::string_view text) {
  static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
  static const std::regex datetime(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)");
  const std::string s(text);
  if (std::regex_match(s, date)) return s + "T00:00:00Z";
  if (std::regex_match(s, datetime)) return s;
  throw Error(ECKID_E_INVALID_ARGUMENT, "effective_date '" + s +
                                            "' is neither YYYY-MM-DD nor an xsd:dateTime like "
                                            "2026-08-01T00:00:00Z");
}

const SchoolConfig &Engine::active_school(std::string_view key) const {
  const SchoolConfig &s = config_.school(key);
  if (!s.enabled) {
    throw Error(ECKID_E_NOT_ENABLED, "school '" + s.key +
                                         "' is not enabled for ECK iD; nothing was sent (set "
                                         "enabled = true in its [[school]] when it may start)");
  }
  if (!s.active_on(today_local())) {
    throw Error(ECKID_E_NOT_ENABLED, "school '" + s.key + "' starts with ECK iD on " +
                                         date_string(*s.start_date) + "; nothing was sent");
  }
  return s;
}

std::mutex &Engine::pupil_lock(std::string_view pupil_key) {
  return locks_[std::hash<std::string_view>{}(pupil_key) % locks_.size()];
}

PupilRecord Engine::complete(const SchoolConfig &s, std::string_view pupil_key,
                             const std::string &hpgn, const PupilRecord *known,
                             std::optional<std::string> stampseudonym) {
  PupilRecord r{s.key, std::string(pupil_key), hpgn, s.sector, {}, 0, 0};
  for (const std::string &chain : s.chains) {
    const std::string *have = (known && known->sector == s.sector) ? known->eckid(chain) : nullptr;
    if (have != nullptr) {
      r.eckids.emplace_back(chain, *have);
      continue;
    }
    if (!stampseudonym) stampseudonym = client_.retrieve_stampseudonym(s.oin, hpgn);
    r.eckids.emplace_back(chain, client_.retrieve_eckid(s.oin, *stampseudonym, chain, s.sector));
  }
  return r;
}

void Engine::log_result(std::string_view what, const PupilRecord &r) const {
  logger_.info(std::string(what) + ": pupil '" + r.pupil_key + "' at school '" + r.school_key +
               "', " + std::to_string(r.eckids.size()) + " ECK iD(s)");
  if (!logger_.sensitive_allowed()) return;
  for (const auto &[chain, id] : r.eckids) {
    logger_.debug("pupil '" + r.pupil_key + "' at school '" + r.school_key + "': HPgn " + r.hpgn +
                  ", ECK iD " + id + " (chain " + chain + ")");
  }
}

PupilRecord Engine::created(const CreatedEvent &e) {
  const SchoolConfig &s = active_school(e.school_key);
  const std::string hpgn = hasher_.hpgn(e.pgn, e.kind);
  std::lock_guard lock(pupil_lock(e.pupil_key));
  const auto known = store_.find(s.key, e.pupil_key);
  if (known && known->hpgn != hpgn) {
    conflict(s.key, e.pupil_key,
             "already has an ECK iD for another PGN; report the change with eckid_pgn_changed()");
  }
  PupilRecord r = complete(s, e.pupil_key, hpgn, known ? &*known : nullptr);
  store_.save(r);
  log_result("pupil created", r);
  return r;
}

PupilRecord Engine::transferred(const TransferredEvent &e) {
  const SchoolConfig &from = config_.school(e.from_school_key);
  const SchoolConfig &to = active_school(e.to_school_key);
  const std::string hpgn = hasher_.hpgn(e.pgn, e.kind);
  std::lock_guard lock(pupil_lock(e.pupil_key));
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
  const PupilRecord *known = at_target ? &*at_target : (previous ? &*previous : nullptr);
  PupilRecord r = complete(to, e.pupil_key, hpgn, known);
  store_.save(r);
  log_result(previous && previous->sector == to.sector ? "pupil transferred, ECK iD kept"
                                                       : "pupil transferred",
             r);
  return r;
}

PupilRecord Engine::pgn_changed(const PgnChangedEvent &e) {
  const SchoolConfig &s = active_school(e.school_key);
  const std::optional<std::string> date =
      e.effective_date ? std::optional(effective_datetime(*e.effective_date)) : std::nullopt;
  const std::string old_hpgn = hasher_.hpgn(e.old_pgn, e.kind);
  const std::string new_hpgn = hasher_.hpgn(e.new_pgn, e.kind);
  if (old_hpgn == new_hpgn) {
    throw Error(ECKID_E_INVALID_ARGUMENT, "the old and the new PGN are the same");
  }
  std::lock_guard lock(pupil_lock(e.pupil_key));
  const auto known = store_.find(s.key, e.pupil_key);
  if (known && known->hpgn == new_hpgn) return *known;  // already applied
  if (known && known->hpgn != old_hpgn) {
    conflict(s.key, e.pupil_key, "is recorded with another PGN than the change's old PGN");
  }
  std::string stampseudonym = client_.replace_stampseudonym(s.oin, old_hpgn, new_hpgn, date);
  PupilRecord r = complete(s, e.pupil_key, new_hpgn, nullptr, std::move(stampseudonym));
  if (known && known->eckids != r.eckids) {
    logger_.warn("pupil '" + r.pupil_key + "' at school '" + s.key +
                 "': the ECK iD differs after the PGN change (effective date in the future?); "
                 "the new one is recorded");
  }
  store_.save(r);
  log_result("PGN changed", r);
  return r;
}

PupilRecord Engine::lookup(std::string_view school_key, std::string_view pupil_key) {
  const SchoolConfig &s = config_.school(school_key);
  auto r = store_.find(s.key, pupil_key);
  if (!r) {
    throw Error(ECKID_E_NOT_FOUND, "no ECK iD recorded for pupil '" + std::string(pupil_key) +
                                       "' at school '" + s.key + "'");
  }
  return std::move(*r);
}

}  // namespace eckid
