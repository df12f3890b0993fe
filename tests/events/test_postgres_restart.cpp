// PostgreSQL stopped and started while events are in flight (issue 18, "Reconnects"): every
// event completes with the ECK iD the emulator's documented derivation gives (world.hpp), none is
// lost and none delivered twice, and events fired while the server is down are accepted once it
// is back. Only with the state on PostgreSQL (ECKID_TEST_POSTGRES; skipped otherwise), on a
// private cluster of its own (tests/support/private_postgres.hpp): the one of
// ECKID_TEST_POSTGRES serves other tests meanwhile.
#include <atomic>
#include <catch2/catch.hpp>
#include <exception>
#include <map>
#include <thread>

#include "onboard_support.hpp"
#include "private_postgres.hpp"

using namespace eckid_events;
using namespace std::chrono_literals;

TEST_CASE("PostgreSQL stopped and started during a run: everything completes",
          "[outbox][postgresql][slow]") {
  if (test_postgres_folder().empty()) {
    skip_test(
        "the state is on SQLite; this test needs PostgreSQL (ECKID_TEST_POSTGRES, its "
        "CTest test 'pg:PostgreSQL stopped and started during a run...')");
  }
  if (!eckid_test::PrivatePostgres::available()) {
    skip_test("no postgresql-15 or python3 for a private cluster (packaging/install-deps.sh)");
  }
  eckid_test::PrivatePostgres cluster;
  Setup setup;
  // Each answer takes 300 ms, so the workers have events at the service when the server
  // stops; an event call waits up to busy_timeout_ms for the server to come back.
  setup.emulator_args = {"--latency-ms", "300"};
  setup.extra_config = kFastRetries;
  setup.delivery = ECKID_DELIVERY_ASYNC;
  setup.state_lines = "busy_timeout_ms = 60000\n";
  setup.postgres = {cluster.url(), cluster.password_file()};
  World w(setup);

  // Each pupil at a school of each sector (no duplicate PGN): PO01 before the restart, VO01
  // while the server is down.
  constexpr int kPupils = 4;
  std::map<unsigned long long, std::pair<int, std::string>> events;  // id -> pupil, sector
  const auto fire = [&](int i, const char *school, const std::string &sector) {
    const Fired f = fire_created(w.plugin, school, "r-" + std::to_string(i), test_pgn(i));
    INFO("pupil " << i << " at " << school << ": " << eckid_last_error());
    REQUIRE(f.status == ECKID_QUEUED);
    REQUIRE(events.emplace(f.event_id, std::make_pair(i, sector)).second);
  };
  for (int i = 0; i < kPupils; ++i) fire(i, "PO01", eckid_test::test_sector());

  // In flight: once the service has been asked, the server stops (fast: its sessions end),
  // stays down for 5 s and starts again on the same port; meanwhile the VO01 events are fired.
  for (int i = 0; i < 1200 && w.requests() == 0; ++i) std::this_thread::sleep_for(50ms);
  REQUIRE(w.requests() > 0);
  std::atomic<bool> down{false};
  std::exception_ptr restart_failed;
  {
    std::jthread restarter([&] {
      try {
        cluster.stop();
        down = true;
        std::this_thread::sleep_for(5s);
        cluster.start();
      } catch (...) {
        restart_failed = std::current_exception();
        down = true;
      }
    });
    for (int i = 0; i < 6000 && !down; ++i) std::this_thread::sleep_for(10ms);
    if (down && !restart_failed) {
      for (int i = 0; i < kPupils; ++i) fire(i, "VO01", kOtherSector);
    }
  }
  if (restart_failed) std::rethrow_exception(restart_failed);
  REQUIRE(events.size() == 2 * kPupils);

  // Every event completes once: results polled and acknowledged until all are in, then a
  // little longer for a stray second delivery.
  std::map<unsigned long long, std::vector<std::pair<int, std::string>>> results;
  const auto poll = [&] {
    eckid_result *r = nullptr;
    while (eckid_poll(w.plugin, &r) == ECKID_OK) {
      results[r->event_id].emplace_back(r->status, r->count == 1 ? r->eckids[0]->eckid : "");
      CHECK(eckid_ack(w.plugin, r->event_id) == ECKID_OK);
      eckid_free(r);
    }
  };
  for (int i = 0; i < 3000 && results.size() < events.size(); ++i) {
    poll();
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(1s);
  poll();
  CHECK(results.size() == events.size());
  std::vector<std::string> hpgns;
  for (int i = 0; i < kPupils; ++i) hpgns.push_back(independent_hpgn(test_pgn(i)));
  for (const auto &[id, event] : events) {
    const auto &[pupil, sector] = event;
    INFO("event " << id << " of pupil " << pupil);
    REQUIRE(results[id].size() == 1);
    CHECK(results[id][0].first == ECKID_OK);
    CHECK(results[id][0].second == expected_eckid(hpgns[static_cast<std::size_t>(pupil)], sector));
  }
  eckid_queue_info info = ECKID_QUEUE_INFO_INIT;
  REQUIRE(eckid_queue_status(w.plugin, &info) == ECKID_OK);
  CHECK(info.queued == 0);
  CHECK(info.failed == 0);
  CHECK(info.undelivered == 0);
}
