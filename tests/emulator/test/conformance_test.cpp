// What a conforming SOAP 1.1 / WS-Addressing 1.0 peer may send, and what it may not, taken
// from the WSDL and those standards (issue 12: the emulator follows them, never our client).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "emulator_process.hpp"
#include "soap_client.hpp"

using namespace eckid::emulator_test;

namespace {

const std::string kPingAction = "http://ketenid.nl/eck/schemas/v1_0/ping";
const std::string kFrom =
    "<wsa:From><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous?oin="
    "00000001234567890000</wsa:Address></wsa:From>";

// The WS-Addressing headers of a ping, each value as given.
std::string ping_headers(const std::string &action = kPingAction) {
  return "<wsa:Action>" + action +
         "</wsa:Action><wsa:MessageID>urn:uuid:6b1f3c52-0c1e-4d3a-9a43-1f2e3d4c5b6a"
         "</wsa:MessageID><wsa:To>https://service-s.ketenid.nl/eck/ws/201703</wsa:To>" +
         kFrom;
}

// A SOAP 1.1 envelope: `header` and `body` are the raw children of Header and Body.
std::string envelope(const std::string &header, const std::string &body = "<eck:pingRequest/>") {
  return "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
         "xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" "
         "xmlns:eck=\"http://ketenid.nl/eck/schemas/v1_0\"><soapenv:Header>" +
         header + "</soapenv:Header><soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>";
}

Response ping(Client &client, const std::string &header) {
  return client.send(envelope(header), "\"" + kPingAction + "\"");
}

void check_fault(const Response &response, const std::string &code, const std::string &word) {
  CHECK(response.status == 500);
  CHECK(response.is_fault());
  CHECK(response.fault_code() == code);
  CHECK(response.fault_string().find(word) != std::string::npos);
}

}  // namespace

// SOAP 1.1, 6.1.1: the header is required. WS-Addressing 1.0 SOAP Binding, 6.1: with SOAP 1.1
// its value is the Action or the empty quoted string.
TEST_CASE("SOAPAction may be the empty quoted string but must be there") {
  Emulator emulator;
  Client client(emulator.url());
  CHECK(client.send(envelope(ping_headers()), "\"\"").ok());
  check_fault(client.send(envelope(ping_headers()), ""), "soapenv:Client", "SOAPAction");
}

// wsa:Action, To, MessageID and Address are xs:anyURI, xsd:int and xsd:dateTime values
// collapse whitespace (XML Schema Part 2, 3.2.17, 3.3.17, 3.2.7): a pretty-printing peer's
// request means the same.
TEST_CASE("whitespace around anyURI, xsd:int and xsd:dateTime values is collapsed") {
  Emulator emulator;
  Client client(emulator.url());
  SECTION("WS-Addressing headers") {
    CHECK(ping(client,
               "<wsa:Action>\n  " + kPingAction +
                   "\n</wsa:Action><wsa:MessageID> urn:uuid:6b1f3c52-0c1e-4d3a-9a43-1f2e3d4c5b6a "
                   "</wsa:MessageID><wsa:To>\n https://service-s.ketenid.nl/eck/ws/201703\n"
                   "</wsa:To><wsa:From><wsa:Address>\n  http://www.w3.org/2005/08/addressing/"
                   "anonymous?oin=00000001234567890000\n</wsa:Address></wsa:From>")
              .ok());
  }
  SECTION("a batch index with whitespace and a plus sign") {
    const auto submitted = client.call("submitStampseudonymBatch", [](pugi::xml_node request) {
      auto item = add(request, "hpgnList");
      add(item, "index", " +03\n");
      add(item, "hPgn", make_hpgn(3));
    });
    REQUIRE(submitted.ok());
    const auto result = client.call("retrieveBatch", [&](pugi::xml_node request) {
      add(request, "batchIdentifier", submitted.text("batchIdentifier"));
    });
    REQUIRE(result.ok());
    const auto success = children_named(result.payload(), "success");
    REQUIRE(success.size() == 1);
    CHECK(child_text(success[0], "index") == "3");
  }
  SECTION("effectiveDate") {
    const auto replace = [&](unsigned old_hpgn, unsigned new_hpgn, const std::string &date) {
      return client.call("replaceStampseudonym", [&](pugi::xml_node request) {
        add(request, "hpgnOld", make_hpgn(old_hpgn));
        add(request, "hpgnNew", make_hpgn(new_hpgn));
        add(request, "effectiveDate", date);
      });
    };
    CHECK(replace(1, 2, "\n  2001-01-01T00:00:00Z\n").ok());
    CHECK(stampseudonym_of(client, make_hpgn(2)) == stampseudonym_of(client, make_hpgn(1)));
    CHECK(replace(3, 4, "2000-12-31T24:00:00").ok());  // 24:00:00 and no zone are valid
    check_fault(replace(5, 6, "2001-01-01T00:00:00+14:30"), "soapenv:Client", "effectiveDate");
  }
}

