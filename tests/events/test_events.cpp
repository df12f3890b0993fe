// Events through the public C ABI against the emulator. Expected ECK iDs are derived here
// independently, from the published HPgn vectors and the emulator's documented derivation
// (tests/emulator/README.md: HMAC-SHA-512 under the secret).
#include <eckid/eckid.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "emulator_process.hpp"
#include "test_support.hpp"

namespace {

const std::string kSecret = "event test secret";
const std::string kOtherSector =
    "http://purl.edustandaard.nl/begrippenkader/9f3c6a2e-4b1d-4e8a-9c7f-2d5e8b1a6c04";

std::string hmac_hex(const std::string &message) {
  unsigned char mac[64];
  unsigned int len = 0;
  HMAC(EVP_sha512(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac, &len);
  static const char *digits = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 15];
  }
  return hex;
}

// The ECK iD the emulator gives an HPgn in a sector, computed independently.
std::string expected_eckid(const std::string &hpgn, const std::string &sector) {
  const std::string stamp = "https://ketenid.nl/sppilot/" + hmac_hex("stampseudonym|" + hpgn);
  return "https://ketenid.nl/pilot/" +
         hmac_hex("eckid|" + stamp + "|" + eckid_test::test_chain() + "|" + sector);
}

// A published vector: (pgn, hpgn).
std::pair<std::string, std::string> vector_pupil(std::size_t i) {
  const auto &t = *eckid_test::vectors()["hpgn"].as_array()->get(i)->as_table();
  return {*t["pgn"].value<std::string>(), *t["hpgn"].value<std::string>()};
}

std::string school(const std::string &key, const std::string &sector, const std::string &extra) {
  return "[[school]]\nkey = \"" + key + "\"\noin = \"000000070000" + key + "1234\"\nsector = \"" +
         sector + "\"\nchains = [\"" + eckid_test::test_chain() + "\"]\n" + extra + "\n";
}

struct LogLines {
  std::vector<std::string> lines;
};
void collect(eckid_log_level, const char *message, void *payload) {
  static_cast<LogLines *>(payload)->lines.emplace_back(message);
}

// An emulator and a plugin opened on a configuration with five schools:
// PO01, PO02 (test sector), VO01 (other sector), OFF1 (disabled), LATE (starts in 2099).
struct World {
  eckid_test::TempDir dir;
  eckid::emulator_test::Emulator emulator{{"--secret", kSecret}};
  LogLines log;
  eckid_plugin *plugin = nullptr;

  World() {
    dir.add_pki();
    const std::string sector = eckid_test::test_sector();
    const std::string config =
        "[service]\nenvironment = \"sandbox\"\nendpoint = \"" + emulator.url() + "\"\nsalt = \"" +
        eckid_test::sandbox_salt() +
        "\"\nclient_certificate = \"client.p12\"\nkey_password_file = \"client.p12.pass\"\n"
        "ca_bundle = \"ca.pem\"\nrequest_timeout_ms = 20000\n\n" +
        school("PO01", sector, "enabled = true") + school("PO02", sector, "enabled = true") +
        school("VO01", kOtherSector, "enabled = true") + school("OFF1", sector, "enabled = false") +
        school("LATE", sector, "enabled = true\nstart_date = 2099-08-01");
    const auto path = dir.write("eckid.toml", config);
    eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
    o.log = collect;
    o.log_payload = &log;
    REQUIRE(eckid_open(&plugin, path.c_str(), &o) == ECKID_OK);
  }
  ~World() { eckid_close(plugin); }

  // The ECK iD of a one-chain result, freeing it; "" on failure. No Catch2 macros here:
  // called from several threads. A wrong shape yields a text no expectation matches.
  static std::pair<eckid_status, std::string> take(eckid_status s, eckid_result *r) {
    std::string id;
    if (r != nullptr && r->count != 1) id = "<" + std::to_string(r->count) + " chains>";
    if (r != nullptr && r->count == 1) {
      id = std::string(r->eckids[0].chain) == eckid_test::test_chain() ? r->eckids[0].eckid
                                                                       : "<wrong chain>";
    }
    eckid_free(r);
    return {s, id};
  }
  std::pair<eckid_status, std::string> created(const std::string &school_key,
                                               const std::string &pupil, const std::string &pgn) {
    eckid_pupil_created_event e = ECKID_PUPIL_CREATED_EVENT_INIT;
    e.school_key = school_key.c_str();
    e.pupil_key = pupil.c_str();
    e.pgn = pgn.c_str();
    eckid_result *r = nullptr;
    const eckid_status s = eckid_pupil_created(plugin, &e, &r);
    return take(s, r);
  }
  std::pair<eckid_status, std::string> transferred(const std::string &from, const std::string &to,
                                                   const std::string &pupil,
                                                   const std::string &pgn) {
    eckid_pupil_transferred_event e = ECKID_PUPIL_TRANSFERRED_EVENT_INIT;
    e.pupil_key = pupil.c_str();
    e.from_school_key = from.c_str();
    e.to_school_key = to.c_str();
    e.pgn = pgn.c_str();
    eckid_result *r = nullptr;
    const eckid_status s = eckid_pupil_transferred(plugin, &e, &r);
    return take(s, r);
  }
  std::size_t requests() const { return emulator.log_lines().size(); }
};

}  // namespace

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

TEST_CASE("transfer to another sector gives a new ECK iD; the old one stays", "[events]") {
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
  for (const auto &line : w.emulator.log_lines()) {
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
    for (const auto &line : w.log.lines) CHECK(line.find(bad) == std::string::npos);
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
