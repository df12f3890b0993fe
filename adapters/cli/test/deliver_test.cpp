// `eckid deliver` against nv-emulator, run as a program: events a school system queued and
// closed on are sent and their results left for it, two runs at once on one state folder send
// each pupil once, onboarding held back by the daily batch limit is left waiting, an
// unreachable service ends a run after --max-wait, and a configuration that does not open.
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "cli_run.hpp"

using namespace eckid_cli_test;

namespace {

// A port nothing listens on: every connection is refused at once.
constexpr const char *kClosed = "https://127.0.0.1:9/eck/ws/201703";

// Retries at most 10 ms after a failure, so that the events a closed handle left behind are
// all due again by the time the next process opens; attempts never run out.
const std::string kQuickRetries =
    "[outbox]\nretry_base_ms = 10\nretry_max_ms = 10\nmax_attempts = 1000\n"
    "shutdown_wait_ms = 500\n";

// ... and one worker, with calls paused after the first failure for longer than a test: of
// the events queued, one is attempted (its HPgn computed) and the others wait untouched.
const std::string kPausedAtOnce =
    kQuickRetries + "workers = 1\nbreaker_threshold = 1\nbreaker_cooldown_ms = 600000\n";

// A school system's visit: opens the plugin (asynchronous delivery) on config, fires
// pupil-created for each pupil of school 99ZZ and closes before any can be sent (the service
// at kClosed refuses; with kPausedAtOnce only one is attempted). Returns the event ids by
// pupil key.
std::map<std::string, unsigned long long> queue_events(const std::string &config,
                                                       const std::vector<Pupil> &list) {
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  options.delivery = ECKID_DELIVERY_ASYNC;
  eckid_plugin *plugin = nullptr;
  REQUIRE(eckid_open(config.c_str(), &options, &plugin) == ECKID_OK);
  std::map<std::string, unsigned long long> ids;
  for (const auto &p : list) {
    const eckid_events::Fired fired = eckid_events::fire_created(plugin, kSchool, p.key, p.pgn);
    CHECK(fired.status == ECKID_QUEUED);
    ids[p.key] = fired.event_id;
  }
  REQUIRE(eckid_close(plugin) == ECKID_OK);
  // The last failed attempt scheduled its retry at most 10 ms later (kQuickRetries).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return ids;
}

// The HPgns the emulator's --hpgn-log shows for an operation, with how often each was sent.
std::map<std::string, int> sent(const std::string &hpgn_log, const std::string &operation) {
  std::ifstream in(hpgn_log);
  std::map<std::string, int> out;
  for (std::string line; std::getline(in, line);) {
    if (line.find(" " + operation + " ") != std::string::npos) {
      ++out[line.substr(line.rfind(' ') + 1)];
    }
  }
  return out;
}

// What the school system finds afterwards: every result, through eckid_poll(), with the
// ECK iD the emulator derives from the pupil's HPgn (hpgns: by pupil key, computed
// independently of the plugin).
void check_results_left_for_host(const std::string &config,
                                 const std::map<std::string, std::string> &hpgns,
                                 const std::map<std::string, unsigned long long> &ids) {
  eckid_plugin *plugin = nullptr;
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  REQUIRE(eckid_open(config.c_str(), &options, &plugin) == ECKID_OK);
  std::map<unsigned long long, std::pair<int, std::string>> results;
  for (eckid_result *r = nullptr; eckid_poll(plugin, &r) == ECKID_OK; r = nullptr) {
    results[r->event_id] = {r->status, r->count == 1 ? r->eckids[0]->eckid : ""};
    eckid_free(r);
  }
  CHECK(eckid_close(plugin) == ECKID_OK);
  REQUIRE(results.size() == hpgns.size());
  for (const auto &[key, hpgn] : hpgns) {
    INFO("pupil " << key);
    const auto &[status, eckid] = results.at(ids.at(key));
    CHECK(status == ECKID_OK);
    CHECK(eckid == eckid_events::expected_eckid(hpgn, eckid_test::test_sector()));
  }
}

// Each pupil's HPgn by pupil key (eckid_events::independent_hpgn: OpenSSL's scrypt, or the
// published vector's).
std::map<std::string, std::string> independent_hpgns(const std::vector<Pupil> &list) {
  std::map<std::string, std::string> out;
  for (const auto &p : list) out[p.key] = eckid_events::independent_hpgn(p.pgn);
  return out;
}

// Each HPgn of `hpgns` once.
std::map<std::string, int> each_once(const std::map<std::string, std::string> &hpgns) {
  std::map<std::string, int> out;
  for (const auto &[key, hpgn] : hpgns) out[hpgn] = 1;
  return out;
}

}  // namespace

TEST_CASE("deliver: events a closed school system left queued are sent, results left for it") {
  eckid_test::TempDir dir;
  const std::vector<Pupil> list = pupils(3);  // the published vectors
  const auto ids = queue_events(write_config(dir, kClosed, kPausedAtOnce), list);
  const std::string hpgn_log = dir.path().string() + "/hpgns.log";
  eckid::emulator_test::Emulator emulator(emulator_args({"--hpgn-log", hpgn_log}));
  const std::string config = write_config(dir, emulator.url(), kQuickRetries);

  const Outcome run = run_cli(dir, {"deliver", "--config", config});
  INFO(run.all());
  CHECK(run.exit_code == 0);
  CHECK(run.out == "summary: nothing due now; 0 queued, 0 failed, 3 results not yet collected\n");
  for (const auto &p : list) CHECK_FALSE(run.has(p.pgn));
  const auto hpgns = independent_hpgns(list);
  CHECK(sent(hpgn_log, "retrieveStampseudonym") == each_once(hpgns));
  check_results_left_for_host(config, hpgns, ids);
}

