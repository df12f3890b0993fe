// The outbox: asynchronous delivery, retries against injected faults, a service that goes
// down and comes back, permanent faults, shutdown, and damaged state.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "onboard_support.hpp"
#include "world.hpp"

using namespace eckid_events;
using namespace std::chrono_literals;

namespace {

// Results delivered through the callback (called on plugin threads): acknowledged at once,
// counted per event id so that a delivery after the acknowledgement shows up.
struct Inbox {
  eckid_plugin **plugin = nullptr;
  std::mutex mutex;
  std::condition_variable arrived;
  std::map<unsigned long long, std::pair<int, std::string>> results;  // status, ECK iD
  std::map<unsigned long long, int> deliveries;

  static void on_result(const eckid_result *r, void *payload) {
    auto *self = static_cast<Inbox *>(payload);
    {
      std::lock_guard lock(self->mutex);
      ++self->deliveries[r->event_id];
      self->results[r->event_id] = {r->status, r->count == 1 ? r->eckids[0]->eckid : ""};
    }
    eckid_ack(*self->plugin, r->event_id);
    self->arrived.notify_all();
  }
  // Waits until every id has a result, up to the timeout.
  bool wait_for(const std::vector<unsigned long long> &ids, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex);
    return arrived.wait_for(lock, timeout, [&] {
      for (auto id : ids) {
        if (!results.contains(id)) return false;
      }
      return true;
    });
  }
};

// The state database is sound after what the test did to the plugin: SQLite's own verdict
// (integrity_check). PostgreSQL keeps its pages sound itself (its WAL): nothing to ask there.
void check_integrity(const World &w) {
  auto db = state_db(w);
  if (db.postgresql()) return;
  CHECK(db.rows("PRAGMA integrity_check") == std::vector<std::vector<std::string>>{{"ok"}});
}

eckid_queue_info queue(eckid_plugin *plugin) {
  eckid_queue_info info = ECKID_QUEUE_INFO_INIT;
  const eckid_status s = eckid_queue_status(plugin, &info);
  INFO(eckid_last_error());
  REQUIRE(s == ECKID_OK);
  return info;
}

// The outbox rows of a pupil key, read from the state database directly (not through the
// plugin): each row's state (0 queued, 1 done, 2 failed) and whether it holds sealed HPgns.
std::vector<std::pair<int, bool>> outbox_rows(const World &w, const std::string &pupil) {
  std::vector<std::pair<int, bool>> rows;
  for (const auto &row : state_db(w).rows(
           "SELECT state, CASE WHEN length(sealed_hpgns) > 0 THEN 1 ELSE 0 END FROM outbox "
           "WHERE pupil_key = ?1 ORDER BY id",
           {pupil})) {
    rows.emplace_back(std::stoi(row[0]), row[1] == "1");
  }
  return rows;
}

// Results handed out by eckid_poll() (not acknowledged) until there are n, up to two minutes:
// event id -> status and the one-chain ECK iD.
std::map<unsigned long long, std::pair<int, std::string>> poll_results(World &w, std::size_t n) {
  std::map<unsigned long long, std::pair<int, std::string>> got;
  for (int i = 0; i < 1200 && got.size() < n; ++i) {
    eckid_result *r = nullptr;
    const eckid_status s = eckid_poll(w.plugin, &r);
    if (s == ECKID_OK) got[r->event_id] = {r->status, r->count == 1 ? r->eckids[0]->eckid : ""};
    eckid_free(r);
    if (s == ECKID_E_NOT_FOUND) std::this_thread::sleep_for(100ms);
  }
  return got;
}

// Retries without the circuit breaker (a threshold never reached): with the service down,
// every event is attempted again and again instead of waiting for a ping.
std::string retries_without_breaker() {
  std::string config = kFastRetries;
  config.replace(config.find("breaker_threshold = 4"), 21, "breaker_threshold = 1000");
  return config;
}

}  // namespace

