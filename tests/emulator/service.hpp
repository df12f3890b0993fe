// The emulated service's behaviour and in-memory state, independent of SOAP.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "options.hpp"
#include "random.hpp"
#include "xsd_time.hpp"

namespace eckid::emulator {

// The outcome of a batch: successes and failures under the submitted indices.
struct BatchResult {
  std::vector<std::pair<int, std::string>> success;  // index, value
  std::vector<std::pair<int, std::string>> failed;   // index, error message
};

class Service {
 public:
  Service(const Options &options, Random &random);

  const std::vector<Entry> &chains() const { return chains_; }
  const std::vector<Entry> &sectors() const { return sectors_; }
  // What ping reports (false with --unavailable).
  bool available() const { return available_; }
  // The time ping reports: now plus --clock-offset-s.
  Clock::time_point system_time() const { return Clock::now() + clock_offset_; }

  // The stampseudonym of a valid HPgn at this moment, following replacements.
  std::string stampseudonym(const std::string &hpgn) const;

  // The ECK iD; throws Fault for an invalid stampseudonym or an unknown chain or sector.
  std::string eckid(const std::string &stampseudonym, const std::string &chain,
                    const std::string &sector) const;

  // Throws Fault unless chain and sector are known.
  void check_chain_and_sector(const std::string &chain, const std::string &sector) const;

  // True when the text is a stampseudonym this service could have handed out.
  /// The errorMessage a batch item with this value fails with ([[refused]] fixtures), or null.
  const std::string *refusal(const std::string &value) const;
  bool accepts_stampseudonym(const std::string &text) const;

  // From `effective` on (or now), `hpgn_new` resolves like `hpgn_old`; returns the
  // stampseudonym `hpgn_old` resolves to now. Throws Fault on a cycle or a conflict.
  std::string replace(const std::string &hpgn_old, const std::string &hpgn_new,
                      std::optional<Clock::time_point> effective);

  // Stores a batch for `oin` and returns its identifier; throws the TemporaryBlockedException
  // or daily limit faults when injected.
  std::string submit_batch(const std::string &oin, BatchResult result);

  // The result of a batch, once; throws the NotFinishedException, TemporaryBlockedException,
  // ContentAlreadyRetrievedException and ContentRemovedException faults.
  BatchResult retrieve_batch(const std::string &oin, const std::string &id);

 private:
  struct Replacement {
    std::string hpgn_old;
    Clock::time_point effective;
  };
  struct Batch {
    std::string oin;
    BatchResult result;
    unsigned polls_left = 0;
    bool retrieved = false;
  };

  std::string resolve_locked(const std::string &hpgn, Clock::time_point now) const;
  void throw_if_blocked();

  std::vector<Entry> chains_;
  std::vector<Entry> sectors_;
  std::string secret_;
  Fixtures fixtures_;
  std::set<std::string> fixture_stampseudonyms_;
  FaultOptions faults_;
  bool available_;
  std::chrono::seconds clock_offset_;
  Random &random_;

  mutable std::mutex mutex_;
  std::map<std::string, Replacement> replacements_;  // new HPgn -> old HPgn
  std::map<std::string, Batch> batches_;
  std::map<std::pair<std::string, long>, unsigned> submissions_;  // (OIN, UTC day) -> count
};

}  // namespace eckid::emulator
