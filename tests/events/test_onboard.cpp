// Whole-school onboarding (eckid_onboard()) against the emulator's batch operations: results
// through the delivery path, batch states (not finished, lost, daily limit), per-pupil
// failures, refusals in the list, and a repeated onboarding that sends nothing.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include "onboard_support.hpp"

using namespace eckid_events;
using namespace std::chrono_literals;

namespace {

const std::string kFastBatches =
    "\n[onboarding]\nbatch_size = 3\npoll_delay_ms = 20\nblocked_delay_ms = 20\n"
    "[outbox]\nretry_base_ms = 50\nretry_max_ms = 400\nshutdown_wait_ms = 200\n";

Setup async(std::vector<std::string> emulator_args = {}, std::string extra = kFastBatches) {
  Setup s;
  s.emulator_args = std::move(emulator_args);
  s.extra_config = std::move(extra);
  s.delivery = ECKID_DELIVERY_ASYNC;
  return s;
}

// n pupils onb-<first>.. with test_pgn(first..): from first = 0 the published vectors, whose
// HPgns need no hashing in the test.
struct Pupils {
  std::vector<std::string> keys, pgns;
  explicit Pupils(int n, int first = 0) {
    for (int i = 0; i < n; ++i) {
      keys.push_back("onb-" + std::to_string(first + i));
      pgns.push_back(test_pgn(first + i));
    }
  }
  std::vector<eckid_onboard_pupil> list() const {
    std::vector<eckid_onboard_pupil> out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      out.push_back(onboard_pupil(keys[i].c_str(), pgns[i].c_str()));
    }
    return out;
  }
};

// Onboards the list into PO01 and returns the receipts' event ids (all must be accepted).
std::vector<unsigned long long> onboard_all(World &w,
                                            const std::vector<eckid_onboard_pupil> &list) {
  eckid_onboard_receipts *r = nullptr;
  REQUIRE(onboard(w.plugin, "PO01", list, &r) == ECKID_OK);
  REQUIRE(r->count == list.size());
  CHECK(r->accepted == list.size());
  std::vector<unsigned long long> ids;
  for (std::size_t i = 0; i < r->count; ++i) {
    CHECK(r->receipts[i]->status == ECKID_QUEUED);
    ids.push_back(r->receipts[i]->event_id);
  }
  eckid_free(r);
  return ids;
}

eckid_onboard_info status_of(World &w) {
  eckid_onboard_info info = ECKID_ONBOARD_INFO_INIT;
  REQUIRE(eckid_onboard_status(w.plugin, "PO01", &info) == ECKID_OK);
  return info;
}

}  // namespace

TEST_CASE("Onboarding sends a school's pupils in batches and delivers every ECK iD", "[onboard]") {
  // Four pupils in batches of at most three: a full batch and a remainder per stage is what
  // batching does; more pupils would only add hashing.
  World w(async());
  const Pupils pupils(4);
  const auto ids = onboard_all(w, pupils.list());
  const auto results = poll_results(w.plugin, ids.size(), 240s);
  REQUIRE(results.size() == ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Delivered &d = results.at(ids[i]);
    CHECK(d.pupil_key == pupils.keys[i]);
    CHECK(d.status == ECKID_OK);
    CHECK(d.eckid == expected_eckid(independent_hpgn(pupils.pgns[i]), eckid_test::test_sector()));
  }
  // Batches of at most 3 (4 = 3 + 1) for each stage, no per-pupil calls.
  CHECK(count_requests(w, "submitStampseudonymBatch", "ok") == 2);
  CHECK(count_requests(w, "submitEckIdBatch", "ok") == 2);
  CHECK(count_requests(w, "retrieveStampseudonym") == 0);
  CHECK(count_requests(w, "retrieveEckId") == 0);
  // Recorded like an event's result.
  eckid_result *r = nullptr;
  REQUIRE(eckid_pupil_lookup(w.plugin, "PO01", pupils.keys[0].c_str(), &r) == ECKID_OK);
  CHECK(std::string(r->eckids[0]->eckid) == results.at(ids[0]).eckid);
  eckid_free(r);

  SECTION("the same list again is done at once: nothing hashed, sent or recorded twice") {
    const std::size_t before = w.requests();
    const auto again = onboard_all(w, pupils.list());
    const auto repeat = poll_results(w.plugin, again.size(), 10s);
    REQUIRE(repeat.size() == again.size());
    for (std::size_t i = 0; i < again.size(); ++i) {
      CHECK(repeat.at(again[i]).status == ECKID_OK);
      CHECK(repeat.at(again[i]).eckid == results.at(ids[i]).eckid);
    }
    CHECK(w.requests() == before);
    CHECK(w.log.contains("4 already recorded"));
  }
}