TEST_CASE("asynchronous events return at once and arrive through the callback", "[outbox]") {
  Inbox inbox;
  World w({{}, kFastRetries, ECKID_DELIVERY_ASYNC, Inbox::on_result, &inbox});
  inbox.plugin = &w.plugin;
  const auto [pgn, hpgn] = vector_pupil(0);
  const Fired f = fire_created(w.plugin, "PO01", "a-1", pgn);
  REQUIRE(f.status == ECKID_QUEUED);
  REQUIRE(f.event_id != 0);
  // The same event again is the same piece of work.
  CHECK(fire_created(w.plugin, "PO01", "a-1", pgn).event_id == f.event_id);
  REQUIRE(inbox.wait_for({f.event_id}, 60s));
  CHECK(inbox.results[f.event_id] ==
        std::make_pair(int(ECKID_OK), expected_eckid(hpgn, eckid_test::test_sector())));
  const auto info = queue(w.plugin);
  CHECK(info.queued == 0);
  CHECK(info.undelivered == 0);
  // Refused before queueing: a clear status, no event id.
  CHECK(fire_created(w.plugin, "PO01", "a-2", "123456781").status == ECKID_E_INVALID_PGN);
  CHECK(fire_created(w.plugin, "OFF1", "a-2", pgn).status == ECKID_E_NOT_ENABLED);
}

TEST_CASE("many events through 503s, latency and dropped connections all complete once",
          "[outbox][faults][slow]") {
  // Distinct pupils, each enrolled at a PO and a VO school (two sectors: no duplicate PGN),
  // so every event goes to the service through the injected faults. 24 events keep the four
  // workers busy at once. A request fails 4 times in 10 (one roll: 10 % dropped, else 30 %
  // HTTP 503), an attempt (stampseudonym, then ECK iD) 2 times in 3: about 110 requests, so
  // both faults show up (no drop at all: odds about 1 in 100,000) and the retries run through
  // backoff and the breaker, while an event failing all 40 attempts has odds of 1 in 10^7.
  // Each event costs one scrypt, however often it is retried.
  const int pupils = 12;
  Inbox inbox;
  World w({{"--http503-share", "0.3", "--drop-share", "0.1", "--latency-random-ms", "20", "--seed",
            "7"},
           kFastRetries,
           ECKID_DELIVERY_ASYNC,
           Inbox::on_result,
           &inbox});
  inbox.plugin = &w.plugin;
  std::vector<unsigned long long> ids;
  for (int i = 0; i < pupils; ++i) {
    for (const char *school : {"PO01", "VO01"}) {
      const Fired f = fire_created(w.plugin, school, "m-" + std::to_string(i), test_pgn(i));
      REQUIRE(f.status == ECKID_QUEUED);
      ids.push_back(f.event_id);
    }
  }
  // Computed while the plugin works: the HPgns by OpenSSL, not by the plugin's scrypt.
  std::vector<std::string> expected;
  for (int i = 0; i < pupils; ++i) {
    const std::string hpgn = independent_hpgn(test_pgn(i));
    expected.push_back(expected_eckid(hpgn, eckid_test::test_sector()));
    expected.push_back(expected_eckid(hpgn, kOtherSector));
  }
  REQUIRE(inbox.wait_for(ids, 900s));
  std::this_thread::sleep_for(500ms);  // room for a stray duplicate to show up
  std::lock_guard lock(inbox.mutex);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    INFO("event " << i);
    const auto &[status, eckid] = inbox.results[ids[i]];
    CHECK(status == ECKID_OK);
    CHECK(eckid == expected[i]);
    CHECK(inbox.deliveries[ids[i]] == 1);
  }
  std::size_t http503 = 0;
  std::size_t dropped = 0;
  for (const auto &line : w.emulator->log_lines()) {
    http503 += line.find("http503") != std::string::npos ? 1 : 0;
    dropped += line.find("drop") != std::string::npos ? 1 : 0;
  }
  CHECK(http503 > 0);
  CHECK(dropped > 0);
}

