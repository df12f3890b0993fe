// Command line and TOML configuration of the Nummervoorziening emulator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace eckid::emulator {

// A chain or a sector as listed by retrieveChains / retrieveSectors.
struct Entry {
  std::string id;
  std::string name;
  std::string description;
  std::string last_edited;  // xsd:dateTime
};

// Fault injection; everything off by default.
struct FaultOptions {
  unsigned latency_ms = 0;              // fixed delay added to every answer
  unsigned latency_random_ms = 0;       // plus a uniform random delay in [0, this]
  double http500_share = 0.0;           // share of requests answered with a bare HTTP 500
  double http503_share = 0.0;           // share of requests answered with HTTP 503
  double drop_share = 0.0;              // share of requests whose connection is closed unanswered
  double blocked_share = 0.0;           // share of batch requests faulted TemporaryBlockedException
  unsigned not_finished_polls = 0;      // polls per batch faulted NotFinishedException
  std::optional<unsigned> daily_limit;  // batch submissions allowed per OIN per UTC day
};

// Replayed answers, consulted before derivation.
struct Fixtures {
  std::map<std::string, std::string> stampseudonyms;  // HPgn -> stampseudonym
  // (stampseudonym, chain id, sector id) -> ECK iD
  std::map<std::tuple<std::string, std::string, std::string>, std::string> eckids;
  // batch item value (hPgn or stampseudonym) -> errorMessage of its `failed` entry
  std::map<std::string, std::string> refused;
};

// How successful answers are spoiled on purpose, so clients' refusals can be tested.
enum class AnswerMode {
  normal,
  doctype,    // a DOCTYPE with an internal entity after the XML declaration
  bad_utf8,   // a comment holding bytes that are not UTF-8
  huge,       // padded with a comment to more than kHugeAnswerBytes
  bad_eckid,  // every https://ketenid.nl/... value loses its last character
  malformed,  // cut off in the middle (not well-formed XML)
};

inline constexpr std::size_t kHugeAnswerBytes = 1024u * 1024u;

struct Options {
  std::uint16_t port = 0;  // 0: pick a free port
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string secret;
  std::optional<std::string> log_file;
  std::optional<std::string> hpgn_log_file;  // --hpgn-log: the HPgns clients sent (tests only)
  std::uint64_t seed = 1;
  unsigned threads = 2;
  std::size_t body_limit = 8u * 1024u * 1024u;
  std::vector<Entry> chains;
  std::vector<Entry> sectors;
  FaultOptions faults;
  Fixtures fixtures;
  std::optional<std::set<std::string>> allowed_oins;  // unset: every OIN is accepted
  bool unavailable = false;                           // ping answers available = false
  long clock_offset_s = 0;                            // added to ping's systemTime
  AnswerMode answer_mode = AnswerMode::normal;
};

// What the command line asks for.
enum class Command { run, help };

// Parses argv into options (reading --config and --fixtures files); throws
// std::runtime_error with a message fit for the user on bad input.
Command parse_command_line(int argc, const char *const *argv, Options &options);

// The --help text.
std::string usage();

}  // namespace eckid::emulator
