// Transport and envelope rules: mutual TLS, HTTP, SOAP 1.1 and WS-Addressing checks.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <thread>

#include "emulator_process.hpp"
#include "soap_client.hpp"

using namespace eckid::emulator_test;

namespace {

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void check_client_fault(const Response &response, const std::string &word) {
  CHECK(response.status == 500);
  REQUIRE(response.is_fault());
  CHECK(response.fault_code() == "soapenv:Client");
  CHECK(response.fault_string().find(word) != std::string::npos);
}

}  // namespace

TEST_CASE("mutual TLS: a client certificate of the test CA is required") {
  Emulator emulator;
  const auto &pki = pki_dir();
  SECTION("PEM pair") {
    CHECK(Client(emulator.url()).call("ping").ok());
  }
  SECTION("encrypted PEM key") {
    auto password = read_file(pki + "/client-encrypted.key.pass");
    password.erase(password.find_last_not_of("\r\n") + 1);
    Client client(emulator.url(),
                  {pki + "/client.pem", pki + "/client-encrypted.key", "PEM", password});
    CHECK(client.call("ping").ok());
  }
  SECTION("PKCS#12") {
    auto password = read_file(pki + "/client.p12.pass");
    password.erase(password.find_last_not_of("\r\n") + 1);
    Client client(emulator.url(), {pki + "/client.p12", "", "P12", password});
    CHECK(client.call("ping").ok());
  }
  SECTION("TLS 1.2 with and without a client certificate") {
    Client client(emulator.url());
    client.limit_to_tls12();
    CHECK(client.call("ping").ok());
    Client anonymous(emulator.url(), Identity{});
    anonymous.limit_to_tls12();
    CHECK(anonymous.call("ping").curl != CURLE_OK);
  }
  SECTION("no client certificate") {
    const auto response = Client(emulator.url(), Identity{}).call("ping");
    CHECK(response.curl != CURLE_OK);
    CHECK(response.status == 0);
  }
  SECTION("a client certificate of another CA") {
    Client client(emulator.url(),
                  {pki + "/other-client.pem", pki + "/other-client.key", "PEM", ""});
    const auto response = client.call("ping");
    CHECK(response.curl != CURLE_OK);
    CHECK(response.status == 0);
  }
}

TEST_CASE("a server certificate for another host name fails verification") {
  const auto &pki = pki_dir();
  Emulator emulator({"--cert", pki + "/wrong-host.pem", "--key", pki + "/wrong-host.key"});
  CHECK(Client(emulator.url()).call("ping").curl == CURLE_PEER_FAILED_VERIFICATION);
}

TEST_CASE("WS-Addressing headers are checked") {
  Emulator emulator;
  Client client(emulator.url());
  Tweaks tweaks;
  SECTION("Action of another operation") {
    tweaks.action = "http://ketenid.nl/eck/schemas/v1_0/retrieveChains";
    check_client_fault(client.call("ping", {}, tweaks), "Action");
  }
  SECTION("SOAPAction header of another operation") {
    tweaks.soap_action = "http://ketenid.nl/eck/schemas/v1_0/retrieveChains";
    check_client_fault(client.call("ping", {}, tweaks), "SOAPAction");
  }
  SECTION("missing From") {
    tweaks.omit_from = true;
    check_client_fault(client.call("ping", {}, tweaks), "From");
  }
  SECTION("OIN too short") {
    tweaks.oin = "1234";
    check_client_fault(client.call("ping", {}, tweaks), "OIN");
  }
  SECTION("From not anonymous") {
    tweaks.from = "http://example.org/?oin=00000001234567890000";
    check_client_fault(client.call("ping", {}, tweaks), "From");
  }
  SECTION("missing MessageID") {
    tweaks.omit_message_id = true;
    check_client_fault(client.call("ping", {}, tweaks), "MessageID");
  }
  SECTION("missing To") {
    tweaks.omit_to = true;
    check_client_fault(client.call("ping", {}, tweaks), "To");
  }
}

TEST_CASE("envelope and HTTP rules") {
  Emulator emulator;
  Client client(emulator.url());
  const std::string ping_action = "\"http://ketenid.nl/eck/schemas/v1_0/ping\"";
  SECTION("DOCTYPE is rejected") {
    const auto response = client.send(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>"
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",
        ping_action);
    check_client_fault(response, "DOCTYPE");
  }
  SECTION("not XML") {
    check_client_fault(client.send("hello", ping_action), "XML");
  }
  SECTION("unqualified request children") {
    const auto response = client.call("retrieveStampseudonym", [](pugi::xml_node request) {
      request.append_child("hpgn").text() = make_hpgn(1).c_str();
    });
    check_client_fault(response, "hpgn");
  }
  SECTION("GET is not allowed") {
    CHECK(client.send("", "", "GET").status == 405);
  }
  SECTION("unknown path") {
    Client elsewhere("https://127.0.0.1:" + std::to_string(emulator.port()) + "/other");
    CHECK(elsewhere.send("", ping_action).status == 404);
  }
  SECTION("body over the limit") {
    CHECK(client.send(std::string(9u * 1024u * 1024u, 'x'), ping_action).status == 413);
  }
}

TEST_CASE("keep-alive, concurrent connections and a clean stop") {
  Emulator emulator;
  {
    Client client(emulator.url());
    REQUIRE(client.call("ping").ok());
    const auto second = client.call("ping");
    CHECK(second.ok());
    CHECK(second.new_connections == 0);
  }
  std::vector<std::thread> threads;
  std::vector<int> successes(4, 0);
  for (std::size_t t = 0; t < successes.size(); ++t) {
    threads.emplace_back([&, t] {
      Client client(emulator.url());
      for (int i = 0; i < 5; ++i) {
        successes[t] += client.call("retrieveSectors").ok() ? 1 : 0;
      }
    });
  }
  for (auto &thread : threads) {
    thread.join();
  }
  for (const int count : successes) {
    CHECK(count == 5);
  }
  CHECK(emulator.stop() == 0);
}