TEST_CASE("a retried event computes its HPgns once and keeps them sealed only until it is done",
          "[outbox][hpgn]") {
  // Debug lines say when an event's HPgn is computed ("event N: HPgn computed", no value).
  World w({{}, retries_without_breaker(), ECKID_DELIVERY_ASYNC, nullptr, nullptr, ECKID_LOG_DEBUG});
  w.stop_emulator();  // every attempt fails to connect: transient, retried with backoff
  const auto [pgn0, hpgn0] = vector_pupil(0);
  const auto [pgn1, hpgn1] = vector_pupil(1);
  const auto [pgn2, hpgn2] = vector_pupil(2);
  const Fired created = fire_created(w.plugin, "PO01", "h-1", pgn0);
  eckid_result *r = nullptr;
  REQUIRE(pgn_changed(w.plugin, "PO01", "h-2", pgn1, pgn2, &r) == ECKID_QUEUED);  // two HPgns
  const unsigned long long changed = r->event_id;
  eckid_free(r);
  const Fired forgotten = fire_created(w.plugin, "PO02", "h-3", pgn0);
  REQUIRE(created.status == ECKID_QUEUED);
  REQUIRE(forgotten.status == ECKID_QUEUED);
  const auto line = [](unsigned long long id, const std::string &what) {
    return "event " + std::to_string(id) + what;
  };
  for (const auto id : {created.event_id, changed, forgotten.event_id}) {
    REQUIRE(w.log.wait_for(line(id, " will be retried (attempt 2)"), 1, 120s));
  }
  // Between attempts each event's row holds its HPgns sealed: no state file holds one in clear.
  for (const char *pupil : {"h-1", "h-2", "h-3"}) {
    INFO(pupil);
    CHECK(outbox_rows(w, pupil) == std::vector{std::pair{0, true}});
  }
  for (const auto &hpgn : {hpgn0, hpgn1, hpgn2}) CHECK_FALSE(state_holds(w, hpgn));
  // Forgetting the pupil takes the event and its sealed HPgn.
  REQUIRE(eckid_forget_pupil(w.plugin, "PO02", "h-3") == ECKID_OK);
  CHECK(outbox_rows(w, "h-3").empty());

  w.start_emulator({});
  auto got = poll_results(w, 2);
  REQUIRE(got.size() == 2);
  CHECK(got[created.event_id] ==
        std::pair{int(ECKID_OK), expected_eckid(hpgn0, eckid_test::test_sector())});
  // replaceStampseudonym(old, new): the new HPgn resolves to the old one's ECK iD.
  CHECK(got[changed] == std::pair{int(ECKID_OK), expected_eckid(hpgn1, eckid_test::test_sector())});
  // Each event hashed at its first attempt only; its later attempts used the kept HPgns.
  for (const auto id : {created.event_id, changed, forgotten.event_id}) {
    INFO("event " << id);
    CHECK(w.log.count(line(id, ": HPgn computed")) == 1);
    CHECK(w.log.count(line(id, ": HPgn kept from an earlier attempt")) >= 1);
  }
  // Done: the row stays until acknowledged, without its HPgns; acknowledged: gone.
  CHECK(outbox_rows(w, "h-1") == std::vector{std::pair{1, false}});
  CHECK(outbox_rows(w, "h-2") == std::vector{std::pair{1, false}});
  CHECK(eckid_ack(w.plugin, created.event_id) == ECKID_OK);
  CHECK(eckid_ack(w.plugin, changed) == ECKID_OK);
  CHECK(outbox_rows(w, "h-1").empty());
  CHECK(outbox_rows(w, "h-2").empty());
}

