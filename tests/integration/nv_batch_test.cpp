// The batch protocol (plugin/nv/batch.hpp) against nv-emulator over mutual TLS, with the
// emulator's batch faults switched on. Expected values come from vectors.toml (HPgn) and the
// emulator's documented HMAC-SHA-512 derivation (tests/emulator/README.md), never from the
// client's own answers. Waits go through an injected sleep, so nothing here really waits.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "emulator_process.hpp"
#include "integration_support.hpp"
#include "nv/batch.hpp"
#include "nv/client.hpp"
#include "nv/credentials.hpp"
#include "nv/fault.hpp"
#include "util/error.hpp"

using eckid::emulator_test::Emulator;
using eckid::nv::BatchIndex;
using eckid::nv::BatchOutcome;
using eckid::nv::HpgnItem;
using eckid::nv::StampseudonymItem;
using eckid_it::kOin;
using std::chrono::milliseconds;

namespace {

constexpr const char *kBatchSecret = "batch-test-secret";

// hex(HMAC-SHA-512(kBatchSecret, message)), the emulator's derivation.
std::string derive(const std::string &message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha512(), kBatchSecret, static_cast<int>(std::char_traits<char>::length(kBatchSecret)),
       reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac, &size);
  std::string out(size * 2, '0');
  for (unsigned int i = 0; i < size; ++i) std::snprintf(&out[i * 2], 3, "%02x", mac[i]);
  return out;
}

std::string stamp_of(const std::string &hpgn) {
  return "https://ketenid.nl/sppilot/" + derive("stampseudonym|" + hpgn);
}

std::string eckid_of(const std::string &stamp) {
  return "https://ketenid.nl/pilot/" + derive("eckid|" + stamp + "|" + eckid_test::test_chain() +
                                              "|" + eckid_test::test_sector());
}

// The HPgn vectors, at indices 10, 20, 30 (not 0..n-1, so that indices are really reused).
std::vector<HpgnItem> vector_items() {
  std::vector<HpgnItem> items;
  BatchIndex index = 10;
  eckid_test::vectors()["hpgn"].as_array()->for_each([&](const toml::table &entry) {
    items.push_back({index, *entry["hpgn"].value<std::string>()});
    index += 10;
  });
  return items;
}

// The emulator, started with the test secret and `faults`, and a client for it.
struct Service {
  explicit Service(std::vector<std::string> faults) : emulator(with_secret(std::move(faults))) {
    eckid::ServiceConfig config;
    config.endpoint = emulator.url();
    config.ca_bundle = eckid_it::pki("ca.pem");
    config.client.certificate = eckid_it::pki("client.p12");
    config.client.password_file = eckid_it::pki("client.p12.pass");
    config.request_timeout_ms = 5000;
    client = std::make_unique<eckid::nv::Client>(
        config, std::make_shared<const eckid::nv::Credentials>(config.client), eckid::Logger());
  }
  static std::vector<std::string> with_secret(std::vector<std::string> args) {
    args.insert(args.end(), {"--secret", kBatchSecret});
    return args;
  }
  // The request log as "<operation> <outcome>" per line.
  std::vector<std::string> requests() const {
    std::vector<std::string> out;
    for (const auto &line : emulator.log_lines()) {
      const auto op = line.find(' ') + 1;
      const auto oin = line.find(' ', op);
      CHECK(line.substr(oin + 1, line.find(' ', oin + 1) - oin - 1) == kOin);
      out.push_back(line.substr(op, oin - op) + " " + line.substr(line.rfind(' ') + 1));
    }
    return out;
  }

  Emulator emulator;
  std::unique_ptr<eckid::nv::Client> client;
};

// A policy whose sleep only records the delays asked for.
struct FastPolicy {
  FastPolicy() {
    policy.poll_delay = milliseconds(7);
    policy.max_polls = 10;
    policy.blocked_delay = milliseconds(5);
    policy.blocked_delay_max = milliseconds(15);
    policy.max_blocked = 4;
    policy.sleep = [this](milliseconds d) { slept.push_back(d.count()); };
  }
  eckid::nv::BatchPolicy policy;
  std::vector<long> slept;
};

