// The C++ client eckid::nv::Client against nv-emulator over mutual TLS, for the operations
// the C ABI does not expose directly: retrieveStampseudonym, retrieveEckId,
// replaceStampseudonym. Expected values come from vectors.toml (HPgn) and from the
// emulator's documented derivation (tests/emulator/README.md), computed here with OpenSSL.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator_process.hpp"
#include "integration_support.hpp"
#include "nv/client.hpp"
#include "nv/credentials.hpp"
#include "nv/fault.hpp"
#include "util/error.hpp"

using eckid::emulator_test::Emulator;
using eckid_it::kOin;
using eckid_it::pki;

namespace {

constexpr const char *kSecret = "integration-test-secret";

std::string hmac_sha512_hex(const std::string &key, const std::string &message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char *>(message.data()), message.size(), digest.data(),
       &length);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0x0f];
  }
  return hex;
}

// What the emulator derives under kSecret (README "Operations and derivation").
std::string expected_stampseudonym(const std::string &hpgn) {
  return "https://ketenid.nl/sppilot/" + hmac_sha512_hex(kSecret, "stampseudonym|" + hpgn);
}
std::string expected_eckid(const std::string &stampseudonym, const std::string &chain,
                           const std::string &sector) {
  return "https://ketenid.nl/pilot/" +
         hmac_sha512_hex(kSecret, "eckid|" + stampseudonym + "|" + chain + "|" + sector);
}

// The published HPgn values of vectors.toml.
std::vector<std::string> vector_hpgns() {
  std::vector<std::string> out;
  eckid_test::vectors()["hpgn"].as_array()->for_each(
      [&](const toml::table &entry) { out.push_back(*entry["hpgn"].value<std::string>()); });
  return out;
}

// A client for the emulator with the test PKI's PKCS#12 identity.
std::unique_ptr<eckid::nv::Client> make_client(const Emulator &emulator) {
  eckid::ServiceConfig service;
  service.endpoint = emulator.url();
  service.ca_bundle = pki("ca.pem");
  service.client.certificate = pki("client.p12");
  service.client.password_file = pki("client.p12.pass");
  service.connect_timeout_ms = 2000;
  service.request_timeout_ms = 5000;
  auto credentials = std::make_shared<const eckid::nv::Credentials>(service.client);
  return std::make_unique<eckid::nv::Client>(service, credentials, eckid::Logger());
}

eckid_status status_of(const std::function<void()> &call) {
  try {
    call();
  } catch (const eckid::Error &e) {
    return e.status();
  }
  return ECKID_OK;
}

}  // namespace

TEST_CASE("published HPgn vectors give a stable stampseudonym and ECK iD of the right shape") {
  Emulator emulator({"--secret", kSecret});
  const auto client = make_client(emulator);
  const auto hpgns = vector_hpgns();
  REQUIRE(hpgns.size() == 3);
  std::size_t requests = 0;
  for (const auto &hpgn : hpgns) {
    const std::string stampseudonym = client->retrieve_stampseudonym(kOin, hpgn);
    CHECK(eckid::nv::is_pseudonym_uri(stampseudonym));
    CHECK(stampseudonym == expected_stampseudonym(hpgn));
    CHECK(client->retrieve_stampseudonym(kOin, hpgn) == stampseudonym);

    const std::string eckid = client->retrieve_eckid(kOin, stampseudonym, eckid_test::test_chain(),
                                                     eckid_test::test_sector());
    CHECK(eckid.starts_with("https://ketenid.nl/pilot/"));
    CHECK(eckid::nv::is_pseudonym_uri(eckid));
    CHECK(eckid ==
          expected_eckid(stampseudonym, eckid_test::test_chain(), eckid_test::test_sector()));
    CHECK(client->retrieve_eckid(kOin, stampseudonym, eckid_test::test_chain(),
                                 eckid_test::test_sector()) == eckid);
    requests += 4;
  }
  const auto lines = emulator.log_lines();
  REQUIRE(lines.size() == requests);
  CHECK(lines[0].ends_with(" retrieveStampseudonym 0000000700099ZZ12345 ok"));
  CHECK(lines[2].ends_with(" retrieveEckId 0000000700099ZZ12345 ok"));
}