TEST_CASE("an event queued in a state database of schema 4 completes after the upgrade",
          "[outbox][hpgn]") {
  World w({{}, retries_without_breaker(), ECKID_DELIVERY_ASYNC});
  w.stop_emulator();
  const auto [pgn, hpgn] = vector_pupil(0);
  const Fired f = fire_created(w.plugin, "PO01", "u-1", pgn);
  REQUIRE(f.status == ECKID_QUEUED);
  REQUIRE(w.log.wait_for("event " + std::to_string(f.event_id) + " will be retried", 1, 120s));
  w.close();
  // The state database as the plugin before schema 5 left it: no sealed_hpgns column (nor
  // the claim columns of schema 6, nor the table state_meta of schema 7), and version 4 where
  // each engine keeps it.
  auto db = state_db(w);
  db.exec(
      "ALTER TABLE outbox DROP COLUMN sealed_hpgns; ALTER TABLE outbox DROP COLUMN "
      "claim_owner; ALTER TABLE outbox DROP COLUMN claim_until_ms; DROP TABLE state_meta");
  db.exec(db.postgresql() ? "UPDATE schema_version SET version = 4" : "PRAGMA user_version = 4");
  w.start_emulator({});
  w.open();
  const auto got = poll_results(w, 1);
  REQUIRE(got.size() == 1);
  CHECK(got.begin()->first == f.event_id);
  CHECK(got.begin()->second ==
        std::pair{int(ECKID_OK), expected_eckid(hpgn, eckid_test::test_sector())});
  CHECK(outbox_rows(w, "u-1") == std::vector{std::pair{1, false}});
}

TEST_CASE("an HPgn kept for a retry is not used after the salt changed", "[outbox][hpgn]") {
  World w({{}, retries_without_breaker(), ECKID_DELIVERY_ASYNC, nullptr, nullptr, ECKID_LOG_DEBUG});
  w.stop_emulator();
  const std::string pgn = vector_pupil(0).first;
  const Fired f = fire_created(w.plugin, "PO01", "s-1", pgn);
  REQUIRE(f.status == ECKID_QUEUED);
  const std::string event = "event " + std::to_string(f.event_id);
  REQUIRE(w.log.wait_for(event + " will be retried (attempt 2)", 1, 120s));
  w.close();
  REQUIRE(w.log.count(event + ": HPgn computed") == 1);
  const auto kept = w.log.count(event + ": HPgn kept from an earlier attempt");
  // The administrator corrects the salt while the event waits (16 bytes, not the sandbox's).
  const std::string other_salt = "c2FsdC1mb3ItYS10ZXN0IQ==";
  std::ifstream in(w.config);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find(eckid_test::sandbox_salt());
  REQUIRE(at != std::string::npos);
  text.replace(at, eckid_test::sandbox_salt().size(), other_salt);
  w.dir.write("eckid.toml", text);
  w.start_emulator({});
  w.open();
  const auto got = poll_results(w, 1);
  REQUIRE(got.size() == 1);
  CHECK(got.begin()->second ==
        std::pair{int(ECKID_OK),
                  expected_eckid(independent_hpgn(pgn, other_salt), eckid_test::test_sector())});
  // Computed again once under the new salt; never one kept from the old salt.
  CHECK(w.log.count(event + ": HPgn computed") == 2);
  CHECK(w.log.count(event + ": HPgn kept from an earlier attempt") == kept);
}

TEST_CASE("two handles on one state folder process each event once", "[outbox][claims]") {
  // Two open handles on one state folder stand for two processes (a web request and the
  // delivery command): each has its own workers over the one outbox.
  // Each request takes 1.5 s, longer than a handle's idle poll (1 s): without claims both
  // handles would be sending for the same event at once.
  World w({{"--latency-ms", "1500"}, "", ECKID_DELIVERY_ASYNC});
  eckid_plugin *other = nullptr;
  eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
  o.delivery = ECKID_DELIVERY_ASYNC;
  REQUIRE(eckid_open(w.config.c_str(), &o, &other) == ECKID_OK);
  constexpr int kEvents = 8;  // more than one handle's workers take at once
  std::set<unsigned long long> ids;
  for (int i = 0; i < kEvents; ++i) {
    const Fired f = fire_created(w.plugin, "PO01", "c-" + std::to_string(i), test_pgn(i));
    REQUIRE(f.status == ECKID_QUEUED);
    ids.insert(f.event_id);
  }
  const auto got = poll_results(w, kEvents);
  eckid_close(other);
  REQUIRE(got.size() == kEvents);
  for (const auto &[id, result] : got) {
    INFO("event " << id);
    CHECK(ids.contains(id));
    CHECK(result.first == ECKID_OK);
  }
  // One stampseudonym and one ECK iD request per event: no event was processed twice.
  CHECK(count_requests(w, "retrieveStampseudonym") == kEvents);
  CHECK(count_requests(w, "retrieveEckId") == kEvents);
}