std::map<BatchIndex, std::string> by_index(const eckid::nv::BatchResult &result) {
  std::map<BatchIndex, std::string> out;
  for (const auto &s : result.successes) out[s.index] = s.value;
  return out;
}

// Matches an eckid::Error with this status.
struct HasStatus : Catch::MatcherBase<eckid::Error> {
  explicit HasStatus(eckid_status s) : status(s) {}
  bool match(const eckid::Error &e) const override { return e.status() == status; }
  std::string describe() const override { return "has status " + std::to_string(status); }
  eckid_status status;
};

}  // namespace

TEST_CASE("batch: not finished for the first k polls gives the results after k+1 polls") {
  Service service({"--not-finished-polls", "3"});
  FastPolicy fast;
  const auto items = vector_items();
  REQUIRE(items.size() == 3);

  const std::string kPending = "retrieveBatch fault:" + std::string(eckid::nv::kNotFinished);

  SECTION("stampseudonyms") {
    const auto run = eckid::nv::run_stampseudonym_batch(*service.client, kOin, items, fast.policy);
    CHECK(run.outcome == BatchOutcome::kComplete);
    CHECK(run.polls == 4);
    CHECK(fast.slept == std::vector<long>{7, 7, 7});
    CHECK(run.unresolved.empty());
    CHECK(run.result.failures.empty());
    const auto values = by_index(run.result);
    REQUIRE(values.size() == 3);
    for (const auto &item : items) CHECK(values.at(item.index) == stamp_of(item.hpgn));
    CHECK(service.requests() == std::vector<std::string>{"submitStampseudonymBatch ok", kPending,
                                                         kPending, kPending, "retrieveBatch ok"});
  }
  SECTION("ECK iDs") {
    std::vector<StampseudonymItem> stamps;
    for (const auto &item : items) stamps.push_back({item.index, stamp_of(item.hpgn)});
    const auto run =
        eckid::nv::run_eckid_batch(*service.client, kOin, stamps, eckid_test::test_chain(),
                                   eckid_test::test_sector(), fast.policy);
    CHECK(run.outcome == BatchOutcome::kComplete);
    CHECK(run.polls == 4);
    const auto values = by_index(run.result);
    REQUIRE(values.size() == 3);
    for (const auto &s : stamps) CHECK(values.at(s.index) == eckid_of(s.stampseudonym));
  }
  SECTION("too few polls allowed: an explicit timeout, not an empty result") {
    fast.policy.max_polls = 2;
    CHECK_THROWS_MATCHES(
        eckid::nv::run_stampseudonym_batch(*service.client, kOin, items, fast.policy), eckid::Error,
        HasStatus(ECKID_E_TIMEOUT));
    CHECK(fast.slept == std::vector<long>{7});
    CHECK(service.requests().size() == 3);
  }
}

TEST_CASE("batch: a repeated retrieve is 'already retrieved' and loses nothing recorded") {
  Service service({});
  FastPolicy fast;
  const auto items = vector_items();
  const auto first = eckid::nv::run_stampseudonym_batch(*service.client, kOin, items, fast.policy);
  REQUIRE(first.outcome == BatchOutcome::kComplete);
  REQUIRE(first.result.successes.size() == 3);
  const std::vector<BatchIndex> submitted = {10, 20, 30};

  SECTION("everything recorded: nothing to resubmit") {
    std::vector<BatchIndex> recorded;
    for (const auto &s : first.result.successes) recorded.push_back(s.index);
    const auto again = eckid::nv::poll_batch(*service.client, kOin, first.batch_id, submitted,
                                             fast.policy, recorded);
    CHECK(again.outcome == BatchOutcome::kLost);
    CHECK(again.unresolved.empty());
    CHECK_FALSE(again.message.empty());
    CHECK(again.result.successes.empty());
  }
  SECTION("one result not recorded (a crash in between): only that index to resubmit") {
    const auto again = eckid::nv::poll_batch(*service.client, kOin, first.batch_id, submitted,
                                             fast.policy, {30, 10});
    CHECK(again.outcome == BatchOutcome::kLost);
    CHECK(again.unresolved == std::vector<BatchIndex>{20});
  }
  SECTION("an unknown batch is 'content removed': every index to resubmit") {
    const auto lost =
        eckid::nv::poll_batch(*service.client, kOin, "no-such-batch", submitted, fast.policy);
    CHECK(lost.outcome == BatchOutcome::kLost);
    CHECK(lost.unresolved == submitted);
  }
  CHECK(fast.slept.empty());
  const auto log = service.requests();
  REQUIRE(log.size() == 3);
  CHECK((log[2] == "retrieveBatch fault:" + std::string(eckid::nv::kContentAlreadyRetrieved) ||
         log[2] == "retrieveBatch fault:" + std::string(eckid::nv::kContentRemoved)));
}