TEST_CASE("Onboarding polls a batch that is not finished until its result arrives", "[onboard]") {
  World w(async({"--not-finished-polls", "2"}));
  const Pupils pupils(2);
  const auto ids = onboard_all(w, pupils.list());
  const auto results = poll_results(w.plugin, ids.size(), 120s);
  REQUIRE(results.size() == 2);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(results.at(ids[i]).eckid ==
          expected_eckid(independent_hpgn(pupils.pgns[i]), eckid_test::test_sector()));
  }
  // One batch per stage, each polled 2 times NotFinished, then with its result.
  CHECK(count_requests(w, "retrieveBatch", "fault:NotFinishedException") == 4);
  CHECK(count_requests(w, "retrieveBatch", "ok") == 2);
}

TEST_CASE("A batch with successes and failures records both, each failure with its message",
          "[onboard]") {
  const Pupils pupils(3);
  eckid_test::TempDir fixtures_dir;
  const auto fixtures = fixtures_dir.write(
      "fixtures.toml", "[[refused]]\nvalue = \"" + independent_hpgn(pupils.pgns[1]) +
                           "\"\nmessage = \"hPgn blocked by the test\"\n");
  World w(async({"--fixtures", fixtures.string()}));
  const auto ids = onboard_all(w, pupils.list());
  const auto results = poll_results(w.plugin, ids.size(), 120s);
  REQUIRE(results.size() == 3);
  CHECK(results.at(ids[0]).status == ECKID_OK);
  CHECK(results.at(ids[2]).status == ECKID_OK);
  CHECK(results.at(ids[1]).status == ECKID_E_SOAP_FAULT);
  CHECK_THAT(results.at(ids[1]).message, Catch::Contains("hPgn blocked by the test"));
  CHECK(results.at(ids[1]).message.find(pupils.pgns[1]) == std::string::npos);
  eckid_result *r = nullptr;
  CHECK(eckid_pupil_lookup(w.plugin, "PO01", pupils.keys[1].c_str(), &r) == ECKID_E_NOT_FOUND);
  unsigned long long failed[4];
  std::size_t count = 0;
  REQUIRE(eckid_list_failed(w.plugin, failed, 4, &count) == ECKID_OK);
  REQUIRE(count == 1);
  CHECK(failed[0] == ids[1]);
}

TEST_CASE("At the daily batch limit onboarding waits for the next day instead of looping",
          "[onboard]") {
  World w(async({"--daily-limit", "0"}));
  const Pupils pupils(2, 40);
  onboard_all(w, pupils.list());
  const auto until = std::chrono::steady_clock::now() + 120s;
  eckid_onboard_info info = status_of(w);
  while (info.deferred < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
    info = status_of(w);
  }
  REQUIRE(info.deferred == 2);
  CHECK(info.waiting == 0);
  CHECK(info.hashed == 0);
  CHECK(info.in_batch == 0);
  const long long day = 86'400'000;
  const long long now = unix_now_ms();
  CHECK(info.deferred_until_ms == (now / day + 1) * day);
  // Nothing is due before then, and the queue says how long that is.
  const long long before = unix_now_ms();
  eckid_queue_info queue = ECKID_QUEUE_INFO_INIT;
  REQUIRE(eckid_queue_status(w.plugin, &queue) == ECKID_OK);
  const long long after = unix_now_ms();
  CHECK(queue.queued == 2);
  CHECK(queue.due == 0);
  CHECK(queue.next_due_in_ms >= info.deferred_until_ms - after);
  CHECK(queue.next_due_in_ms <= info.deferred_until_ms - before);
  std::this_thread::sleep_for(1500ms);  // many coordinator rounds
  CHECK(count_requests(w, "submitStampseudonymBatch") == 1);
  CHECK(count_requests(w, "submitStampseudonymBatch", "fault:DailyLimit") == 1);
  eckid_result *r = nullptr;
  CHECK(eckid_poll(w.plugin, &r) == ECKID_E_NOT_FOUND);
  CHECK(w.log.contains("daily batch limit"));
}