TEST_CASE("while the service is down events queue, then drain when it is back", "[outbox]") {
  Inbox inbox;
  World w({{}, kFastRetries, ECKID_DELIVERY_ASYNC, Inbox::on_result, &inbox});
  inbox.plugin = &w.plugin;
  w.stop_emulator();
  std::vector<unsigned long long> ids;
  for (int i = 0; i < 3; ++i) {
    const Fired f = fire_created(w.plugin, "PO01", "d-" + std::to_string(i),
                                 vector_pupil(static_cast<std::size_t>(i)).first);
    REQUIRE(f.status == ECKID_QUEUED);
    ids.push_back(f.event_id);
  }
  // Every attempt fails to connect: after breaker_threshold failures in a row the plugin
  // pauses and probes with ping.
  auto info = queue(w.plugin);
  for (int i = 0; i < 1800 && info.service_paused == 0; ++i) {
    std::this_thread::sleep_for(100ms);
    info = queue(w.plugin);
  }
  CHECK(info.service_paused == 1);
  CHECK(info.queued == 3);
  CHECK(info.oldest_queued_age_ms > 0);
  {
    std::lock_guard lock(inbox.mutex);
    CHECK(inbox.results.empty());
  }
  w.start_emulator({});
  REQUIRE(inbox.wait_for(ids, 120s));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(inbox.results[ids[i]].second ==
          expected_eckid(vector_pupil(i).second, eckid_test::test_sector()));
  }
  CHECK(queue(w.plugin).queued == 0);
}

TEST_CASE("an event waiting for its retry is not due, and the queue says when it is", "[outbox]") {
  // One worker; the retry after a failure 30 to 60 s later (retry_base_ms with its jitter of
  // 50..100 %), longer than the test.
  World w({{},
           "\n[outbox]\nworkers = 1\nretry_base_ms = 60000\nretry_max_ms = 60000\n"
           "breaker_threshold = 1000\nshutdown_wait_ms = 200\n",
           ECKID_DELIVERY_ASYNC});
  w.stop_emulator();
  const long long fired = unix_now_ms();
  REQUIRE(fire_created(w.plugin, "PO01", "w-1", vector_pupil(0).first).status == ECKID_QUEUED);
  // Due (waiting for a worker or in progress) until its attempt fails to connect.
  auto info = queue(w.plugin);
  for (int i = 0; i < 600 && info.due > 0; ++i) {
    std::this_thread::sleep_for(100ms);
    info = queue(w.plugin);
  }
  const long long asked = unix_now_ms();
  REQUIRE(info.due == 0);
  CHECK(info.queued == 1);
  // The attempt failed between `fired` and `asked`, and its retry is 30 to 60 s after it.
  CHECK(info.next_due_in_ms <= 60000);
  CHECK(info.next_due_in_ms >= fired + 30000 - asked);
  // A later event of the same pupil waits for it: events of a pupil go in order.
  REQUIRE(fire_created(w.plugin, "PO02", "w-1", vector_pupil(0).first).status == ECKID_QUEUED);
  info = queue(w.plugin);
  CHECK(info.queued == 2);
  CHECK(info.due == 0);
}