TEST_CASE("deliver: two runs at once on one state folder send every pupil once") {
  eckid_test::TempDir dir, second_output;
  const std::vector<Pupil> list = pupils(6);
  const auto ids = queue_events(write_config(dir, kClosed, kPausedAtOnce), list);
  const std::string hpgn_log = dir.path().string() + "/hpgns.log";
  // Each request takes 300 ms, so both runs are at work at the same time.
  eckid::emulator_test::Emulator emulator(
      emulator_args({"--hpgn-log", hpgn_log, "--latency-ms", "300"}));
  // Two workers each: six events keep both runs busy.
  const std::string config = write_config(dir, emulator.url(), kQuickRetries + "workers = 2\n");

  CliProcess first(dir, {"deliver", "--config", config});
  CliProcess second(second_output, {"deliver", "--config", config});
  const auto hpgns = independent_hpgns(list);  // OpenSSL's scrypt while they run
  const Outcome one = first.wait();
  const Outcome two = second.wait();
  INFO(one.all() << "\n" << two.all());
  CHECK(one.exit_code == 0);
  CHECK(two.exit_code == 0);
  CHECK(sent(hpgn_log, "retrieveStampseudonym") == each_once(hpgns));
  std::size_t eckid_requests = 0;
  for (const auto &line : emulator.log_lines()) {
    if (line.find(" retrieveEckId ") != std::string::npos) ++eckid_requests;
  }
  CHECK(eckid_requests == list.size());
  check_results_left_for_host(config, hpgns, ids);
}

TEST_CASE("deliver: onboarding held back by the daily batch limit waits for the next day") {
  eckid_test::TempDir dir;
  const std::vector<Pupil> list = pupils(2);
  // Small batches and quick polls; a batch the closed service refused is sent again at most
  // 10 ms later.
  const std::string extra =
      "[onboarding]\nbatch_size = 3\npoll_delay_ms = 50\nblocked_delay_ms = 50\n" + kQuickRetries;
  std::string config = write_config(dir, kClosed, extra);
  {
    eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
    eckid_plugin *plugin = nullptr;
    REQUIRE(eckid_open(config.c_str(), &options, &plugin) == ECKID_OK);
    std::vector<eckid_onboard_pupil> entries;
    for (const auto &p : list) {
      entries.push_back(eckid_events::onboard_pupil(p.key.c_str(), p.pgn.c_str()));
    }
    eckid_onboard_receipts *receipts = nullptr;
    REQUIRE(eckid_events::onboard(plugin, kSchool, entries, &receipts) == ECKID_OK);
    CHECK(receipts->accepted == list.size());
    eckid_free(receipts);
    REQUIRE(eckid_close(plugin) == ECKID_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  eckid::emulator_test::Emulator emulator(emulator_args({"--daily-limit", "0"}));
  config = write_config(dir, emulator.url(), extra);
  const Outcome run = run_cli(dir, {"deliver", "--config", config});
  INFO(run.all());
  CHECK(run.exit_code == 0);
  // Deferred to the next UTC day: 00:00 UTC of tomorrow (or later, should the day turn now).
  const std::time_t tomorrow = std::time(nullptr) + 86'400;
  std::tm tm{};
  gmtime_r(&tomorrow, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  CHECK(run.has("summary: nothing due now; 2 queued (0 due now, 2 waiting; the next due in "));
  CHECK(run.has(", at " + std::string(day) + " 00:00 UTC), 0 failed, 0 results not yet collected"));
  std::size_t limited = 0;
  for (const auto &line : emulator.log_lines()) {
    if (line.find("submitStampseudonymBatch") != std::string::npos) {
      CHECK(line.find("DailyLimit") != std::string::npos);
      ++limited;
    }
  }
  CHECK(limited == 1);
}

TEST_CASE("deliver: with the service unreachable it stops after --max-wait, events queued") {
  eckid_test::TempDir dir;
  // The run's own first attempt pauses its calls: the second event stays due, nothing moves on.
  const std::string config = write_config(dir, kClosed, kPausedAtOnce);
  queue_events(config, pupils(2));
  const Outcome run = run_cli(dir, {"deliver", "--config", config, "--max-wait", "1s"});
  INFO(run.all());
  CHECK(run.exit_code == 4);
  CHECK(run.has("summary: stopped: nothing moved on for 1 s (--max-wait); 2 queued ("));
  CHECK(run.has("what is left stays queued for the next run"));
  CHECK(run.has("[eckid warn] "));  // the plugin says why
  const Outcome status = run_cli(dir, {"status", "--config", config});
  INFO(status.all());
  CHECK(status.has("queue: 2 queued"));
}

TEST_CASE("deliver: a configuration that does not open, or wrong arguments, exit with 2") {
  eckid_test::TempDir dir;
  const std::string broken = dir.write("broken.toml", "[service]\nenvironment = \"x\"\n").string();
  const Outcome bad = run_cli(dir, {"deliver", "--config", broken});
  CHECK(bad.exit_code == 2);
  CHECK(bad.has("the configuration " + broken + " does not open: "));
  CHECK(bad.has("'eckid doctor --config " + broken + "' checks it step by step"));
  CHECK(bad.out.empty());
  const std::string config = write_config(dir, kClosed);
  CHECK(run_cli(dir, {"deliver", "--config", config, "--max-wait", "5x"}).exit_code == 2);
  CHECK(run_cli(dir, {"deliver", "--config", (dir.path() / "missing.toml").string()}).exit_code ==
        2);
  CHECK(run_cli(dir, {"deliver"}).exit_code == 2);
}
