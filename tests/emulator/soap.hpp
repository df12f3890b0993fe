// SOAP 1.1 envelopes with WS-Addressing 1.0 headers, read and written with pugixml.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace eckid::emulator {

inline constexpr std::string_view kEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr std::string_view kEckNs = "http://ketenid.nl/eck/schemas/v1_0";
inline constexpr std::string_view kWsaNs = "http://www.w3.org/2005/08/addressing";
inline constexpr std::string_view kAnonymous = "http://www.w3.org/2005/08/addressing/anonymous";
inline constexpr std::string_view kAnonymousPrefix =
    "http://www.w3.org/2005/08/addressing/anonymous?oin=";

// What is known about a request, filled in as far as parsing got (for the log and faults).
struct RequestInfo {
  std::string operation;   // e.g. "ping"; empty until known
  std::string oin;         // from wsa:From/wsa:Address; empty until known
  std::string message_id;  // wsa:MessageID; empty until known
};

// Parses and checks the envelope, the SOAPAction header (nullopt: the request had none) and
// the WS-Addressing headers; returns the request element in the body. Throws Fault.
pugi::xml_node parse_request(pugi::xml_document &doc, std::string_view body,
                             std::optional<std::string_view> soap_action, RequestInfo &info);

// The value with XML whitespace (space, tab, CR, LF) removed at both ends: the "collapse"
// whitespace facet of xsd:anyURI, xsd:int and xsd:dateTime (XML Schema Part 2, 4.3.6) for
// values without inner whitespace.
std::string_view trim_xml_space(std::string_view value);

// One element of a request's xsd:sequence.
struct Field {
  std::string_view name;
  bool repeated = false;
};

// Checks that the element children of `parent` are ECK elements in the order of `sequence`,
// with no strangers and no repetition of single elements. Throws Fault.
void check_sequence(pugi::xml_node parent, const std::vector<Field> &sequence);

// The text of the one ECK child `name`; throws Fault when it is missing.
std::string required_text(pugi::xml_node parent, std::string_view name);

// The text of the ECK child `name`, if there is one.
std::optional<std::string> optional_text(pugi::xml_node parent, std::string_view name);

// All ECK children called `name`.
std::vector<pugi::xml_node> eck_children(pugi::xml_node parent, std::string_view name);

// Appends an ECK element with optional text.
pugi::xml_node add_eck(pugi::xml_node parent, std::string_view name, std::string_view text = {});

// A response envelope: `fill` adds the response element to the body.
std::string build_response(const RequestInfo &info, std::string_view message_id,
                           const std::function<void(pugi::xml_node body)> &fill);

// A fault envelope.
std::string build_fault(const RequestInfo &info, std::string_view message_id,
                        const std::string &code, const std::string &message,
                        const std::string &actor);

}  // namespace eckid::emulator
