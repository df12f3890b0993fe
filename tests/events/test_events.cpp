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
  CHECK(std::string(r->eckids[0]->eckid) == id);
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
  CHECK(std::string(r->eckids[0]->eckid) == po);
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
  eckid_result *r = nullptr;
  REQUIRE(pgn_changed(w.plugin, "PO01", "p-4", onderwijsnummer, bsn, &r) == ECKID_OK);
  CHECK(std::string(r->eckids[0]->eckid) == id);
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

TEST_CASE("two pupil keys with one PGN in a sector: the second is refused, naming the first",
          "[events][duplicate]") {
  World w;
  const auto [pgn, hpgn] = vector_pupil(0);
  REQUIRE(w.created("PO01", "p-a", pgn).first == ECKID_OK);
  const std::size_t before = w.requests();
  // At the same school, at another school of the sector, and transferred into one.
  CHECK(w.created("PO01", "p-b", pgn).first == ECKID_E_DUPLICATE_PGN);
  CHECK_THAT(eckid_last_error(), Catch::Contains("'p-a' at school 'PO01'"));
  CHECK(std::string(eckid_last_error()).find(pgn) == std::string::npos);
  CHECK(w.created("PO02", "p-b", pgn).first == ECKID_E_DUPLICATE_PGN);
  CHECK(w.transferred("VO01", "PO02", "p-b", pgn).first == ECKID_E_DUPLICATE_PGN);
  CHECK(w.requests() == before);  // nothing asked for the refused pupil
  eckid_result *r = nullptr;
  CHECK(eckid_pupil_lookup(w.plugin, "PO02", "p-b", &r) == ECKID_E_NOT_FOUND);
  // The same pupil key again, or moving within the sector, is the same pupil.
  CHECK(w.created("PO01", "p-a", pgn).first == ECKID_OK);
  CHECK(w.transferred("PO01", "PO02", "p-a", pgn).first == ECKID_OK);
  // Another sector gives another ECK iD: no two records share one.
  CHECK(w.created("VO01", "p-b", pgn) ==
        std::make_pair(ECKID_OK, expected_eckid(hpgn, kOtherSector)));
}

TEST_CASE("a PGN change to another pupil's PGN is refused before replaceStampseudonym",
          "[events][duplicate]") {
  World w;
  const auto [bsn, bsn_hpgn] = vector_pupil(1);
  const auto [onderwijsnummer, own_hpgn] = vector_pupil(2);
  REQUIRE(w.created("PO01", "p-x", bsn).first == ECKID_OK);
  REQUIRE(w.created("PO02", "p-y", onderwijsnummer).first == ECKID_OK);
  eckid_result *r = nullptr;
  CHECK(pgn_changed(w.plugin, "PO02", "p-y", onderwijsnummer, bsn, &r) == ECKID_E_DUPLICATE_PGN);
  eckid_free(r);
  CHECK_THAT(eckid_last_error(), Catch::Contains("'p-x' at school 'PO01'"));
  for (const auto &line : w.emulator->log_lines()) {
    CHECK(line.find("replaceStampseudonym") == std::string::npos);
  }
  REQUIRE(eckid_pupil_lookup(w.plugin, "PO02", "p-y", &r) == ECKID_OK);
  CHECK(std::string(r->eckids[0]->eckid) == expected_eckid(own_hpgn, eckid_test::test_sector()));
  eckid_free(r);
}

TEST_CASE("a date that does not exist is refused, named, before anything is stored or sent",
          "[events][dates]") {
  World w;
  const auto [pgn, hpgn] = vector_pupil(0);
  const auto [new_pgn, new_hpgn] = vector_pupil(1);
  eckid_result *r = nullptr;
  eckid_pupil_created_event c = ECKID_PUPIL_CREATED_EVENT_INIT;
  c.school_key = "PO01";
  c.pupil_key = "p-d";
  c.pgn = pgn.c_str();
  c.enrolment_date = "2025-02-29";  // 2025 is not a leap year
  CHECK(eckid_pupil_created(w.plugin, &c, &r) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::StartsWith("enrolment_date '2025-02-29'"));
  eckid_pupil_transferred_event t = ECKID_PUPIL_TRANSFERRED_EVENT_INIT;
  t.pupil_key = "p-d";
  t.from_school_key = "PO01";
  t.to_school_key = "PO02";
  t.pgn = pgn.c_str();
  t.date = "2025-13-01";
  CHECK(eckid_pupil_transferred(w.plugin, &t, &r) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::StartsWith("date '2025-13-01'"));
  eckid_pgn_changed_event p = ECKID_PGN_CHANGED_EVENT_INIT;
  p.school_key = "PO01";
  p.pupil_key = "p-d";
  p.old_pgn = pgn.c_str();
  p.new_pgn = new_pgn.c_str();
  for (const char *date : {"2025-13-45", "2026-08-01T24:00:00Z", "2026-08-01T00:00:00+15:00"}) {
    INFO(date);
    p.effective_date = date;
    CHECK(eckid_pgn_changed(w.plugin, &p, &r) == ECKID_E_INVALID_ARGUMENT);
    CHECK_THAT(eckid_last_error(), Catch::StartsWith(std::string("effective_date '") + date));
    CHECK(r == nullptr);
  }
  eckid_queue_info info = ECKID_QUEUE_INFO_INIT;
  REQUIRE(eckid_queue_status(w.plugin, &info) == ECKID_OK);
  CHECK(info.queued + info.failed + info.undelivered == 0);
  CHECK(w.requests() == 0);
  // A date that exists is accepted.
  c.enrolment_date = "2024-02-29";
  CHECK(eckid_pupil_created(w.plugin, &c, &r) == ECKID_OK);
  eckid_free(r);
}