// SOAP 1.1, 4.2.3 and 4.4.1: a header entry with mustUnderstand="1" that the service does not
// understand fails with faultcode MustUnderstand; the spec: no WS-Security. WS-Addressing
// headers are understood (the .NET reference client marks Action and To mustUnderstand).
TEST_CASE("header entries: mustUnderstand, ReplyTo and repeated WS-Addressing headers") {
  Emulator emulator;
  Client client(emulator.url());
  const std::string security =
      "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
      "oasis-200401-wss-wssecurity-secext-1.0.xsd\"";
  CHECK(ping(client, ping_headers() + security + "/>").ok());
  check_fault(ping(client, ping_headers() + security + " soapenv:mustUnderstand=\"1\"/>"),
              "soapenv:MustUnderstand", "wsse:Security");
  CHECK(ping(client, "<wsa:Action soapenv:mustUnderstand=\"1\">" + kPingAction +
                         "</wsa:Action><wsa:MessageID>urn:uuid:6b1f3c52-0c1e-4d3a-9a43-1f2e3d4c5b6a"
                         "</wsa:MessageID><wsa:To soapenv:mustUnderstand=\"1\">https://service-s."
                         "ketenid.nl/eck/ws/201703</wsa:To>" +
                         kFrom)
            .ok());

  // WS-Addressing 1.0 Core, 3.2: no ReplyTo means anonymous; the spec: ReplyTo is not used,
  // the answer can only come back on the same connection.
  const std::string reply_to = "<wsa:ReplyTo><wsa:Address>";
  CHECK(ping(client, ping_headers() + reply_to +
                         "http://www.w3.org/2005/08/addressing/anonymous</wsa:Address>"
                         "</wsa:ReplyTo>")
            .ok());
  check_fault(ping(client, ping_headers() + reply_to + "https://sis.example/replies</wsa:Address>" +
                               "</wsa:ReplyTo>"),
              "soapenv:Client", "ReplyTo");

  // WS-Addressing 1.0 SOAP Binding, 6.4.1: each of these headers at most once.
  check_fault(ping(client, ping_headers() + "<wsa:Action>" + kPingAction + "</wsa:Action>"),
              "soapenv:Client", "Action");
}

// SOAP 1.1, 3, 4.1.1 and 6.1.
TEST_CASE("SOAP 1.1 envelope structure, processing instructions and media type") {
  Emulator emulator;
  Client client(emulator.url());
  const std::string action = "\"" + kPingAction + "\"";
  check_fault(client.send("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/"
                          "envelope/\" xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" "
                          "xmlns:eck=\"http://ketenid.nl/eck/schemas/v1_0\"><soapenv:Body>"
                          "<eck:pingRequest/></soapenv:Body><soapenv:Header>" +
                              ping_headers() + "</soapenv:Header></soapenv:Envelope>",
                          action),
              "soapenv:Client", "Header");
  check_fault(client.send("<?xml version=\"1.0\"?><?app hint?>" + envelope(ping_headers()), action),
              "soapenv:Client", "processing instruction");
  CHECK(client.send("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + envelope(ping_headers()), action)
            .ok());
  CHECK(client.send(envelope(ping_headers()), action, "POST", "Text/XML").ok());
  CHECK(client.send(envelope(ping_headers()), action, "POST", "application/soap+xml").status ==
        415);
}

// The spec's "20-character organisation number"; issue 12: digits and upper-case letters.
TEST_CASE("an OIN in From is 20 digits or upper-case letters") {
  Emulator emulator;
  Client client(emulator.url());
  Tweaks tweaks;
  tweaks.oin = "0000000123456789000A";
  CHECK(client.call("ping", {}, tweaks).ok());
  tweaks.oin = "0000000123456789000a";
  check_fault(client.call("ping", {}, tweaks), "soapenv:Client", "OIN");
}

// WSDL: RetrieveChainsResponse/chain and RetrieveSectorsResponse/sector minOccurs="1";
// Chain/lastEdited and Sector/lastEdited are xsd:dateTime.
TEST_CASE("a configuration the WSDL cannot answer with is refused at start") {
  const std::string path = std::string(EMULATOR_TEST_DIR) + "/wsdl-config.toml";
  std::ofstream(path) << "chains = []\n";
  CHECK_THROWS(Emulator({"--config", path}));
  std::ofstream(path) << "[[sectors]]\nid = \"http://purl.edustandaard.nl/begrippenkader/x\"\n"
                         "name = \"PO\"\nlast_edited = \"1 March 2017\"\n";
  CHECK_THROWS(Emulator({"--config", path}));
}
