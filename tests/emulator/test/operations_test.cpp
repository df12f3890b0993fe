// The single-request operations of the WSDL, answered correctly.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <thread>

#include "emulator_process.hpp"
#include "soap_client.hpp"

using namespace eckid::emulator_test;

namespace {

// The public test vectors' pupils (../shared/nv/vectors.toml).
const std::string kHpgnA = "9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa";
const std::string kHpgnB = "53095309a3b690363ebf10f7454cd82f5d305cf37b26d15c86e50d074c7c6244";

const std::regex kStampseudonymShape("https://ketenid\\.nl/sppilot/[0-9a-f]{128}");
const std::regex kEckIdShape("https://ketenid\\.nl/pilot/[0-9a-f]{128}");

Response replace(Client &client, const std::string &hpgn_old, const std::string &hpgn_new,
                 const std::string &effective_date = {}) {
  return client.call("replaceStampseudonym", [&](pugi::xml_node request) {
    add(request, "hpgnOld", hpgn_old);
    add(request, "hpgnNew", hpgn_new);
    if (!effective_date.empty()) {
      add(request, "effectiveDate", effective_date);
    }
  });
}

// The UTC xsd:dateTime this long from now, in whole seconds rounded up.
std::string xsd_in(std::chrono::seconds delay) {
  const auto when = std::chrono::system_clock::to_time_t(
      std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now() + delay));
  std::tm utc{};
  gmtime_r(&when, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

}  // namespace

TEST_CASE("ping answers available, version and UTC time with WS-Addressing replies") {
  Emulator emulator;
  Client client(emulator.url());
  const auto response = client.call("ping");
  REQUIRE(response.ok());
  CHECK(response.text("available") == "true");
  CHECK_FALSE(response.text("applicationVersion").empty());
  CHECK(std::regex_match(response.text("systemTime"),
                         std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z")));
  CHECK(response.header("RelatesTo") == client.last_message_id());
  CHECK(response.header("Action") == "http://ketenid.nl/eck/schemas/v1_0/pingResponse");
  CHECK_FALSE(response.header("MessageID").empty());
}

TEST_CASE("retrieveStampseudonym is deterministic, shaped and checks the HPgn") {
  Emulator emulator;
  Client client(emulator.url());
  const auto a = stampseudonym_of(client, kHpgnA);
  CHECK(std::regex_match(a, kStampseudonymShape));
  CHECK(stampseudonym_of(client, kHpgnA) == a);
  CHECK(stampseudonym_of(client, kHpgnB) != a);

  for (const std::string &bad :
       {std::string(64, 'A'), kHpgnA.substr(1), kHpgnA + "0", std::string()}) {
    const auto response = client.call("retrieveStampseudonym",
                                      [&](pugi::xml_node request) { add(request, "hpgn", bad); });
    CHECK(response.status == 500);
    CHECK(response.is_fault());
    CHECK(response.fault_code() == "soapenv:Client");
    CHECK(response.fault_string().find("hpgn") != std::string::npos);
  }
}

TEST_CASE("retrieveEckId: one ECK iD per sector, faults for unknown chain and sector") {
  Emulator emulator;
  Client client(emulator.url());
  const auto stampseudonym = stampseudonym_of(client, kHpgnA);
  const auto first = eckid_of(client, stampseudonym, kSector);
  CHECK(std::regex_match(first, kEckIdShape));
  CHECK(eckid_of(client, stampseudonym, kSector) == first);
  const auto second = eckid_of(client, stampseudonym, kSecondSector);
  CHECK(std::regex_match(second, kEckIdShape));
  CHECK(second != first);
  CHECK(eckid_of(client, stampseudonym_of(client, kHpgnB), kSector) != first);

  const auto ask = [&](const std::string &sp, const std::string &chain, const std::string &sector) {
    return client.call("retrieveEckId", [&](pugi::xml_node request) {
      add(request, "stampseudonym", sp);
      add(request, "chainId", chain);
      add(request, "sectorId", sector);
    });
  };
  const auto unknown_chain =
      ask(stampseudonym, "http://purl.edustandaard.nl/begrippenkader/nope", kSector);
  CHECK(unknown_chain.is_fault());
  CHECK(unknown_chain.fault_string().find("unknown chain") != std::string::npos);
  const auto unknown_sector =
      ask(stampseudonym, kChain, "http://purl.edustandaard.nl/begrippenkader/nope");
  CHECK(unknown_sector.fault_string().find("unknown sector") != std::string::npos);
  const auto not_ours = ask("https://ketenid.nl/sppilot/abc", kChain, kSector);
  CHECK(not_ours.is_fault());
  CHECK(not_ours.fault_string().find("stampseudonym") != std::string::npos);
}

TEST_CASE("retrieveChains and retrieveSectors list the configured entries") {
  Emulator emulator;
  Client client(emulator.url());
  const auto chains = client.call("retrieveChains");
  REQUIRE(chains.ok());
  const auto chain_list = children_named(chains.payload(), "chain");
  REQUIRE(chain_list.size() == 1);
  CHECK(child_text(chain_list[0], "id") == kChain);
  CHECK_FALSE(child_text(chain_list[0], "name").empty());
  CHECK_FALSE(child_text(chain_list[0], "lastEdited").empty());

  const auto sectors = client.call("retrieveSectors");
  REQUIRE(sectors.ok());
  const auto sector_list = children_named(sectors.payload(), "sector");
  REQUIRE(sector_list.size() == 2);
  CHECK(child_text(sector_list[0], "id") == kSector);
  CHECK(child_text(sector_list[1], "id") == kSecondSector);
  for (const auto &sector : sector_list) {
    CHECK(children_named(sector, "description").size() == 1);
    CHECK(
        std::regex_match(child_text(sector, "lastEdited"), std::regex("\\d{4}-\\d\\d-\\d\\dT.*Z")));
  }
}

TEST_CASE("replaceStampseudonym without a date: new resolves to the oldest") {
  Emulator emulator;
  Client client(emulator.url());
  const auto old_hpgn = make_hpgn(1);
  const auto mid_hpgn = make_hpgn(2);
  const auto new_hpgn = make_hpgn(3);
  const auto old_sp = stampseudonym_of(client, old_hpgn);
  REQUIRE(stampseudonym_of(client, new_hpgn) != old_sp);

  const auto first = replace(client, old_hpgn, mid_hpgn);
  REQUIRE(first.ok());
  CHECK(first.text("stampseudonym") == old_sp);
  const auto second = replace(client, mid_hpgn, new_hpgn);
  REQUIRE(second.ok());
  CHECK(second.text("stampseudonym") == old_sp);
  CHECK(stampseudonym_of(client, mid_hpgn) == old_sp);
  CHECK(stampseudonym_of(client, new_hpgn) == old_sp);
  CHECK(eckid_of(client, stampseudonym_of(client, new_hpgn)) == eckid_of(client, old_sp));

  SECTION("repeating is accepted, cycles and re-pointing are faults") {
    CHECK(replace(client, old_hpgn, mid_hpgn).ok());
    CHECK(replace(client, new_hpgn, old_hpgn).is_fault());
    CHECK(replace(client, make_hpgn(9), new_hpgn).is_fault());
    CHECK(replace(client, old_hpgn, old_hpgn).is_fault());
  }
  SECTION("hpgnOld must come first") {
    const auto swapped = client.call("replaceStampseudonym", [&](pugi::xml_node request) {
      add(request, "hpgnNew", make_hpgn(20));
      add(request, "hpgnOld", make_hpgn(21));
    });
    CHECK(swapped.is_fault());
  }
}

TEST_CASE("replaceStampseudonym with an effective date") {
  Emulator emulator;
  Client client(emulator.url());
  const auto old_sp = stampseudonym_of(client, make_hpgn(4));
  const auto own_sp = stampseudonym_of(client, make_hpgn(5));

  const auto future = replace(client, make_hpgn(4), make_hpgn(5), "2099-01-01T00:00:00Z");
  REQUIRE(future.ok());
  CHECK(future.text("stampseudonym") == old_sp);
  CHECK(stampseudonym_of(client, make_hpgn(5)) == own_sp);

  REQUIRE(replace(client, make_hpgn(6), make_hpgn(7), "2001-01-01T00:00:00+01:00").ok());
  CHECK(stampseudonym_of(client, make_hpgn(7)) == stampseudonym_of(client, make_hpgn(6)));

  CHECK(replace(client, make_hpgn(8), make_hpgn(10), "tomorrow").is_fault());

  SECTION("the replacement takes effect at the date") {
    const auto own = stampseudonym_of(client, make_hpgn(12));
    REQUIRE(replace(client, make_hpgn(11), make_hpgn(12), xsd_in(std::chrono::seconds(1))).ok());
    CHECK(stampseudonym_of(client, make_hpgn(12)) == own);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    CHECK(stampseudonym_of(client, make_hpgn(12)) == stampseudonym_of(client, make_hpgn(11)));
  }
}

TEST_CASE("fixtures are replayed before derivation; config and secret are honoured") {
  const std::string fixture_sp = "https://ketenid.nl/sppilot/" + std::string(128, 'a');
  const std::string fixture_eckid = "https://ketenid.nl/pilot/" + std::string(128, 'b');
  const std::string other_chain = "http://purl.edustandaard.nl/begrippenkader/other-chain";
  const std::string path = std::string(EMULATOR_TEST_DIR) + "/fixtures.toml";
  std::ofstream(path) << "[[stampseudonym]]\nhpgn = \"" << kHpgnA << "\"\nstampseudonym = \""
                      << fixture_sp << "\"\n[[eckid]]\nstampseudonym = \"" << fixture_sp
                      << "\"\nchain_id = \"" << kChain << "\"\nsector_id = \"" << kSector
                      << "\"\neckid = \"" << fixture_eckid << "\"\n";
  const std::string config = std::string(EMULATOR_TEST_DIR) + "/config.toml";
  std::ofstream(config) << "[[chains]]\nid = \"" << kChain << "\"\nname = \"Testketen\"\n"
                        << "[[chains]]\nid = \"" << other_chain << "\"\nname = \"Andere\"\n";

  Emulator emulator({"--fixtures", path, "--config", config});
  Client client(emulator.url());
  CHECK(stampseudonym_of(client, kHpgnA) == fixture_sp);
  CHECK(eckid_of(client, fixture_sp) == fixture_eckid);
  CHECK(std::regex_match(eckid_of(client, fixture_sp, kSecondSector), kEckIdShape));
  CHECK(std::regex_match(eckid_of(client, fixture_sp, kSector, other_chain), kEckIdShape));
  CHECK(children_named(client.call("retrieveChains").payload(), "chain").size() == 2);

  Emulator plain;
  Emulator other_secret({"--secret", "another secret"});
  Client plain_client(plain.url());
  Client other_client(other_secret.url());
  CHECK(stampseudonym_of(plain_client, kHpgnB) != stampseudonym_of(other_client, kHpgnB));
}
