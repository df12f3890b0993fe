#include "options.hpp"

#include <charconv>
#include <functional>
#include <stdexcept>
#include <string_view>

#include <toml++/toml.h>

#include "xsd_time.hpp"

namespace eckid::emulator {
namespace {

constexpr std::string_view kDefaultSecret = "eckid-emulator-default-secret";
constexpr std::string_view kDefaultLastEdited = "2017-03-01T00:00:00Z";
constexpr std::string_view kPurl = "http://purl.edustandaard.nl/begrippenkader/";

std::vector<Entry> default_chains() {
  return {{std::string(kPurl) + "e7ec7d3c-c235-4513-bfb6-e54e66854795", "Testketen",
           "Chain of the public test environment", std::string(kDefaultLastEdited)}};
}

std::vector<Entry> default_sectors() {
  return {{std::string(kPurl) + "512e4729-03a4-43a2-95ba-758071d1b725", "Testsector",
           "Sector of the public test environment", std::string(kDefaultLastEdited)},
          {std::string(kPurl) + "9f3c6a2e-4b1d-4e8a-9c7f-2d5e8b1a6c04", "Tweede testsector",
           "Made-up second sector (emulator only)", std::string(kDefaultLastEdited)}};
}

template <typename Number>
Number parse_number(std::string_view name, std::string_view text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw std::runtime_error("invalid number for " + std::string(name) + ": " + std::string(text));
  }
  return value;
}

double checked_share(std::string_view name, double share) {
  if (!(share >= 0.0 && share <= 1.0)) {
    throw std::runtime_error(std::string(name) + " must lie between 0 and 1");
  }
  return share;
}

toml::table parse_toml(const std::string &file) {
  try {
    return toml::parse_file(file);
  } catch (const toml::parse_error &error) {
    throw std::runtime_error(file + ": " + std::string(error.description()));
  }
}

std::string required_string(const toml::table &table, std::string_view key,
                            std::string_view where) {
  const auto value = table[key].value<std::string>();
  if (!value) {
    throw std::runtime_error(std::string(where) + ": missing string '" + std::string(key) + "'");
  }
  return *value;
}

// Reads [[chains]] or [[sectors]]; keeps the defaults when the array is absent. The WSDL's
// RetrieveChainsResponse / RetrieveSectorsResponse hold at least one entry (minOccurs="1") and
// lastEdited is an xsd:dateTime, so an empty list or another lastEdited is refused.
void read_entries(const toml::table &config, std::string_view key, std::vector<Entry> &entries) {
  const auto *array = config[key].as_array();
  if (array == nullptr) {
    return;
  }
  if (array->empty()) {
    throw std::runtime_error("config: " + std::string(key) +
                             " must hold at least one entry (the WSDL's minOccurs=\"1\"); leave "
                             "it out for the default list");
  }
  entries.clear();
  for (const auto &node : *array) {
    const auto *table = node.as_table();
    if (table == nullptr) {
      throw std::runtime_error("config: " + std::string(key) + " must be an array of tables");
    }
    entries.push_back({required_string(*table, "id", key), required_string(*table, "name", key),
                       (*table)["description"].value_or(std::string()),
                       (*table)["last_edited"].value_or(std::string(kDefaultLastEdited))});
    if (!parse_xsd_datetime(entries.back().last_edited)) {
      throw std::runtime_error("config: " + std::string(key) + ".last_edited '" +
                               entries.back().last_edited +
                               "' is not an xsd:dateTime such as 2020-01-01T00:00:00Z");
    }
  }
}

void read_faults(const toml::table &faults, FaultOptions &out) {
  const auto share = [&](std::string_view key, double &target) {
    if (const auto value = faults[key].value<double>()) {
      target = checked_share(key, *value);
    }
  };
  const auto count = [&](std::string_view key) -> std::optional<unsigned> {
    const auto value = faults[key].value<std::int64_t>();
    if (value && *value < 0) {
      throw std::runtime_error("config: faults." + std::string(key) + " must not be negative");
    }
    return value ? std::optional<unsigned>(static_cast<unsigned>(*value)) : std::nullopt;
  };
  out.latency_ms = count("latency_ms").value_or(out.latency_ms);
  out.latency_random_ms = count("latency_random_ms").value_or(out.latency_random_ms);
  out.not_finished_polls = count("not_finished_polls").value_or(out.not_finished_polls);
  if (const auto limit = count("daily_limit")) {
    out.daily_limit = limit;
  }
  share("http500_share", out.http500_share);
  share("http503_share", out.http503_share);
  share("drop_share", out.drop_share);
  share("blocked_share", out.blocked_share);
}

std::set<std::string> parse_oin_list(std::string_view text) {
  std::set<std::string> oins;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    if (!item.empty()) {
      oins.emplace(item);
    }
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return oins;
}

AnswerMode parse_answer_mode(std::string_view text) {
  static const std::map<std::string_view, AnswerMode> modes = {
      {"normal", AnswerMode::normal},       {"doctype", AnswerMode::doctype},
      {"bad-utf8", AnswerMode::bad_utf8},   {"huge", AnswerMode::huge},
      {"bad-eckid", AnswerMode::bad_eckid}, {"malformed", AnswerMode::malformed}};
  const auto mode = modes.find(text);
  if (mode == modes.end()) {
    throw std::runtime_error("unknown answer mode: " + std::string(text) +
                             " (normal, doctype, bad-utf8, huge, bad-eckid, malformed)");
  }
  return mode->second;
}

void load_config(const std::string &file, Options &options) {
  const auto config = parse_toml(file);
  if (const auto secret = config["secret"].value<std::string>()) {
    options.secret = *secret;
  }
  if (const auto *oins = config["allowed_oins"].as_array()) {
    options.allowed_oins.emplace();
    for (const auto &oin : *oins) {
      const auto text = oin.value<std::string>();
      if (!text) {
        throw std::runtime_error("config: allowed_oins must be an array of strings");
      }
      options.allowed_oins->insert(*text);
    }
  }
  options.unavailable = config["unavailable"].value_or(options.unavailable);
  if (const auto mode = config["answer_mode"].value<std::string>()) {
    options.answer_mode = parse_answer_mode(*mode);
  }
  read_entries(config, "chains", options.chains);
  read_entries(config, "sectors", options.sectors);
  if (const auto *faults = config["faults"].as_table()) {
    read_faults(*faults, options.faults);
    if (const auto seed = (*faults)["seed"].value<std::int64_t>()) {
      options.seed = static_cast<std::uint64_t>(*seed);
    }
  }
}

void load_fixtures(const std::string &file, Fixtures &fixtures) {
  const auto table = parse_toml(file);
  if (const auto *array = table["stampseudonym"].as_array()) {
    for (const auto &node : *array) {
      const auto *item = node.as_table();
      if (item == nullptr) {
        throw std::runtime_error(file + ": stampseudonym must be an array of tables");
      }
      fixtures.stampseudonyms[required_string(*item, "hpgn", file)] =
          required_string(*item, "stampseudonym", file);
    }
  }
  if (const auto *array = table["eckid"].as_array()) {
    for (const auto &node : *array) {
      const auto *item = node.as_table();
      if (item == nullptr) {
        throw std::runtime_error(file + ": eckid must be an array of tables");
      }
      fixtures.eckids[{
          required_string(*item, "stampseudonym", file), required_string(*item, "chain_id", file),
          required_string(*item, "sector_id", file)}] = required_string(*item, "eckid", file);
    }
  }
  if (const auto *array = table["refused"].as_array()) {
    for (const auto &node : *array) {
      const auto *item = node.as_table();
      if (item == nullptr) throw std::runtime_error(file + ": refused must be an array of tables");
      fixtures.refused[required_string(*item, "value", file)] =
          required_string(*item, "message", file);
    }
  }
}

using Setter = std::function<void(Options &, const std::string &)>;

Setter share_setter(std::string_view name, double FaultOptions::*member) {
  return [name, member](Options &o, const std::string &v) {
    o.faults.*member = checked_share(name, parse_number<double>(name, v));
  };
}

const std::map<std::string, Setter, std::less<>> &setters() {
  static const std::map<std::string, Setter, std::less<>> table = {
      {"--port",
       [](Options &o, const std::string &v) { o.port = parse_number<std::uint16_t>("--port", v); }},
      {"--ca", [](Options &o, const std::string &v) { o.ca_file = v; }},
      {"--cert", [](Options &o, const std::string &v) { o.cert_file = v; }},
      {"--key", [](Options &o, const std::string &v) { o.key_file = v; }},
      {"--secret", [](Options &o, const std::string &v) { o.secret = v; }},
      {"--fixtures", [](Options &o, const std::string &v) { load_fixtures(v, o.fixtures); }},
      {"--log", [](Options &o, const std::string &v) { o.log_file = v; }},
      {"--hpgn-log", [](Options &o, const std::string &v) { o.hpgn_log_file = v; }},
      {"--seed",
       [](Options &o, const std::string &v) { o.seed = parse_number<std::uint64_t>("--seed", v); }},
      {"--threads",
       [](Options &o, const std::string &v) {
         o.threads = parse_number<unsigned>("--threads", v);
         if (o.threads == 0) {
           throw std::runtime_error("--threads must be at least 1");
         }
       }},
      {"--latency-ms",
       [](Options &o, const std::string &v) {
         o.faults.latency_ms = parse_number<unsigned>("--latency-ms", v);
       }},
      {"--latency-random-ms",
       [](Options &o, const std::string &v) {
         o.faults.latency_random_ms = parse_number<unsigned>("--latency-random-ms", v);
       }},
      {"--http500-share", share_setter("--http500-share", &FaultOptions::http500_share)},
      {"--http503-share", share_setter("--http503-share", &FaultOptions::http503_share)},
      {"--drop-share", share_setter("--drop-share", &FaultOptions::drop_share)},
      {"--blocked-share", share_setter("--blocked-share", &FaultOptions::blocked_share)},
      {"--not-finished-polls",
       [](Options &o, const std::string &v) {
         o.faults.not_finished_polls = parse_number<unsigned>("--not-finished-polls", v);
       }},
      {"--allowed-oins",
       [](Options &o, const std::string &v) { o.allowed_oins = parse_oin_list(v); }},
      {"--clock-offset-s",
       [](Options &o, const std::string &v) {
         o.clock_offset_s = parse_number<long>("--clock-offset-s", v);
       }},
      {"--answer-mode",
       [](Options &o, const std::string &v) { o.answer_mode = parse_answer_mode(v); }},
      {"--daily-limit",
       [](Options &o, const std::string &v) {
         o.faults.daily_limit = parse_number<unsigned>("--daily-limit", v);
       }},
  };
  return table;
}

}  // namespace

