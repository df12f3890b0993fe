#include "service.hpp"

#include <algorithm>
#include <chrono>

#include "derivation.hpp"
#include "fault.hpp"

namespace eckid::emulator {
namespace {

bool contains(const std::vector<Entry> &entries, const std::string &id) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const Entry &entry) { return entry.id == id; });
}

}  // namespace

Service::Service(const Options &options, Random &random)
    : chains_(options.chains),
      sectors_(options.sectors),
      secret_(options.secret),
      fixtures_(options.fixtures),
      faults_(options.faults),
      available_(!options.unavailable),
      clock_offset_(options.clock_offset_s),
      random_(random) {
  for (const auto &[hpgn, stampseudonym] : fixtures_.stampseudonyms) {
    fixture_stampseudonyms_.insert(stampseudonym);
  }
  for (const auto &[key, eckid] : fixtures_.eckids) {
    fixture_stampseudonyms_.insert(std::get<0>(key));
  }
}

std::string Service::resolve_locked(const std::string &hpgn, Clock::time_point now) const {
  std::string current = hpgn;
  std::set<std::string> seen{current};
  for (auto link = replacements_.find(current);
       link != replacements_.end() && link->second.effective <= now;
       link = replacements_.find(current)) {
    current = link->second.hpgn_old;
    if (!seen.insert(current).second) {
      break;
    }
  }
  const auto fixture = fixtures_.stampseudonyms.find(current);
  return fixture != fixtures_.stampseudonyms.end() ? fixture->second
                                                   : derive_stampseudonym(secret_, current);
}

std::string Service::stampseudonym(const std::string &hpgn) const {
  const std::lock_guard lock(mutex_);
  return resolve_locked(hpgn, Clock::now());
}

void Service::check_chain_and_sector(const std::string &chain, const std::string &sector) const {
  if (!contains(chains_, chain)) {
    throw client_fault("UnknownChain", "unknown chain: " + chain);
  }
  if (!contains(sectors_, sector)) {
    throw client_fault("UnknownSector", "unknown sector: " + sector);
  }
}

const std::string *Service::refusal(const std::string &value) const {
  const auto it = fixtures_.refused.find(value);
  return it == fixtures_.refused.end() ? nullptr : &it->second;
}

bool Service::accepts_stampseudonym(const std::string &text) const {
  return is_stampseudonym(text) || fixture_stampseudonyms_.contains(text);
}

std::string Service::eckid(const std::string &stampseudonym, const std::string &chain,
                           const std::string &sector) const {
  if (!accepts_stampseudonym(stampseudonym)) {
    throw client_fault("InvalidStampseudonym", "invalid stampseudonym: expected " +
                                                   std::string(kStampseudonymPrefix) +
                                                   "<128 lowercase hexadecimal characters>");
  }
  check_chain_and_sector(chain, sector);
  const auto fixture = fixtures_.eckids.find({stampseudonym, chain, sector});
  return fixture != fixtures_.eckids.end() ? fixture->second
                                           : derive_eckid(secret_, stampseudonym, chain, sector);
}

std::string Service::replace(const std::string &hpgn_old, const std::string &hpgn_new,
                             std::optional<Clock::time_point> effective) {
  if (hpgn_old == hpgn_new) {
    throw client_fault("SameHpgn", "hpgnOld and hpgnNew must differ");
  }
  const std::lock_guard lock(mutex_);
  // Walking from the old HPgn over every link, future ones too, must not reach the new one.
  std::set<std::string> seen{hpgn_old};
  for (auto link = replacements_.find(hpgn_old); link != replacements_.end();
       link = replacements_.find(link->second.hpgn_old)) {
    if (link->second.hpgn_old == hpgn_new) {
      throw client_fault("ReplacementCycle", "this replacement would create a cycle");
    }
    if (!seen.insert(link->second.hpgn_old).second) {
      break;
    }
  }
  const auto now = Clock::now();
  const auto existing = replacements_.find(hpgn_new);
  if (existing != replacements_.end() && existing->second.hpgn_old != hpgn_old) {
    throw client_fault("AlreadyReplaced", "hpgnNew already replaces another HPgn");
  }
  replacements_[hpgn_new] = {hpgn_old, effective.value_or(now)};
  return resolve_locked(hpgn_old, now);
}

void Service::throw_if_blocked() {
  if (random_.chance(faults_.blocked_share)) {
    throw state_fault(kServer, kTemporaryBlocked,
                      "temporarily blocked: too many requests, try again later");
  }
}

std::string Service::submit_batch(const std::string &oin, BatchResult result) {
  throw_if_blocked();
  const std::lock_guard lock(mutex_);
  if (faults_.daily_limit) {
    const auto today = std::chrono::floor<std::chrono::days>(Clock::now());
    auto &count = submissions_[{oin, static_cast<long>(today.time_since_epoch().count())}];
    if (count >= *faults_.daily_limit) {
      throw client_fault(kDailyLimitReason,
                         "daily limit of batch submissions reached for this organisation");
    }
    ++count;
  }
  std::string id = random_.uuid();
  batches_[id] = {oin, std::move(result), faults_.not_finished_polls, false};
  return id;
}

BatchResult Service::retrieve_batch(const std::string &oin, const std::string &id) {
  throw_if_blocked();
  const std::lock_guard lock(mutex_);
  const auto batch = batches_.find(id);
  if (batch == batches_.end() || batch->second.oin != oin) {
    throw state_fault(kClient, kContentRemoved,
                      "content removed: no batch with this identifier for this organisation");
  }
  if (batch->second.polls_left > 0) {
    --batch->second.polls_left;
    throw state_fault(kServer, kNotFinished, "batch not finished yet, poll again later");
  }
  if (batch->second.retrieved) {
    throw state_fault(kClient, kContentAlreadyRetrieved,
                      "content already retrieved: a batch result can be fetched once");
  }
  batch->second.retrieved = true;
  return std::move(batch->second.result);
}

}  // namespace eckid::emulator