TEST_CASE("batch: successes and failures of one batch are both reported with their messages") {
  Service service({});
  FastPolicy fast;
  auto items = vector_items();
  items.push_back({5, std::string(64, 'G')});  // not hex: the service fails this item

  const auto run = eckid::nv::run_stampseudonym_batch(*service.client, kOin, items, fast.policy);
  CHECK(run.outcome == BatchOutcome::kComplete);
  CHECK(run.unresolved.empty());
  const auto values = by_index(run.result);
  REQUIRE(values.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(values.at(items[i].index) == stamp_of(items[i].hpgn));
  REQUIRE(run.result.failures.size() == 1);
  CHECK(run.result.failures[0].index == 5);
  CHECK_FALSE(run.result.failures[0].message.empty());

  std::vector<StampseudonymItem> stamps = {{1, stamp_of(items[0].hpgn)},
                                           {2, "https://ketenid.nl/sppilot/not-a-pseudonym"}};
  const auto eck =
      eckid::nv::run_eckid_batch(*service.client, kOin, stamps, eckid_test::test_chain(),
                                 eckid_test::test_sector(), fast.policy);
  REQUIRE(eck.result.successes.size() == 1);
  CHECK(eck.result.successes[0].index == 1);
  CHECK(eck.result.successes[0].value == eckid_of(stamps[0].stampseudonym));
  REQUIRE(eck.result.failures.size() == 1);
  CHECK(eck.result.failures[0].index == 2);
  CHECK(eck.result.failures[0].message == "invalid stampseudonym");
}

TEST_CASE("batch: the daily limit defers to the next day without looping") {
  SECTION("limit 0: the first submission is deferred") {
    Service service({"--daily-limit", "0"});
    FastPolicy fast;
    const auto run =
        eckid::nv::run_stampseudonym_batch(*service.client, kOin, vector_items(), fast.policy);
    CHECK(run.outcome == BatchOutcome::kDeferred);
    CHECK(run.batch_id.empty());
    CHECK(run.unresolved == std::vector<BatchIndex>{10, 20, 30});
    CHECK_FALSE(run.message.empty());
    CHECK(fast.slept.empty());
    CHECK_THAT(run.message, Catch::Contains("daily limit"));
    CHECK(service.requests() ==
          std::vector<std::string>{"submitStampseudonymBatch fault:DailyLimit"});
  }
  SECTION("limit 1: the second submission is deferred") {
    Service service({"--daily-limit", "1"});
    FastPolicy fast;
    const std::vector<StampseudonymItem> stamps = {{0, stamp_of(vector_items()[0].hpgn)}};
    const auto ok =
        eckid::nv::run_eckid_batch(*service.client, kOin, stamps, eckid_test::test_chain(),
                                   eckid_test::test_sector(), fast.policy);
    CHECK(ok.outcome == BatchOutcome::kComplete);
    const auto later =
        eckid::nv::run_eckid_batch(*service.client, kOin, stamps, eckid_test::test_chain(),
                                   eckid_test::test_sector(), fast.policy);
    CHECK(later.outcome == BatchOutcome::kDeferred);
    CHECK(later.unresolved == std::vector<BatchIndex>{0});
    CHECK(service.requests().size() == 3);
  }
}

TEST_CASE("batch: a submit fault naming a daily limit defers, any other fault is final") {
  using eckid::nv::FaultDetail;
  using eckid::nv::names_daily_limit;
  // The actor text is not published (spec "Transport"): recognised in actor or string.
  CHECK(names_daily_limit(FaultDetail{"soap:Client", "Daily limit reached", ""}));
  CHECK(names_daily_limit(FaultDetail{"soap:Server", "", "DailyLimitExceededException"}));
  CHECK(names_daily_limit(FaultDetail{"", "DAILY_LIMIT", ""}));
  CHECK(names_daily_limit(FaultDetail{"", "the daily batch submission limit is used up", ""}));
  CHECK_FALSE(names_daily_limit(FaultDetail{"", "limit reached", "TemporaryBlockedException"}));
  CHECK_FALSE(names_daily_limit(FaultDetail{"soap:Client", "invalid hPgn", ""}));

  // Another fault on submit (here: the OIN is not allowed) is thrown at once, whole.
  Service service({"--allowed-oins", eckid_it::kOtherOin});
  FastPolicy fast;
  try {
    eckid::nv::run_stampseudonym_batch(*service.client, kOin, vector_items(), fast.policy);
    FAIL("no error");
  } catch (const eckid::nv::ServiceFault &fault) {
    CHECK(fault.status() == ECKID_E_SOAP_FAULT);
    CHECK(fault.detail().code == "soapenv:Client");
    CHECK_THAT(fault.what(),
               Catch::Contains(fault.detail().string) && Catch::Contains("[code soapenv:Client"));
  }
  CHECK(fast.slept.empty());
  CHECK(service.requests().size() == 1);
}

TEST_CASE("batch: temporarily blocked backs off with growing delays, then gives up") {
  Service service({"--blocked-share", "1"});
  FastPolicy fast;
  try {
    eckid::nv::run_stampseudonym_batch(*service.client, kOin, vector_items(), fast.policy);
    FAIL("no error");
  } catch (const eckid::nv::ServiceFault &fault) {
    CHECK(fault.detail().actor == eckid::nv::kTemporaryBlocked);
  }
  CHECK(fast.slept == std::vector<long>{5, 10, 15});
  CHECK(service.requests() ==
        std::vector<std::string>(
            4, "submitStampseudonymBatch fault:" + std::string(eckid::nv::kTemporaryBlocked)));
}

TEST_CASE("batch: an empty list and bad indices are refused before anything is sent") {
  Service service({});
  FastPolicy fast;
  const std::string hpgn = vector_items()[0].hpgn;
  const std::string stamp = stamp_of(hpgn);
  const std::string chain = eckid_test::test_chain();
  const std::string sector = eckid_test::test_sector();
  const auto &client = *service.client;
  CHECK_THROWS_MATCHES(eckid::nv::submit_stampseudonym_batch(client, kOin, {}), eckid::Error,
                       HasStatus(ECKID_E_INVALID_ARGUMENT));
  CHECK_THROWS_MATCHES(eckid::nv::submit_eckid_batch(client, kOin, {}, chain, sector), eckid::Error,
                       HasStatus(ECKID_E_INVALID_ARGUMENT));
  CHECK_THROWS_MATCHES(eckid::nv::submit_stampseudonym_batch(client, kOin, {{1, hpgn}, {1, hpgn}}),
                       eckid::Error, HasStatus(ECKID_E_INVALID_ARGUMENT));
  CHECK_THROWS_MATCHES(eckid::nv::submit_eckid_batch(
                           client, kOin, {{4, stamp}, {2, stamp}, {4, stamp}}, chain, sector),
                       eckid::Error, HasStatus(ECKID_E_INVALID_ARGUMENT));
  CHECK_THROWS_MATCHES(eckid::nv::submit_stampseudonym_batch(client, kOin, {{-1, hpgn}}),
                       eckid::Error, HasStatus(ECKID_E_INVALID_ARGUMENT));
  CHECK_THROWS_MATCHES(
      eckid::nv::run_stampseudonym_batch(client, kOin, {{0, hpgn}, {0, hpgn}}, fast.policy),
      eckid::Error, HasStatus(ECKID_E_INVALID_ARGUMENT));
  CHECK_THROWS_MATCHES(eckid::nv::run_eckid_batch(client, kOin, {}, chain, sector, fast.policy),
                       eckid::Error, HasStatus(ECKID_E_INVALID_ARGUMENT));
  CHECK(service.requests().empty());
  CHECK(fast.slept.empty());
}

namespace {

// One row of the spec's faultactor table (spec "Transport"): the single source of the batch
// states' faultactor texts, from the public .NET reference client.
struct SpecActor {
  std::string actor, meaning, action;
};

std::string trimmed(const std::string &text) {
  const auto first = text.find_first_not_of(" `");
  const auto last = text.find_last_not_of(" `");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// The rows under the markdown table headed "| `faultactor` | meaning | ... |".
std::vector<SpecActor> spec_faultactors() {
  std::ifstream in(std::string(ECKID_SHARED_DIR) + "/spec/nummervoorziening.md");
  REQUIRE(in);
  std::vector<SpecActor> rows;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(std::min(line.size(), line.find_first_not_of(' ')));
    if (!in_table) {
      in_table = line.starts_with("| `faultactor` |");
      continue;
    }
    if (!line.starts_with("|")) break;
    if (line.starts_with("| ---")) continue;
    std::vector<std::string> cells;
    for (std::size_t at = 1, bar; (bar = line.find('|', at)) != std::string::npos; at = bar + 1) {
      cells.push_back(trimmed(line.substr(at, bar - at)));
    }
    REQUIRE(cells.size() == 3);
    rows.push_back({cells[0], cells[1], cells[2]});
  }
  return rows;
}

}  // namespace

TEST_CASE("batch: the faultactors sent and recognised are exactly the spec's table") {
  const auto table = spec_faultactors();
  REQUIRE(table.size() == 4);
  // A row by (part of) its meaning; its actor must be sent and recognised as the table says.
  const auto row = [&](const std::string &meaning) {
    for (const auto &r : table) {
      if (r.meaning.find(meaning) != std::string::npos) return r;
    }
    FAIL("no row of the spec's faultactor table means '" << meaning << "'");
    return SpecActor{};
  };
  const SpecActor not_finished = row("still being processed"), blocked = row("cooling down"),
                  retrieved = row("fetched before"), removed = row("is gone");
  CHECK(not_finished.action == "wait, poll again");
  CHECK(blocked.action == "wait, poll again");
  CHECK(retrieved.action == "stop");
  CHECK(removed.action == "stop");
  const auto actor_of = [](const auto &call) -> std::string {
    try {
      call();
    } catch (const eckid::nv::ServiceFault &fault) {
      return fault.detail().actor;
    }
    return "(no fault)";
  };

  // (b) The client's constants.
  CHECK(eckid::nv::kNotFinished == not_finished.actor);
  CHECK(eckid::nv::kTemporaryBlocked == blocked.actor);
  CHECK(eckid::nv::kContentAlreadyRetrieved == retrieved.actor);
  CHECK(eckid::nv::kContentRemoved == removed.actor);

  // (a) What the emulator sends over the wire, and (b) what poll_batch() does with it.
  FastPolicy fast;
  const auto items = vector_items();
  const std::vector<BatchIndex> submitted = {10, 20, 30};
  {
    Service service({"--not-finished-polls", "2"});
    const auto &client = *service.client;
    const auto id = eckid::nv::submit_stampseudonym_batch(client, kOin, items);
    CHECK(actor_of([&] { eckid::nv::retrieve_batch(client, kOin, id); }) == not_finished.actor);
    const auto run = eckid::nv::poll_batch(client, kOin, id, submitted, fast.policy);
    CHECK(run.outcome == BatchOutcome::kComplete);  // waited and polled again
    CHECK(run.polls == 2);
    CHECK(actor_of([&] { eckid::nv::retrieve_batch(client, kOin, id); }) == retrieved.actor);
    CHECK(actor_of([&] { eckid::nv::retrieve_batch(client, kOin, "x"); }) == removed.actor);
    for (const std::string &gone : {id, std::string("x")}) {  // stop: no further request
      const std::size_t before = service.requests().size();
      CHECK(eckid::nv::poll_batch(client, kOin, gone, submitted, fast.policy).outcome ==
            BatchOutcome::kLost);
      CHECK(service.requests().size() == before + 1);
    }
  }
  Service service({"--blocked-share", "1"});
  CHECK(actor_of([&] { eckid::nv::submit_stampseudonym_batch(*service.client, kOin, items); }) ==
        blocked.actor);
  fast.slept.clear();
  CHECK(actor_of([&] {
          eckid::nv::poll_batch(*service.client, kOin, "x", submitted, fast.policy);
        }) == blocked.actor);
  CHECK(fast.slept.size() == 3);  // waited and asked again, max_blocked (4) times in all
}
