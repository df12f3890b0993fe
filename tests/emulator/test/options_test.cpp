// The switches that make the emulator refuse or spoil answers: --allowed-oins,
// --unavailable and --answer-mode.
#include <catch2/catch.hpp>

#include <ctime>
#include <fstream>

#include "emulator_process.hpp"
#include "soap_client.hpp"

using namespace eckid::emulator_test;

namespace {

constexpr const char *kOtherOin = "00000009999999990000";

void hpgn_request(pugi::xml_node request) {
  add(request, "hpgn", std::string(64, 'a'));
}

}  // namespace

TEST_CASE("--allowed-oins refuses other OINs with a fault") {
  Emulator emulator({"--allowed-oins", std::string(kOtherOin) + "," + kOin});
  Client client(emulator.url());
  CHECK(client.call("ping").ok());
  Tweaks stranger;
  stranger.oin = "00000001111111110000";
  const auto refused = client.call("ping", {}, stranger);
  CHECK(refused.status == 500);
  REQUIRE(refused.is_fault());
  CHECK(refused.fault_code() == "soapenv:Client");
  CHECK(refused.fault_string().find("00000001111111110000") != std::string::npos);
  const auto lines = emulator.log_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].ends_with(" ping 00000001234567890000 ok"));
  CHECK(lines[1].ends_with(" ping 00000001111111110000 fault:OinNotAllowed"));
}

TEST_CASE("allowed_oins in the config file") {
  const std::string path = std::string(EMULATOR_TEST_DIR) + "/allowed.toml";
  std::ofstream(path) << "allowed_oins = [\"" << kOtherOin << "\"]\nunavailable = true\n";
  Emulator emulator({"--config", path});
  Client client(emulator.url());
  CHECK(client.call("ping").is_fault());
  Tweaks allowed;
  allowed.oin = kOtherOin;
  const auto ping = client.call("ping", {}, allowed);
  REQUIRE(ping.ok());
  CHECK(ping.text("available") == "false");
}

TEST_CASE("--unavailable makes ping answer available = false") {
  Emulator emulator({"--unavailable", "--latency-ms", "0"});
  const auto ping = Client(emulator.url()).call("ping");
  REQUIRE(ping.ok());
  CHECK(ping.text("available") == "false");
  CHECK_FALSE(ping.text("applicationVersion").empty());
}

TEST_CASE("--answer-mode spoils successful answers") {
  SECTION("doctype") {
    Emulator emulator({"--answer-mode", "doctype"});
    const auto r = Client(emulator.url()).call("ping");
    CHECK(r.status == 200);
    CHECK(r.body.find("<!DOCTYPE") != std::string::npos);
  }
  SECTION("bad-utf8") {
    Emulator emulator({"--answer-mode", "bad-utf8"});
    const auto r = Client(emulator.url()).call("ping");
    CHECK(r.status == 200);
    CHECK(r.body.find('\xFF') != std::string::npos);
  }
  SECTION("huge") {
    Emulator emulator({"--answer-mode", "huge"});
    const auto r = Client(emulator.url()).call("ping");
    CHECK(r.status == 200);
    CHECK(r.body.size() > 1024u * 1024u);
  }
  SECTION("bad-eckid") {
    Emulator emulator({"--answer-mode", "bad-eckid"});
    const auto r = Client(emulator.url()).call("retrieveStampseudonym", hpgn_request);
    REQUIRE(r.status == 200);
    const auto value = r.text("stampseudonym");
    CHECK(value.starts_with("https://ketenid.nl/sppilot/"));
    CHECK(value.size() == std::string("https://ketenid.nl/sppilot/").size() + 127);
  }
  SECTION("malformed") {
    Emulator emulator({"--answer-mode", "malformed"});
    const auto r = Client(emulator.url()).call("ping");
    CHECK(r.status == 200);
    CHECK(r.body.find("</soapenv:Envelope>") == std::string::npos);
  }
  SECTION("faults stay unspoiled") {
    Emulator emulator({"--answer-mode", "doctype"});
    const auto r = Client(emulator.url()).call("retrieveStampseudonym", [](pugi::xml_node n) {
      add(n, "hpgn", "not-hex");
    });
    CHECK(r.is_fault());
    CHECK(r.body.find("<!DOCTYPE") == std::string::npos);
  }
}

TEST_CASE("--clock-offset-s shifts ping's systemTime") {
  Emulator emulator({"--clock-offset-s", "-3600"});
  const auto ping = Client(emulator.url()).call("ping");
  REQUIRE(ping.ok());
  // An hour back; the date is enough to tell the hour unless the test runs at 00:xx.
  const std::time_t earlier = std::time(nullptr) - 3600;
  char expected[32];
  std::strftime(expected, sizeof expected, "%Y-%m-%dT%H", std::gmtime(&earlier));
  CHECK(ping.text("systemTime").starts_with(expected));
}
