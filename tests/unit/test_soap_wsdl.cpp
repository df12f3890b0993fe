// Request envelopes of the Nummervoorziening client (eckid::nv::Request) against the WSDL,
// read at test time: body element name and namespace, child names and their xsd:sequence
// order, WS-Addressing headers with the binding's soapAction, and XML escaping.
#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <pugixml.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "nv/batch.hpp"
#include "nv/soap.hpp"
#include "xml_ns.hpp"

namespace {

using eckid::xml::local_name;
using eckid::xml::namespace_uri;
namespace xml = eckid::xml;

constexpr const char *kEck = "http://ketenid.nl/eck/schemas/v1_0";
constexpr const char *kSoapEnv = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char *kWsa = "http://www.w3.org/2005/08/addressing";
constexpr const char *kXsd = "http://www.w3.org/2001/XMLSchema";
constexpr const char *kWsdl = "http://schemas.xmlsoap.org/wsdl/";
constexpr const char *kWsdlSoap = "http://schemas.xmlsoap.org/wsdl/soap/";
constexpr const char *kTo = "https://127.0.0.1:8443/eck/ws/201703";
constexpr const char *kOin = "00000001234567890000";
const std::string kHpgnA(64, 'a');
const std::string kHpgnB(64, 'b');
const std::string kStamp = "https://ketenid.nl/sppilot/" + std::string(128, 'c');
const std::string kChain =
    "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795";
const std::string kSector =
    "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725";

std::string_view prefix_of(std::string_view qname) {
  const auto colon = qname.find(':');
  return colon == std::string_view::npos ? std::string_view{} : qname.substr(0, colon);
}

// The namespace URI bound to `prefix` at `n` (empty prefix: the default namespace).
std::string ns_of_prefix(pugi::xml_node n, std::string_view prefix) {
  const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (; n; n = n.parent()) {
    if (const auto a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

std::vector<pugi::xml_node> elements(pugi::xml_node parent) {
  std::vector<pugi::xml_node> out;
  for (auto c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) out.push_back(c);
  }
  return out;
}

// Every descendant element with this namespace, local name and name attribute.
pugi::xml_node find_named(pugi::xml_node root, const char *uri, std::string_view name,
                          std::string_view name_attr) {
  pugi::xml_node hit;
  root.find_node([&](pugi::xml_node n) {
    if (n.type() == pugi::node_element && local_name(n) == name && namespace_uri(n) == uri &&
        name_attr == n.attribute("name").value()) {
      hit = n;
      return true;
    }
    return false;
  });
  return hit;
}

struct WsdlField {
  std::string name;
  bool optional = false;
  bool repeated = false;            // maxOccurs="unbounded"
  std::vector<WsdlField> children;  // the sequence of a complex type (ListedHpgn, ...)
};

// What the WSDL says about one operation's request.
struct WsdlRequest {
  std::string element;  // global element of the input message
  std::string soap_action;
  std::vector<WsdlField> sequence;
};

const pugi::xml_document &wsdl() {
  static pugi::xml_document doc;
  static const bool loaded = [] {
    const auto r = doc.load_file((std::string(ECKID_SHARED_DIR) + "/nv/eckid.wsdl").c_str());
    return static_cast<bool>(r);
  }();
  REQUIRE(loaded);
  return doc;
}

// The fields of a complexType's xsd:sequence, nested complex types included.
std::vector<WsdlField> sequence_of(pugi::xml_node schema, const std::string &type_qname) {
  const std::string type = type_qname.substr(type_qname.find(':') + 1);
  const auto complex = find_named(schema, kXsd, "complexType", type);
  if (!complex) return {};  // a simple type or xsd:*
  const auto sequence = xml::child(complex, kXsd, "sequence");
  if (!sequence) return {};  // simpleContent
  std::vector<WsdlField> out;
  for (const auto e : elements(sequence)) {
    REQUIRE(local_name(e) == "element");
    out.push_back({e.attribute("name").value(),
                   std::string(e.attribute("minOccurs").as_string("1")) == "0",
                   std::string(e.attribute("maxOccurs").as_string("1")) == "unbounded",
                   sequence_of(schema, e.attribute("type").value())});
  }
  return out;
}

WsdlRequest wsdl_request(const std::string &operation) {
  const auto root = wsdl().document_element();
  WsdlRequest out;
  // portType operation -> input message -> part element.
  const auto port_op = find_named(root.child("wsdl:portType"), kWsdl, "operation", operation);
  REQUIRE(port_op);
  const std::string message = port_op.child("wsdl:input").attribute("message").value();
  const auto msg = find_named(root, kWsdl, "message", message.substr(message.find(':') + 1));
  REQUIRE(msg);
  const auto part = elements(msg).at(0);
  const std::string element_qname = part.attribute("element").value();
  REQUIRE(ns_of_prefix(part, prefix_of(element_qname)) == kEck);
  out.element = element_qname.substr(element_qname.find(':') + 1);
  // The schema's element -> complexType -> xsd:sequence.
  const auto schema = xml::child(root.child("wsdl:types"), kXsd, "schema");
  REQUIRE(std::string(schema.attribute("targetNamespace").value()) == kEck);
  REQUIRE(std::string(schema.attribute("elementFormDefault").value()) == "qualified");
  const auto element = find_named(schema, kXsd, "element", out.element);
  REQUIRE(element);
  const std::string type = element.attribute("type").value();
  REQUIRE(find_named(schema, kXsd, "complexType", type.substr(type.find(':') + 1)));
  out.sequence = sequence_of(schema, type);
  // The binding's soapAction.
  const auto bind_op = find_named(root.child("wsdl:binding"), kWsdl, "operation", operation);
  REQUIRE(bind_op);
  out.soap_action = xml::child(bind_op, kWsdlSoap, "operation").attribute("soapAction").value();
  return out;
}

// Children of `parent`: qualified, each a field of the sequence, in the sequence's order,
// repeated only where maxOccurs="unbounded", every required field present; nested list items
// are checked against their own type's sequence.
void check_sequence(pugi::xml_node parent, const std::vector<WsdlField> &sequence,
                    const std::string &context) {
  std::size_t next = 0;
  for (const auto c : elements(parent)) {
    CHECK(namespace_uri(c) == kEck);
    INFO("element " << local_name(c) << " of " << context);
    if (next > 0 && sequence[next - 1].repeated && sequence[next - 1].name == local_name(c)) {
      check_sequence(c, sequence[next - 1].children, context + "/" + std::string(local_name(c)));
      continue;
    }
    while (next < sequence.size() && sequence[next].name != local_name(c)) {
      CHECK(sequence[next].optional);  // a required field was skipped
      ++next;
    }
    REQUIRE(next < sequence.size());  // unknown, repeated or out of order
    if (sequence[next].children.empty()) {
      CHECK(elements(c).empty());
    } else {
      check_sequence(c, sequence[next].children, context + "/" + std::string(local_name(c)));
    }
    ++next;
  }
  for (; next < sequence.size(); ++next) CHECK(sequence[next].optional);
}

// Checks an envelope element by element against the WSDL; returns the body's request element.
pugi::xml_node check_envelope(const pugi::xml_document &doc, const std::string &operation) {
  const WsdlRequest w = wsdl_request(operation);
  const auto envelope = doc.document_element();
  CHECK(local_name(envelope) == "Envelope");
  CHECK(namespace_uri(envelope) == kSoapEnv);
  const auto parts = elements(envelope);
  REQUIRE(parts.size() == 2);
  CHECK(local_name(parts[0]) == "Header");
  CHECK(local_name(parts[1]) == "Body");

  const auto header = parts[0];
  CHECK(xml::child(header, kWsa, "Action").child_value() == w.soap_action);
  CHECK(w.soap_action == std::string(kEck) + "/" + operation);
  CHECK(eckid::nv::soap_action(operation) == w.soap_action);
  static const std::regex uuid(
      "urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  CHECK(std::regex_match(xml::child(header, kWsa, "MessageID").child_value(), uuid));
  CHECK(std::string(xml::child(header, kWsa, "To").child_value()) == kTo);
  const auto from = xml::child(header, kWsa, "From");
  REQUIRE(from);
  CHECK(std::string(xml::child(from, kWsa, "Address").child_value()) ==
        std::string("http://www.w3.org/2005/08/addressing/anonymous?oin=") + kOin);
  CHECK_FALSE(xml::child(header, kWsa, "ReplyTo"));

  const auto body = elements(parts[1]);
  REQUIRE(body.size() == 1);
  CHECK(local_name(body[0]) == w.element);
  CHECK(namespace_uri(body[0]) == kEck);
  check_sequence(body[0], w.sequence, operation);
  return body[0];
}

// The request as Client builds it (plugin/nv/client.cpp), serialized and parsed again.
struct Built {
  std::string text;
  std::string message_id;
  pugi::xml_document doc;
};

// A request body filled by the plugin's own code (the batch requests, plugin/nv/batch.cpp).
using Fill = std::function<void(eckid::nv::Request &)>;

void build(Built &out, const std::string &operation,
           const std::vector<std::pair<const char *, std::string>> &fields, const Fill &fill = {}) {
  eckid::nv::Request request(operation, kTo, kOin);
  for (const auto &[name, value] : fields) request.add(request.payload(), name, value);
  if (fill) fill(request);
  out.text = request.serialize();
  out.message_id = request.message_id();
  REQUIRE(out.doc.load_string(out.text.c_str()));
}

// The golden envelope: exactly what goes over the wire, with the message id filled in.
std::string golden(const std::string &operation, const std::string &message_id,
                   const std::string &payload) {
  const std::string element = operation + "Request";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope "
         "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
         "xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" "
         "xmlns:sid=\"http://ketenid.nl/eck/schemas/v1_0\"><soapenv:Header><wsa:Action>"
         "http://ketenid.nl/eck/schemas/v1_0/" +
         operation + "</wsa:Action><wsa:MessageID>" + message_id +
         "</wsa:MessageID><wsa:To>https://127.0.0.1:8443/eck/ws/201703</wsa:To><wsa:From>"
         "<wsa:Address>http://www.w3.org/2005/08/addressing/anonymous?oin=00000001234567890000"
         "</wsa:Address></wsa:From></soapenv:Header><soapenv:Body>" +
         (payload.empty() ? "<sid:" + element + "/>"
                          : "<sid:" + element + ">" + payload + "</sid:" + element + ">") +
         "</soapenv:Body></soapenv:Envelope>";
}

}  // namespace

TEST_CASE("request envelopes match the WSDL element by element", "[nv][wsdl]") {
  struct Case {
    std::string operation;
    std::vector<std::pair<const char *, std::string>> fields;
    std::string golden_payload;
    Fill fill = {};  // instead of fields: the batch requests
  };
  const std::vector<eckid::nv::HpgnItem> hpgn_items = {{7, kHpgnA}, {0, kHpgnB}};
  const std::vector<eckid::nv::StampseudonymItem> stamp_items = {{3, kStamp}};
  const std::string batch_id = "0b4f5a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b";
  const std::vector<Case> cases = {
      {"ping", {}, ""},
      {"retrieveStampseudonym", {{"hpgn", kHpgnA}}, "<sid:hpgn>" + kHpgnA + "</sid:hpgn>"},
      {"retrieveEckId",
       {{"stampseudonym", kStamp}, {"chainId", kChain}, {"sectorId", kSector}},
       "<sid:stampseudonym>" + kStamp + "</sid:stampseudonym><sid:chainId>" + kChain +
           "</sid:chainId><sid:sectorId>" + kSector + "</sid:sectorId>"},
      {"replaceStampseudonym",
       {{"hpgnOld", kHpgnA}, {"hpgnNew", kHpgnB}},
       "<sid:hpgnOld>" + kHpgnA + "</sid:hpgnOld><sid:hpgnNew>" + kHpgnB + "</sid:hpgnNew>"},
      {"replaceStampseudonym",
       {{"hpgnOld", kHpgnA}, {"hpgnNew", kHpgnB}, {"effectiveDate", "2030-01-01T00:00:00Z"}},
       "<sid:hpgnOld>" + kHpgnA + "</sid:hpgnOld><sid:hpgnNew>" + kHpgnB +
           "</sid:hpgnNew><sid:effectiveDate>2030-01-01T00:00:00Z</sid:effectiveDate>"},
      {"retrieveChains", {}, ""},
      {"retrieveSectors", {}, ""},
      {"submitStampseudonymBatch",
       {},
       "<sid:hpgnList><sid:index>7</sid:index><sid:hPgn>" + kHpgnA +
           "</sid:hPgn></sid:hpgnList><sid:hpgnList><sid:index>0</sid:index><sid:hPgn>" + kHpgnB +
           "</sid:hPgn></sid:hpgnList>",
       [&](eckid::nv::Request &r) { eckid::nv::fill_stampseudonym_batch(r, hpgn_items); }},
      {"submitEckIdBatch",
       {},
       "<sid:stampseudonymList><sid:index>3</sid:index><sid:stampseudonym>" + kStamp +
           "</sid:stampseudonym></sid:stampseudonymList><sid:chainId>" + kChain +
           "</sid:chainId><sid:sectorId>" + kSector + "</sid:sectorId>",
       [&](eckid::nv::Request &r) {
         eckid::nv::fill_eckid_batch(r, stamp_items, kChain, kSector);
       }},
      {"retrieveBatch",
       {},
       "<sid:batchIdentifier>" + batch_id + "</sid:batchIdentifier>",
       [&](eckid::nv::Request &r) { eckid::nv::fill_retrieve_batch(r, batch_id); }},
  };
  for (const auto &c : cases) {
    DYNAMIC_SECTION(c.operation << " with " << c.fields.size() << " fields") {
      Built built;
      build(built, c.operation, c.fields, c.fill);
      const auto request = check_envelope(built.doc, c.operation);
      if (!c.fill) {
        const auto children = elements(request);
        REQUIRE(children.size() == c.fields.size());
        for (std::size_t i = 0; i < children.size(); ++i) {
          CHECK(local_name(children[i]) == c.fields[i].first);
          CHECK(children[i].child_value() == c.fields[i].second);
        }
      }
      CHECK(built.text == golden(c.operation, built.message_id, c.golden_payload));
    }
  }
}

TEST_CASE("the WSDL puts hpgnOld before hpgnNew and effectiveDate last, optional", "[nv][wsdl]") {
  const auto w = wsdl_request("replaceStampseudonym");
  REQUIRE(w.sequence.size() == 3);
  CHECK(w.sequence[0].name == "hpgnOld");
  CHECK(w.sequence[1].name == "hpgnNew");
  CHECK(w.sequence[2].name == "effectiveDate");
  CHECK(w.sequence[2].optional);
  CHECK_FALSE(w.sequence[0].optional);
}

TEST_CASE("every request gets a fresh MessageID", "[nv][wsdl]") {
  const eckid::nv::Request a("ping", kTo, kOin);
  const eckid::nv::Request b("ping", kTo, kOin);
  CHECK(a.message_id() != b.message_id());
}

TEST_CASE("values with XML special characters are escaped", "[nv][wsdl]") {
  const std::string nasty = "a<b>&c\"d'e</sid:hpgn><sid:x>";
  eckid::nv::Request request("retrieveStampseudonym", "https://h/x?a=1&b=<2>", kOin);
  request.add(request.payload(), "hpgn", nasty);
  const std::string text = request.serialize();
  CHECK(text.find("<sid:x>") == std::string::npos);
  CHECK(text.find("a&lt;b&gt;&amp;c") != std::string::npos);
  CHECK(text.find("https://h/x?a=1&amp;b=&lt;2&gt;") != std::string::npos);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(text.c_str()));
  const auto body = elements(doc.document_element()).at(1);
  const auto payload = elements(body).at(0);
  REQUIRE(elements(payload).size() == 1);
  CHECK(elements(payload)[0].child_value() == nasty);
  CHECK(std::string(xml::child(elements(doc.document_element()).at(0), kWsa, "To").child_value()) ==
        "https://h/x?a=1&b=<2>");
}

TEST_CASE("the WSDL's batch lists repeat, with index before the value", "[nv][wsdl]") {
  const auto stamp = wsdl_request("submitStampseudonymBatch");
  REQUIRE(stamp.sequence.size() == 1);
  CHECK(stamp.sequence[0].name == "hpgnList");
  CHECK(stamp.sequence[0].repeated);
  REQUIRE(stamp.sequence[0].children.size() == 2);
  CHECK(stamp.sequence[0].children[0].name == "index");
  CHECK(stamp.sequence[0].children[1].name == "hPgn");
  const auto eck = wsdl_request("submitEckIdBatch");
  REQUIRE(eck.sequence.size() == 3);
  CHECK(eck.sequence[0].name == "stampseudonymList");
  CHECK(eck.sequence[0].repeated);
  CHECK(eck.sequence[1].name == "chainId");
  CHECK(eck.sequence[2].name == "sectorId");
}