TEST_CASE("a permanent fault is not retried, and a manual retry works once fixed", "[outbox]") {
  // The service does not accept the school's OIN: a SOAP fault, not worth retrying.
  // A long deadline: the synchronous call returns the outcome even on a busy machine.
  std::string config = kFastRetries;
  config.replace(config.find("deadline_ms = 2000"), 18, "deadline_ms = 120000");
  World w({{"--allowed-oins", "99999999999999999999"}, config});
  const auto [pgn, hpgn] = vector_pupil(0);
  eckid_pupil_created_event e = ECKID_PUPIL_CREATED_EVENT_INIT;
  e.school_key = "PO01";
  e.pupil_key = "f-1";
  e.pgn = pgn.c_str();
  eckid_result *r = nullptr;
  REQUIRE(eckid_pupil_created(w.plugin, &e, &r) == ECKID_E_SOAP_FAULT);
  REQUIRE(r != nullptr);
  const unsigned long long id = r->event_id;
  const std::string message = r->message;
  eckid_free(r);
  CHECK_THAT(message, Catch::Contains("fault"));
  CHECK_THAT(eckid_last_error(), Catch::Contains("fault"));
  // The fault as the emulator sends it (tests/emulator/README.md, "Faults": OinNotAllowed).
  const char *code = nullptr, *string = nullptr, *actor = nullptr;
  CHECK(eckid_last_fault(&code, &string, &actor) == ECKID_OK);
  CHECK_THAT(code, Catch::EndsWith(":Client"));
  CHECK_THAT(string, Catch::Contains("not authorised"));
  CHECK(std::string(actor).empty());
  std::this_thread::sleep_for(1s);
  CHECK(w.requests() == 1);  // one attempt, no retries
  CHECK(queue(w.plugin).failed == 1);
  unsigned long long listed[4] = {};
  std::size_t n = 0;
  REQUIRE(eckid_list_failed(w.plugin, listed, 4, &n) == ECKID_OK);
  CHECK(n == 1);
  CHECK(listed[0] == id);

  w.stop_emulator();
  w.start_emulator({});
  unsigned long long count = 0;
  REQUIRE(eckid_retry_failed(w.plugin, id, &count) == ECKID_OK);
  CHECK(count == 1);
  eckid_status status = ECKID_QUEUED;
  for (int i = 0; i < 600 && status == ECKID_QUEUED; ++i) {
    std::this_thread::sleep_for(100ms);
    REQUIRE(eckid_event_result(w.plugin, id, &r) == ECKID_OK);
    status = static_cast<eckid_status>(r->status);
    if (status == ECKID_OK)
      CHECK(std::string(r->eckids[0]->eckid) == expected_eckid(hpgn, eckid_test::test_sector()));
    eckid_free(r);
  }
  CHECK(status == ECKID_OK);
  REQUIRE(eckid_list_failed(w.plugin, nullptr, 0, &n) == ECKID_OK);
  CHECK(n == 0);
  CHECK(eckid_retry_failed(w.plugin, 424242, nullptr) == ECKID_E_NOT_FOUND);
}

TEST_CASE("an event fired again after it failed for good is a new attempt, not a wait",
          "[outbox]") {
  // Issue 13: the repeat found the failed row and waited out the whole deadline for a
  // hand-off that never came, then returned the old failure without a request.
  std::string config = kFastRetries;
  config.replace(config.find("deadline_ms = 2000"), 18, "deadline_ms = 60000");
  config.replace(config.find("max_attempts = 40"), 17, "max_attempts = 2");
  World w({{"--http503-share", "1"}, config});
  const auto [pgn, hpgn] = vector_pupil(0);
  const auto failed = w.created("PO01", "again-1", pgn);
  REQUIRE(failed.first != ECKID_OK);
  REQUIRE(failed.first != ECKID_QUEUED);
  CHECK(queue(w.plugin).failed == 1);
  w.stop_emulator();
  w.start_emulator({});  // the service recovers
  const auto again = w.created("PO01", "again-1", pgn);
  CHECK(again.first == ECKID_OK);
  CHECK(again.second == expected_eckid(hpgn, eckid_test::test_sector()));
  CHECK(w.requests() > 0);
  CHECK(queue(w.plugin).failed == 0);
}

