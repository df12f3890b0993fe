// eckid_forget_pupil(): a deleted pupil leaves nothing in the plugin, and a new pupil who gets
// the same pupil key starts from nothing. Expected ECK iDs come from the published HPgn vectors
// and the emulator's documented derivation (world.hpp), never from the plugin.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "world.hpp"

using namespace eckid_events;
using namespace std::chrono_literals;

namespace {

// Rows that name the pupil key, in every table of the state database that holds pupil data,
// read from the database directly (not through the plugin).
int rows_of(const World &w, const std::string &school, const std::string &pupil) {
  auto db = state_db(w);
  int rows = 0;
  for (const char *table : {"pupil", "pupil_eckid", "outbox", "onboard_known"}) {
    rows += std::stoi(db.rows(std::string("SELECT COUNT(*) FROM ") + table +
                                  " WHERE school_key = ?1 AND pupil_key = ?2",
                              {school, pupil})
                          .at(0)
                          .at(0));
  }
  return rows;
}

std::string lookup(eckid_plugin *plugin, const std::string &school, const std::string &pupil,
                   eckid_status *status) {
  eckid_result *r = nullptr;
  *status = eckid_pupil_lookup(plugin, school.c_str(), pupil.c_str(), &r);
  const std::string id = r != nullptr && r->count == 1 ? r->eckids[0]->eckid : "";
  eckid_free(r);
  return id;
}

// Event ids of the results delivered through the callback (plugin threads).
struct Delivered {
  eckid_plugin **plugin = nullptr;
  std::mutex mutex;
  std::condition_variable arrived;
  std::set<unsigned long long> ids;
  static void on_result(const eckid_result *r, void *payload) {
    auto *self = static_cast<Delivered *>(payload);
    {
      std::lock_guard lock(self->mutex);
      self->ids.insert(r->event_id);
    }
    eckid_ack(*self->plugin, r->event_id);
    self->arrived.notify_all();
  }
  bool wait_for(unsigned long long id, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex);
    return arrived.wait_for(lock, timeout, [&] { return ids.contains(id); });
  }
  bool got(unsigned long long id) {
    std::lock_guard lock(mutex);
    return ids.contains(id);
  }
};

}  // namespace

TEST_CASE(
    "a forgotten pupil leaves nothing and a new pupil with the same key never gets the "
    "old ECK iD",
    "[events][forget]") {
  World w;
  const auto [old_pgn, old_hpgn] = vector_pupil(0);
  const auto [new_pgn, new_hpgn] = vector_pupil(1);
  const std::string old_id = expected_eckid(old_hpgn, eckid_test::test_sector());
  REQUIRE(w.created("PO01", "reused", old_pgn) == std::pair(ECKID_OK, old_id));
  REQUIRE(rows_of(w, "PO01", "reused") > 0);

  REQUIRE(eckid_forget_pupil(w.plugin, "PO01", "reused") == ECKID_OK);
  eckid_status s = ECKID_OK;
  CHECK(lookup(w.plugin, "PO01", "reused", &s).empty());
  CHECK(s == ECKID_E_NOT_FOUND);
  CHECK(rows_of(w, "PO01", "reused") == 0);
  CHECK_FALSE(state_holds(w, old_hpgn));  // SQLite: nor in freed pages or the journal
  CHECK_FALSE(state_holds(w, old_id));
  // Nothing recorded is not an error: forgetting again, or at a disabled school, is fine.
  CHECK(eckid_forget_pupil(w.plugin, "PO01", "reused") == ECKID_OK);
  CHECK(eckid_forget_pupil(w.plugin, "OFF1", "reused") == ECKID_OK);
  CHECK(eckid_forget_pupil(w.plugin, "NOPE", "reused") == ECKID_E_UNKNOWN_SCHOOL);
  CHECK(eckid_forget_pupil(w.plugin, "PO01", "") == ECKID_E_INVALID_ARGUMENT);
  const std::string long_key(ECKID_MAX_KEY_BYTES + 1, 'k');
  CHECK(eckid_forget_pupil(w.plugin, "PO01", long_key.c_str()) == ECKID_E_INVALID_ARGUMENT);
  CHECK(eckid_forget_pupil(nullptr, "PO01", "reused") == ECKID_E_INVALID_HANDLE);

  // A new pupil reuses the key with another PGN: its own ECK iD (before the forget this was
  // ECKID_E_PUPIL_CONFLICT), from a new request to the service.
  const std::size_t before = w.requests();
  const auto [status, new_id] = w.created("PO01", "reused", new_pgn);
  REQUIRE(status == ECKID_OK);
  CHECK(new_id == expected_eckid(new_hpgn, eckid_test::test_sector()));
  CHECK(new_id != old_id);
  CHECK(w.requests() > before);
  CHECK(lookup(w.plugin, "PO01", "reused", &s) == new_id);
}