TEST_CASE("the same stampseudonym in two sectors gives two different ECK iDs") {
  Emulator emulator({"--secret", kSecret});
  const auto client = make_client(emulator);
  const std::string stampseudonym = client->retrieve_stampseudonym(kOin, vector_hpgns().at(0));
  const std::string first = client->retrieve_eckid(kOin, stampseudonym, eckid_test::test_chain(),
                                                   eckid_test::test_sector());
  const std::string second = client->retrieve_eckid(kOin, stampseudonym, eckid_test::test_chain(),
                                                    eckid_it::kSecondSector);
  CHECK(first != second);
  CHECK(second == expected_eckid(stampseudonym, eckid_test::test_chain(), eckid_it::kSecondSector));
}

TEST_CASE("replaceStampseudonym: old to new, chains, and a future effective date") {
  Emulator emulator({"--secret", kSecret});
  const auto client = make_client(emulator);
  const auto hpgns = vector_hpgns();
  const std::string &old_hpgn = hpgns.at(0);
  const std::string &mid_hpgn = hpgns.at(1);
  const std::string &new_hpgn = hpgns.at(2);
  const std::string old_stamp = expected_stampseudonym(old_hpgn);

  SECTION("old to new") {
    CHECK(client->replace_stampseudonym(kOin, old_hpgn, new_hpgn, std::nullopt) == old_stamp);
    CHECK(client->retrieve_stampseudonym(kOin, new_hpgn) == old_stamp);
    CHECK(client->retrieve_stampseudonym(kOin, old_hpgn) == old_stamp);
  }
  SECTION("a chain new -> mid -> old resolves to old") {
    CHECK(client->replace_stampseudonym(kOin, old_hpgn, mid_hpgn, std::nullopt) == old_stamp);
    CHECK(client->replace_stampseudonym(kOin, mid_hpgn, new_hpgn, std::nullopt) == old_stamp);
    CHECK(client->retrieve_stampseudonym(kOin, new_hpgn) == old_stamp);
  }
  SECTION("a future effectiveDate keeps new's own stampseudonym until then") {
    CHECK(client->replace_stampseudonym(kOin, old_hpgn, new_hpgn,
                                        std::string("2099-01-01T00:00:00Z")) == old_stamp);
    CHECK(client->retrieve_stampseudonym(kOin, new_hpgn) == expected_stampseudonym(new_hpgn));
  }
  SECTION("a past effectiveDate applies at once") {
    CHECK(client->replace_stampseudonym(kOin, old_hpgn, new_hpgn,
                                        std::string("2001-01-01T00:00:00Z")) == old_stamp);
    CHECK(client->retrieve_stampseudonym(kOin, new_hpgn) == old_stamp);
  }
  SECTION("the emulator's checks arrive as SOAP faults with their fields") {
    // hpgnOld == hpgnNew is refused by the service (emulator reason SameHpgn).
    try {
      client->replace_stampseudonym(kOin, old_hpgn, old_hpgn, std::nullopt);
      FAIL("no fault");
    } catch (const eckid::nv::ServiceFault &fault) {
      CHECK(fault.status() == ECKID_E_SOAP_FAULT);
      CHECK(fault.detail().code == "soapenv:Client");
      CHECK_FALSE(fault.detail().string.empty());
    }
    CHECK(emulator.log_lines().back().ends_with(" fault:SameHpgn"));
  }
}

TEST_CASE("a pseudonym of the wrong shape is refused as ECKID_E_BAD_RESPONSE") {
  Emulator emulator({"--secret", kSecret, "--answer-mode", "bad-eckid"});
  const auto client = make_client(emulator);
  const std::string hpgn = vector_hpgns().at(0);
  CHECK(status_of([&] { client->retrieve_stampseudonym(kOin, hpgn); }) == ECKID_E_BAD_RESPONSE);
  CHECK(status_of([&] {
          client->retrieve_eckid(kOin, expected_stampseudonym(hpgn), eckid_test::test_chain(),
                                 eckid_test::test_sector());
        }) == ECKID_E_BAD_RESPONSE);
  CHECK(status_of([&] {
          client->replace_stampseudonym(kOin, hpgn, vector_hpgns().at(1), std::nullopt);
        }) == ECKID_E_BAD_RESPONSE);
  // The emulator did answer each (log "ok"): the refusal is the client's.
  const auto lines = emulator.log_lines();
  REQUIRE(lines.size() == 3);
  for (const auto &line : lines) CHECK(line.ends_with(" ok"));
}