TEST_CASE("an event's fault is kept with it: eckid_last_fault() after a poll, also after reopen",
          "[outbox][fault]") {
  World w({{"--allowed-oins", "99999999999999999999"}, kFastRetries, ECKID_DELIVERY_ASYNC});
  const Fired f = fire_created(w.plugin, "PO01", "f-2", vector_pupil(0).first);
  REQUIRE(f.status == ECKID_QUEUED);
  eckid_result *r = nullptr;
  eckid_status s = ECKID_E_NOT_FOUND;
  for (int i = 0; i < 1200 && s == ECKID_E_NOT_FOUND; ++i) {
    s = eckid_poll(w.plugin, &r);
    if (s == ECKID_E_NOT_FOUND) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(s == ECKID_OK);
  CHECK(r->event_id == f.event_id);
  CHECK(r->status == ECKID_E_SOAP_FAULT);
  eckid_free(r);
  // The fault as the emulator sends it (tests/emulator/README.md, "Faults": OinNotAllowed).
  auto fault = [] {
    const char *code = nullptr, *string = nullptr, *actor = nullptr;
    const eckid_status status = eckid_last_fault(&code, &string, &actor);
    return std::make_tuple(status, std::string(code), std::string(string), std::string(actor));
  };
  const auto [status, code, string, actor] = fault();
  CHECK(status == ECKID_OK);
  CHECK_THAT(code, Catch::EndsWith(":Client"));
  CHECK_THAT(string, Catch::Contains("not authorised"));
  CHECK(actor.empty());
  // A call without a fault clears it; the event's result brings it back, also after reopen.
  queue(w.plugin);
  CHECK(std::get<0>(fault()) == ECKID_E_INVALID_ARGUMENT);
  w.close();
  w.open();
  REQUIRE(eckid_event_result(w.plugin, f.event_id, &r) == ECKID_OK);
  eckid_free(r);
  CHECK(fault() == std::make_tuple(ECKID_OK, code, string, actor));
}

TEST_CASE("close leaves unfinished events queued and the next open completes them", "[outbox]") {
  // Slow answers, a short shutdown wait: close returns with work still queued.
  World w({{"--latency-ms", "1500"}, kFastRetries, ECKID_DELIVERY_ASYNC});
  std::vector<unsigned long long> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(fire_created(w.plugin, "PO01", "c-" + std::to_string(i),
                               vector_pupil(static_cast<std::size_t>(i)).first)
                      .event_id);
  }
  w.close();
  w.stop_emulator();
  w.start_emulator({});
  w.open();
  // Everything arrives through polling, each result once until acknowledged.
  std::map<unsigned long long, std::string> got;
  for (int i = 0; i < 1200 && got.size() < ids.size(); ++i) {
    eckid_result *r = nullptr;
    const eckid_status s = eckid_poll(w.plugin, &r);
    if (s == ECKID_E_NOT_FOUND) {
      std::this_thread::sleep_for(100ms);
      continue;
    }
    REQUIRE(s == ECKID_OK);
    INFO(r->message);
    CHECK(r->status == ECKID_OK);
    CHECK_FALSE(got.contains(r->event_id));
    got[r->event_id] = r->count == 1 ? r->eckids[0]->eckid : "";
    CHECK(eckid_ack(w.plugin, r->event_id) == ECKID_OK);
    eckid_free(r);
  }
  REQUIRE(got.size() == ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(got[ids[i]] == expected_eckid(vector_pupil(i).second, eckid_test::test_sector()));
  }
  CHECK(eckid_ack(w.plugin, ids[0]) == ECKID_E_NOT_FOUND);
}

TEST_CASE("a damaged state database is a clear status at open, never a crash", "[outbox]") {
  World w({{}, kFastRetries});
  const auto state = w.config.parent_path() / "state";
  w.close();
  std::string name;  // what the message must name
  if (w.postgres.empty()) {
    // SQLite: the file overwritten with bytes that are no database.
    std::filesystem::remove(state / "eckid.db-wal");
    std::filesystem::remove(state / "eckid.db-shm");
    std::ofstream(state / "eckid.db", std::ios::binary | std::ios::trunc)
        << std::string(8192, '\x5a');
    name = "eckid.db";
  } else {
    // PostgreSQL: the schema without its version row and missing a table.
    state_db(w).exec("DELETE FROM schema_version; DROP TABLE pupil_eckid");
    name = schema_for(w.config.parent_path());
  }
  eckid_plugin *p = nullptr;
  CHECK(eckid_open(w.config.c_str(), nullptr, &p) == ECKID_E_STATE);
  CHECK(p == nullptr);
  CHECK_THAT(eckid_last_error(), Catch::Contains(name));
}