TEST_CASE("A batch the service lost after a restart is sent again and nothing is lost",
          "[onboard]") {
  World w(async({"--not-finished-polls", "100000"}));
  const Pupils pupils(3);
  const auto ids = onboard_all(w, pupils.list());
  const auto until = std::chrono::steady_clock::now() + 120s;
  while (status_of(w).in_batch < 3 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(status_of(w).in_batch == 3);
  w.close();  // the batch stays recorded with its identifier
  w.stop_emulator();
  w.start_emulator({});  // a new emulator: the identifier is unknown (ContentRemovedException)
  w.open();
  const auto results = poll_results(w.plugin, ids.size(), 120s);
  REQUIRE(results.size() == 3);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(results.at(ids[i]).status == ECKID_OK);
    CHECK(results.at(ids[i]).eckid ==
          expected_eckid(independent_hpgn(pupils.pgns[i]), eckid_test::test_sector()));
  }
  CHECK(count_requests(w, "retrieveBatch", "fault:ContentRemovedException") == 1);
  CHECK(w.log.contains("no longer has batch"));
}

TEST_CASE("A batch that failed on our side is polled again on a rerun, never sent again",
          "[onboard]") {
  // Each batch answers NotFinishedException 3 times; the plugin gives up after 2 polls.
  std::string config = kFastBatches;
  config.insert(config.find("[outbox]"), "max_polls = 2\n");
  World w(async({"--not-finished-polls", "3"}, config));
  const Pupils pupils(2);
  const auto ids = onboard_all(w, pupils.list());
  const auto run = [&] {
    const auto results = poll_results(w.plugin, ids.size(), 120s);
    REQUIRE(results.size() == ids.size());
    return results;
  };
  for (const auto &[id, d] : run()) CHECK(d.status == ECKID_E_TIMEOUT);
  CHECK(count_requests(w, "submitStampseudonymBatch") == 1);
  onboard_all(w, pupils.list());  // the rerun: stampseudonym batch 3rd poll, 4th: result
  for (const auto &[id, d] : run()) CHECK(d.status == ECKID_E_TIMEOUT);  // the ECK iD batch
  onboard_all(w, pupils.list());
  const auto results = run();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(results.at(ids[i]).eckid ==
          expected_eckid(independent_hpgn(pupils.pgns[i]), eckid_test::test_sector()));
  }
  // Each old batch was retrieved, and each pupil submitted once per stage.
  CHECK(count_requests(w, "retrieveBatch", "ok") == 2);
  CHECK(count_requests(w, "submitStampseudonymBatch") == 1);
  CHECK(count_requests(w, "submitEckIdBatch") == 1);
}

