// Fault injection and the request log.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "emulator_process.hpp"
#include "soap_client.hpp"

using namespace eckid::emulator_test;

TEST_CASE("injected HTTP faults") {
  SECTION("503") {
    Emulator emulator({"--http503-share", "1"});
    const auto response = Client(emulator.url()).call("ping");
    CHECK(response.curl == CURLE_OK);
    CHECK(response.status == 503);
    REQUIRE(emulator.log_lines().size() == 1);
    CHECK(emulator.log_lines()[0].ends_with(" ping 00000001234567890000 http503"));
  }
  SECTION("500 without a SOAP body") {
    Emulator emulator({"--http500-share", "1"});
    const auto response = Client(emulator.url()).call("ping");
    CHECK(response.status == 500);
    CHECK_FALSE(response.is_fault());
  }
  SECTION("dropped connection") {
    Emulator emulator({"--drop-share", "1"});
    const auto response = Client(emulator.url()).call("ping");
    CHECK(response.curl != CURLE_OK);
    CHECK(emulator.log_lines().at(0).ends_with(" dropped"));
  }
  SECTION("a share draws from the seeded generator") {
    Emulator emulator({"--http503-share", "0.5", "--seed", "7"});
    Client client(emulator.url());
    int unavailable = 0;
    for (int i = 0; i < 40; ++i) {
      unavailable += client.call("ping").status == 503 ? 1 : 0;
    }
    CHECK(unavailable > 5);
    CHECK(unavailable < 35);
  }
  SECTION("latency") {
    Emulator emulator({"--latency-ms", "300", "--latency-random-ms", "50"});
    Client client(emulator.url());
    REQUIRE(client.call("ping").ok());  // connection set up outside the measurement
    const auto start = std::chrono::steady_clock::now();
    CHECK(client.call("ping").ok());
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  }
}

TEST_CASE("fault injection from a [faults] table") {
  const std::string path = std::string(EMULATOR_TEST_DIR) + "/faults.toml";
  std::ofstream(path) << "[faults]\nhttp503_share = 1.0\n";
  Emulator emulator({"--config", path});
  CHECK(Client(emulator.url()).call("ping").status == 503);
}

TEST_CASE("the request log has one line per request and nothing more") {
  Emulator emulator;
  Client client(emulator.url());
  const auto hpgn = make_hpgn(77);
  const auto stampseudonym = stampseudonym_of(client, hpgn);
  Tweaks tweaks;
  tweaks.action = "http://ketenid.nl/eck/schemas/v1_0/ping";
  client.call("retrieveChains", {}, tweaks);
  client.call("retrieveBatch",
              [](pugi::xml_node request) { add(request, "batchIdentifier", "x"); });

  const auto lines = emulator.log_lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].ends_with(" retrieveStampseudonym 00000001234567890000 ok"));
  CHECK(lines[1].ends_with(" retrieveChains 00000001234567890000 fault:ActionMismatch"));
  CHECK(lines[2].ends_with(" retrieveBatch 00000001234567890000 fault:ContentRemovedException"));
  for (const auto &line : lines) {
    CHECK(line.find(hpgn) == std::string::npos);
    CHECK(line.find(stampseudonym) == std::string::npos);
    CHECK(line.find('T') == 10);
  }
}

TEST_CASE("--hpgn-log lists the HPgns each request carried and nothing else") {
  const std::string path =
      std::filesystem::temp_directory_path() / ("nv-hpgn-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  {
    Emulator emulator({"--hpgn-log", path});
    Client client(emulator.url());
    const auto single = make_hpgn(1);
    const auto stampseudonym = stampseudonym_of(client, single);
    client.call("submitStampseudonymBatch", [](pugi::xml_node request) {
      for (unsigned i = 2; i <= 3; ++i) {
        auto item = add(request, "hpgnList");
        add(item, "index", std::to_string(i));
        add(item, "hPgn", make_hpgn(i));
      }
    });
    eckid_of(client, stampseudonym);
    client.call("replaceStampseudonym", [](pugi::xml_node request) {
      add(request, "hpgnOld", make_hpgn(1));
      add(request, "hpgnNew", make_hpgn(4));
    });
  }
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  std::filesystem::remove(path);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].ends_with(" retrieveStampseudonym " + make_hpgn(1)));
  CHECK(lines[1].ends_with(" submitStampseudonymBatch " + make_hpgn(2)));
  CHECK(lines[2].ends_with(" submitStampseudonymBatch " + make_hpgn(3)));
  CHECK(lines[3].ends_with(" replaceStampseudonym " + make_hpgn(1)));
  CHECK(lines[4].ends_with(" replaceStampseudonym " + make_hpgn(4)));
}