TEST_CASE("the outbox keeps no PGN in the clear", "[outbox][privacy]") {
  World w({{"--http503-share", "1"}, kFastRetries, ECKID_DELIVERY_ASYNC});
  const std::string pgn = vector_pupil(0).first;
  REQUIRE(fire_created(w.plugin, "PO01", "s-1", pgn).status == ECKID_QUEUED);
  w.close();  // the event stays queued, its PGN sealed
  CHECK_FALSE(state_holds(w, pgn));
  check_integrity(w);
}

TEST_CASE("a host killed at random moments loses no accepted event", "[outbox][crash]") {
  World w({{"--latency-random-ms", "50"}, kFastRetries, ECKID_DELIVERY_ASYNC});
  w.close();  // no plugin threads in this process while it forks
  std::mt19937 random(20261129);
  std::map<unsigned long long, std::string> accepted;  // event id -> expected ECK iD
  // Six pupil keys per round with three PGNs: per PGN one key gets the ECK iD, the others
  // are refused as duplicates (ECKID_E_DUPLICATE_PGN); both are outcomes of a completed event.
  for (int round = 0; round < 4; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The "host": fires a few events, reports each accepted event id, and lets the
      // plugin's workers process them until it is killed (hashing, calling or writing).
      ::close(fds[0]);
      eckid_plugin *p = nullptr;
      eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
      o.delivery = ECKID_DELIVERY_ASYNC;
      if (eckid_open(w.config.c_str(), &o, &p) != ECKID_OK) _exit(2);
      for (int i = 0; i < 6; ++i) {
        const auto [pgn, hpgn] = vector_pupil(static_cast<std::size_t>(i % 3));
        const Fired f =
            fire_created(p, "PO01", "k-" + std::to_string(round) + "-" + std::to_string(i), pgn);
        if (f.status != ECKID_QUEUED) _exit(3);
        const std::string line = std::to_string(f.event_id) + " " + std::to_string(i % 3) + "\n";
        if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
      }
      for (;;) pause();
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 3000)(random)));
    REQUIRE(kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    FILE *in = fdopen(fds[0], "r");
    unsigned long long id = 0;
    int vector = 0;
    while (std::fscanf(in, "%llu %d", &id, &vector) == 2) {
      accepted[id] = expected_eckid(vector_pupil(static_cast<std::size_t>(vector)).second,
                                    eckid_test::test_sector());
    }
    std::fclose(in);
  }
  REQUIRE_FALSE(accepted.empty());
  // After the last kill: open again; every accepted event completes with the right ECK iD.
  w.open();
  std::map<unsigned long long, std::string> done;
  for (int i = 0; i < 6000 && done.size() < accepted.size(); ++i) {
    eckid_result *r = nullptr;
    if (eckid_poll(w.plugin, &r) != ECKID_OK) {
      std::this_thread::sleep_for(100ms);
      continue;
    }
    if (r->status == ECKID_OK && r->count == 1) done[r->event_id] = r->eckids[0]->eckid;
    if (r->status == ECKID_E_DUPLICATE_PGN) done[r->event_id] = "duplicate";
    eckid_ack(w.plugin, r->event_id);
    eckid_free(r);
  }
  std::map<std::string, int> holders;  // ECK iD -> events that got it
  for (const auto &[id, eckid] : accepted) {
    INFO("event " << id);
    CHECK((done[id] == eckid || done[id] == "duplicate"));
    if (done[id] == eckid) ++holders[eckid];
  }
  for (const auto &[eckid, events] : holders) CHECK(events == 1);
  w.close();
  check_integrity(w);
}
