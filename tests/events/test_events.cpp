// Events through the public C ABI against the emulator. Expected ECK iDs are derived here
// independently, from the published HPgn vectors and the emulator's documented derivation
// (tests/emulator/README.md: HMAC-SHA-512 under the secret).
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "world.hpp"

using namespace eckid_events;

TEST_CASE("pupil created: the ECK iD for the school's sector, recorded", "[events]") {
  World w;
  const auto [pgn, hpgn] = vector_pupil(0);
  const auto [status, id] = w.created("PO01", "p-1", pgn);
  REQUIRE(status == ECKID_OK);
  CHECK(id == expected_eckid(hpgn, eckid_test::test_sector()));

  eckid_result *r = nullptr;
  REQUIRE(eckid_pupil_lookup(w.plugin, "PO01", "p-1", &r) == ECKID_OK);
  CHECK(std::string(r->eckids[0].eckid) == id);
  CHECK(std::string(r->sector) == eckid_test::test_sector());
  eckid_free(r);
  CHECK(eckid_pupil_lookup(w.plugin, "PO02", "p-1", &r) == ECKID_E_NOT_FOUND);

  // Fired again (a host retry): same answer, no new request.
  const std::size_t before = w.requests();
  CHECK(w.created("PO01", "p-1", pgn).second == id);
  CHECK(w.requests() == before);
  // The same pupil key with another PGN is a conflict, not a silent overwrite.
  CHECK(w.created("PO01", "p-1", vector_pupil(1).first).first == ECKID_E_PUPIL_CONFLICT);
}

TEST_CASE("transfer in the same sector keeps the ECK iD without a service call", "[events]") {
  World w;
  const auto [pgn, hpgn] = vector_pupil(1);
  const std::string id = w.created("PO01", "p-2", pgn).second;
  const std::size_t before = w.requests();
  const auto [status, kept] = w.transferred("PO01", "PO02", "p-2", pgn);
  REQUIRE(status == ECKID_OK);
  CHECK(kept == id);
  CHECK(w.requests() == before);
}

TEST_CASE("transfer to another sector gives a new ECK iD and the old one stays", "[events]") {
  World w;
  const auto [pgn, hpgn] = vector_pupil(1);
  const std::string po = w.created("PO01", "p-3", pgn).second;
  const auto [status, vo] = w.transferred("PO01", "VO01", "p-3", pgn);
  REQUIRE(status == ECKID_OK);
  CHECK(vo == expected_eckid(hpgn, kOtherSector));
  CHECK(vo != po);
  eckid_result *r = nullptr;
  REQUIRE(eckid_pupil_lookup(w.plugin, "PO01", "p-3", &r) == ECKID_OK);
  CHECK(std::string(r->eckids[0].eckid) == po);
  eckid_free(r);
  // The transfer's PGN must be the recorded one.
  CHECK(w.transferred("PO01", "PO02", "p-3", vector_pupil(0).first).first ==
        ECKID_E_PUPIL_CONFLICT);
}

TEST_CASE("onderwijsnummer then BSN: the same ECK iD", "[events]") {
  World w;
  const auto [onderwijsnummer, old_hpgn] = vector_pupil(2);
  const auto [bsn, new_hpgn] = vector_pupil(1);
  REQUIRE(eckid_pgn_validate(onderwijsnummer.c_str(), ECKID_PGN_PUPIL, nullptr) == ECKID_OK);
  const std::string id = w.created("PO01", "p-4", onderwijsnummer).second;
  eckid_pgn_changed_event e = ECKID_PGN_CHANGED_EVENT_INIT;
  e.school_key = "PO01";
  e.pupil_key = "p-4";
  e.old_pgn = onderwijsnummer.c_str();
  e.new_pgn = bsn.c_str();
  eckid_result *r = nullptr;
  REQUIRE(eckid_pgn_changed(w.plugin, &e, &r) == ECKID_OK);
  CHECK(std::string(r->eckids[0].eckid) == id);
  CHECK(id == expected_eckid(old_hpgn, eckid_test::test_sector()));
  eckid_free(r);
  // Afterwards the pupil is known by the BSN: created with it again gives the same ECK iD.
  CHECK(w.created("PO01", "p-4", bsn).second == id);
  bool logged_replace = false;
  for (const auto &line : w.emulator->log_lines()) {
    logged_replace = logged_replace || line.find("replaceStampseudonym") != std::string::npos;
  }
  CHECK(logged_replace);
}

TEST_CASE("a school not enabled, or before its start date, sends nothing", "[events]") {
  World w;
  const std::string pgn = vector_pupil(0).first;
  const std::size_t before = w.requests();
  CHECK(w.created("OFF1", "p-5", pgn).first == ECKID_E_NOT_ENABLED);
  CHECK_THAT(eckid_last_error(), Catch::Contains("not enabled"));
  CHECK(w.created("LATE", "p-5", pgn).first == ECKID_E_NOT_ENABLED);
  CHECK_THAT(eckid_last_error(), Catch::Contains("2099-08-01"));
  CHECK(w.created("NOPE", "p-5", pgn).first == ECKID_E_UNKNOWN_SCHOOL);
  CHECK(w.requests() == before);
}

TEST_CASE("an invalid PGN sends nothing and is never logged", "[events][privacy]") {
  World w;
  const std::size_t before = w.requests();
  for (const std::string bad : {"123456781", "12345678", "1234 5678"}) {
    CHECK(w.created("PO01", "p-6", bad).first == ECKID_E_INVALID_PGN);
    CHECK(std::string(eckid_last_error()).find(bad) == std::string::npos);
    CHECK_FALSE(w.log.contains(bad));
  }
  CHECK(w.requests() == before);
}

TEST_CASE("events from 8 threads at once are all correct", "[events][threads]") {
  World w;
  // Two pupils per vector, at different schools and sectors: 6 events, each with its own
  // expected ECK iD, fired from 8 threads (some threads repeat an event: idempotent).
  struct Job {
    std::string school, pupil, pgn, expected;
  };
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto [pgn, hpgn] = vector_pupil(i);
    jobs.push_back(
        {"PO01", "t-" + std::to_string(i), pgn, expected_eckid(hpgn, eckid_test::test_sector())});
    jobs.push_back({"VO01", "t-" + std::to_string(i), pgn, expected_eckid(hpgn, kOtherSector)});
  }
  std::vector<std::string> got(8);
  std::vector<eckid_status> status(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const Job &j = jobs[t % jobs.size()];
      std::tie(status[t], got[t]) = w.created(j.school, j.pupil, j.pgn);
    });
  }
  for (auto &t : threads) t.join();
  for (std::size_t t = 0; t < 8; ++t) {
    INFO("thread " << t);
    CHECK(status[t] == ECKID_OK);
    CHECK(got[t] == jobs[t % jobs.size()].expected);
  }
}