Command parse_command_line(int argc, const char *const *argv, Options &options) {
  options.secret = std::string(kDefaultSecret);
  options.chains = default_chains();
  options.sectors = default_sectors();
  std::vector<std::pair<const Setter *, std::string>> assignments;
  bool unavailable = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      return Command::help;
    }
    if (flag == "--unavailable") {  // the one flag without a value
      unavailable = true;
      continue;
    }
    const bool config = flag == "--config";
    const auto setter = setters().find(flag);
    if (!config && setter == setters().end()) {
      throw std::runtime_error("unknown option: " + std::string(flag) + " (see --help)");
    }
    if (i + 1 >= argc) {
      throw std::runtime_error("option " + std::string(flag) + " needs a value");
    }
    const std::string value = argv[++i];
    if (config) {
      load_config(value, options);  // the file first, so that flags override it
    } else {
      assignments.emplace_back(&setter->second, value);
    }
  }
  for (const auto &[setter, value] : assignments) {
    (*setter)(options, value);
  }
  options.unavailable = options.unavailable || unavailable;
  if (options.ca_file.empty() || options.cert_file.empty() || options.key_file.empty()) {
    throw std::runtime_error("--ca, --cert and --key are required (see --help)");
  }
  return Command::run;
}

std::string usage() {
  return R"(usage: nv-emulator --ca FILE --cert FILE --key FILE [options]

Stand-in for the Nummervoorziening (ECK iD service): SOAP 1.1 over mutual TLS on
https://127.0.0.1:PORT/eck/ws/201703. Prints one line with the URL when it listens.

  --port N                 port on 127.0.0.1; 0 (default) picks a free one
  --ca FILE                CA certificate(s) that client certificates must chain to
  --cert FILE              server certificate chain (PEM)
  --key FILE               server private key (PEM)
  --secret TEXT            secret of the HMAC derivation (default: a built-in constant)
  --config FILE            TOML: secret, allowed_oins, unavailable, answer_mode,
                           [[chains]], [[sectors]], [faults] (flags win)
  --fixtures FILE          TOML: [[stampseudonym]] and [[eckid]] answers to replay
  --log FILE               request log, one line per request
  --hpgn-log FILE          log of the HPgns in requests, one line per HPgn (tests only)
  --seed N                 seed of the fault injection and batch identifiers (default 1)
  --threads N              I/O threads (default 2)
fault injection (all off by default):
  --latency-ms N           fixed delay per answer
  --latency-random-ms N    plus a uniform random delay of 0..N ms
  --http500-share X        share 0..1 of requests answered with HTTP 500
  --http503-share X        share 0..1 of requests answered with HTTP 503
  --drop-share X           share 0..1 of requests whose connection is closed unanswered
  --blocked-share X        share 0..1 of batch requests faulted TemporaryBlockedException
  --not-finished-polls K   the first K retrieveBatch polls of each batch fault
                           NotFinishedException
  --daily-limit M          after M batch submissions per OIN and UTC day: a fault whose
                           faultstring names the daily limit (no faultactor)
                           (0: always)
  --allowed-oins A,B       only these OINs in wsa:From; others get a fault (default: all)
  --unavailable            ping answers available = false
  --clock-offset-s N       ping's systemTime is N seconds off (may be negative)
  --answer-mode MODE       spoil successful answers: normal (default), doctype, bad-utf8,
                           huge, bad-eckid, malformed
  --help                   this text
)";
}

}  // namespace eckid::emulator