TEST_CASE("Onboarding refuses bad entries one by one and never names a PGN", "[onboard]") {
  World w(async());
  const std::string good = bsn(60), other = bsn(61);
  const std::string invalid = "123456789";  // fails the 11-check
  std::vector<eckid_onboard_pupil> list = {
      onboard_pupil("a", good.c_str()),  onboard_pupil("b", invalid.c_str()),
      onboard_pupil("a", other.c_str()), onboard_pupil("c", good.c_str()),
      onboard_pupil("", other.c_str()),  onboard_pupil("d", other.c_str()),
  };
  // A kind out of range, stored the way a C host would (a C++ cast to the enum would be UB).
  const int seven = 7;
  static_assert(sizeof list.back().kind == sizeof seven);
  std::memcpy(&list.back().kind, &seven, sizeof seven);
  eckid_onboard_receipts *r = nullptr;
  REQUIRE(onboard(w.plugin, "PO01", list, &r) == ECKID_OK);
  REQUIRE(r->count == 6);
  CHECK(r->accepted == 1);
  CHECK(r->refused == 5);
  CHECK(r->receipts[0]->status == ECKID_QUEUED);
  CHECK(r->receipts[0]->event_id != 0);
  CHECK(r->receipts[1]->status == ECKID_E_INVALID_PGN);
  CHECK(r->receipts[2]->status == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(r->receipts[2]->message, Catch::Contains("'a' appears earlier"));
  CHECK(r->receipts[3]->status == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(r->receipts[3]->message, Catch::Contains("same pupil PGN as pupil 'a'"));
  CHECK(r->receipts[4]->status == ECKID_E_INVALID_ARGUMENT);
  CHECK(r->receipts[5]->status == ECKID_E_INVALID_ARGUMENT);
  for (std::size_t i = 1; i < 6; ++i) {
    CHECK(r->receipts[i]->event_id == 0);
    const std::string message = r->receipts[i]->message;
    CHECK(message.find(good) == std::string::npos);
    CHECK(message.find(other) == std::string::npos);
    CHECK(message.find(invalid) == std::string::npos);
  }
  eckid_free(r);

  eckid_onboard_receipts *none = nullptr;
  CHECK(onboard(w.plugin, "NOPE", {list[0]}, &none) == ECKID_E_UNKNOWN_SCHOOL);
  CHECK(none == nullptr);
  CHECK(onboard(w.plugin, "OFF1", {list[0]}, &none) == ECKID_E_NOT_ENABLED);
  CHECK(eckid_onboard(w.plugin, "PO01", nullptr, 1, &none) == ECKID_E_INVALID_ARGUMENT);
  REQUIRE(eckid_onboard(w.plugin, "PO01", nullptr, 0, &none) == ECKID_OK);
  CHECK(none->count == 0);
  eckid_free(none);
}

TEST_CASE("Onboarding checks a pupil recorded by an event against its PGN", "[onboard]") {
  World w(async());
  const std::string pgn = test_pgn(0), other = bsn(71);
  // Recorded by an event (asynchronous delivery: poll for it).
  REQUIRE(fire_created(w.plugin, "PO01", "known", pgn).status == ECKID_QUEUED);
  REQUIRE(poll_results(w.plugin, 1, 60s).size() == 1);
  const std::size_t before = w.requests();

  const std::vector<eckid_onboard_pupil> list = {onboard_pupil("known", pgn.c_str()),
                                                 onboard_pupil("known2", other.c_str())};
  const std::vector<eckid_onboard_pupil> conflict = {onboard_pupil("known", other.c_str())};
  const auto ids = onboard_all(w, {list[0]});
  const auto results = poll_results(w.plugin, 1, 60s);
  REQUIRE(results.size() == 1);
  CHECK(results.at(ids[0]).status == ECKID_OK);
  CHECK(results.at(ids[0]).eckid ==
        expected_eckid(independent_hpgn(pgn), eckid_test::test_sector()));
  CHECK(w.requests() == before);  // hashed to compare, nothing sent

  const auto conflicting = onboard_all(w, conflict);
  const auto refused = poll_results(w.plugin, 1, 60s);
  REQUIRE(refused.size() == 1);
  CHECK(refused.at(conflicting[0]).status == ECKID_E_PUPIL_CONFLICT);
  CHECK(w.requests() == before);

  // Another pupil key with the recorded pupil's PGN: two records, one ECK iD (issue 12).
  const auto twin = onboard_all(w, {onboard_pupil("twin", pgn.c_str())});
  const auto duplicate = poll_results(w.plugin, 1, 60s);
  REQUIRE(duplicate.size() == 1);
  const Delivered &d = duplicate.at(twin[0]);
  CHECK(d.status == ECKID_E_DUPLICATE_PGN);
  CHECK_THAT(d.message, Catch::Contains("'known'"));
  CHECK(d.message.find(pgn) == std::string::npos);
  CHECK(w.requests() == before);
}

TEST_CASE("Of two handles on one state directory only one does the onboarding work", "[onboard]") {
  eckid_test::TempDir logs;
  const auto hpgn_log = logs.path() / "hpgns.log";
  World w(async({"--hpgn-log", hpgn_log.string()}));
  eckid_plugin *second = nullptr;
  eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
  o.delivery = ECKID_DELIVERY_ASYNC;
  REQUIRE(eckid_open(w.config.c_str(), &o, &second) == ECKID_OK);
  const Pupils pupils(4);
  const auto list = pupils.list();
  eckid_onboard_receipts *r = nullptr;
  REQUIRE(onboard(second, "PO01", list, &r) == ECKID_OK);
  CHECK(r->accepted == 4);
  eckid_free(r);
  // Both handles see the results (one database); take them through the second one, and
  // hand the work over midway by closing the first.
  auto results = poll_results(second, 1, 120s);
  w.close();
  const auto rest = poll_results(second, 3, 120s);
  results.insert(rest.begin(), rest.end());
  REQUIRE(results.size() == 4);
  std::set<std::string> got;
  for (const auto &[id, d] : results) {
    CHECK(d.status == ECKID_OK);
    got.insert(d.eckid);
  }
  std::set<std::string> expected;
  for (const auto &pgn : pupils.pgns) {
    expected.insert(expected_eckid(independent_hpgn(pgn), eckid_test::test_sector()));
  }
  CHECK(got == expected);
  // Every HPgn went to the service once: no handle resubmitted another's batch.
  std::ifstream in(hpgn_log);
  std::map<std::string, int> sent;
  for (std::string line; std::getline(in, line);) {
    if (line.find(" submitStampseudonymBatch ") != std::string::npos) {
      ++sent[line.substr(line.rfind(' ') + 1)];
    }
  }
  CHECK(sent.size() == 4);
  for (const auto &[hpgn, n] : sent) CHECK(n == 1);
  CHECK(eckid_close(second) == ECKID_OK);
}

TEST_CASE("A service outage during onboarding fails nobody: the pupils wait and complete",
          "[onboard]") {
  World w(async());
  w.stop_emulator();
  const Pupils pupils(2);
  const auto ids = onboard_all(w, pupils.list());
  // Hashing, then failed submissions ([outbox] retry_max_ms = 400): more than max_attempts
  // (10), which would have failed the pupils if each counted.
  REQUIRE(w.log.wait_for("keeps the pupils queued", 12, 180s));
  eckid_result *r = nullptr;
  CHECK(eckid_poll(w.plugin, &r) == ECKID_E_NOT_FOUND);
  w.start_emulator({});
  const auto results = poll_results(w.plugin, ids.size(), 120s);
  REQUIRE(results.size() == 2);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(results.at(ids[i]).status == ECKID_OK);
    CHECK(results.at(ids[i]).eckid ==
          expected_eckid(independent_hpgn(pupils.pgns[i]), eckid_test::test_sector()));
  }
}

TEST_CASE("A pupil key in the form of a BSN is not repeated in a refusal", "[onboard]") {
  World w(async());
  const std::string key = bsn(95), pgn = bsn(96), other = bsn(97);
  const std::vector<eckid_onboard_pupil> list = {onboard_pupil(key.c_str(), pgn.c_str()),
                                                 onboard_pupil(key.c_str(), other.c_str())};
  eckid_onboard_receipts *r = nullptr;
  REQUIRE(onboard(w.plugin, "PO01", list, &r) == ECKID_OK);
  REQUIRE(r->count == 2);
  CHECK(r->receipts[1]->status == ECKID_E_INVALID_ARGUMENT);
  const std::string message = r->receipts[1]->message;
  CHECK_THAT(message, Catch::Contains("not shown"));
  CHECK(message.find(key) == std::string::npos);
  eckid_free(r);
}