TEST_CASE("a forgotten pupil's queued event is never sent and its result never delivered",
          "[events][forget][outbox]") {
  eckid_test::TempDir logs;
  const std::vector<std::string> args{"--hpgn-log", (logs.path() / "hpgns.log").string()};
  Delivered delivered;
  World w({args, kFastRetries, ECKID_DELIVERY_ASYNC, Delivered::on_result, &delivered});
  delivered.plugin = &w.plugin;
  w.stop_emulator();
  const auto [gone_pgn, gone_hpgn] = vector_pupil(0);
  const auto [kept_pgn, kept_hpgn] = vector_pupil(1);
  const Fired gone = fire_created(w.plugin, "PO01", "deleted", gone_pgn);
  const Fired kept = fire_created(w.plugin, "PO01", "stays", kept_pgn);
  REQUIRE(gone.status == ECKID_QUEUED);
  REQUIRE(kept.status == ECKID_QUEUED);

  REQUIRE(eckid_forget_pupil(w.plugin, "PO01", "deleted") == ECKID_OK);
  eckid_result *r = nullptr;
  CHECK(eckid_event_result(w.plugin, gone.event_id, &r) == ECKID_E_NOT_FOUND);
  CHECK(rows_of(w, "PO01", "deleted") == 0);

  w.start_emulator(args);
  // The other pupil's event goes through; by then the queue is empty: nothing is left of the
  // forgotten one to send later.
  REQUIRE(delivered.wait_for(kept.event_id, 120s));
  eckid_queue_info info = ECKID_QUEUE_INFO_INIT;
  REQUIRE(eckid_queue_status(w.plugin, &info) == ECKID_OK);
  CHECK(info.queued == 0);
  CHECK_FALSE(delivered.got(gone.event_id));
  std::ifstream in(args[1]);
  const std::string sent((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(sent.find(kept_hpgn) != std::string::npos);
  CHECK(sent.find(gone_hpgn) == std::string::npos);
  eckid_status s = ECKID_OK;
  lookup(w.plugin, "PO01", "deleted", &s);
  CHECK(s == ECKID_E_NOT_FOUND);
}

TEST_CASE(
    "forgetting at the old school after a same-sector transfer keeps the new school's "
    "ECK iD",
    "[events][forget]") {
  World w;
  const auto [pgn, hpgn] = vector_pupil(1);
  const std::string id = expected_eckid(hpgn, eckid_test::test_sector());
  REQUIRE(w.created("PO01", "moved", pgn) == std::pair(ECKID_OK, id));
  REQUIRE(w.transferred("PO01", "PO02", "moved", pgn) == std::pair(ECKID_OK, id));

  REQUIRE(eckid_forget_pupil(w.plugin, "PO01", "moved") == ECKID_OK);
  eckid_status s = ECKID_OK;
  lookup(w.plugin, "PO01", "moved", &s);
  CHECK(s == ECKID_E_NOT_FOUND);
  CHECK(rows_of(w, "PO01", "moved") == 0);
  CHECK(lookup(w.plugin, "PO02", "moved", &s) == id);
  CHECK(s == ECKID_OK);
  // The new school still knows the pupil: created there again is answered from its record.
  const std::size_t before = w.requests();
  CHECK(w.created("PO02", "moved", pgn) == std::pair(ECKID_OK, id));
  CHECK(w.requests() == before);
}

TEST_CASE("an event in progress when its pupil is forgotten does not write the record back",
          "[events][forget][outbox]") {
  // Every answer takes 2 s: the forget comes while the service works on retrieveEckId.
  Delivered delivered;
  World w({{"--latency-ms", "2000"},
           kFastRetries,
           ECKID_DELIVERY_ASYNC,
           Delivered::on_result,
           &delivered});
  delivered.plugin = &w.plugin;
  const auto [pgn, hpgn] = vector_pupil(0);
  const Fired f = fire_created(w.plugin, "PO01", "racing", pgn);
  REQUIRE(f.status == ECKID_QUEUED);
  const auto asked = [&] {
    for (const auto &line : w.emulator->log_lines()) {
      if (line.find("retrieveEckId") != std::string::npos) return true;
    }
    return false;
  };
  for (int i = 0; i < 600 && !asked(); ++i) std::this_thread::sleep_for(50ms);
  REQUIRE(asked());

  REQUIRE(eckid_forget_pupil(w.plugin, "PO01", "racing") == ECKID_OK);
  // The worker gets its answer after the forget: either it drops the outcome (logged) or,
  // wrongly, records the pupil ("pupil created").
  for (int i = 0; i < 600 && !w.log.contains("while in progress") &&
                  !w.log.contains("pupil created: pupil 'racing'");
       ++i) {
    std::this_thread::sleep_for(50ms);
  }
  CHECK(w.log.contains("was forgotten (eckid_forget_pupil()) while in progress"));
  eckid_status s = ECKID_OK;
  lookup(w.plugin, "PO01", "racing", &s);
  CHECK(s == ECKID_E_NOT_FOUND);
  CHECK(rows_of(w, "PO01", "racing") == 0);
  CHECK_FALSE(delivered.got(f.event_id));
}
