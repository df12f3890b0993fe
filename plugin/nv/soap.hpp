// SOAP 1.1 envelopes with WS-Addressing 1.0 headers, built and read with pugixml
// (spec "Transport"; element names and order from the WSDL).
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "eckid/eckid.h"
#include "nv/transport.hpp"
#include "xml_ns.hpp"

namespace eckid::nv {

inline constexpr const char *kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr const char *kWsaNs = "http://www.w3.org/2005/08/addressing";
inline constexpr const char *kEckNs = "http://ketenid.nl/eck/schemas/v1_0";

/// The SOAPAction (and wsa:Action) of a WSDL operation: kEckNs + "/" + operation.
std::string soap_action(std::string_view operation);

/// A request envelope for one operation: headers wsa:Action, wsa:MessageID (a fresh
/// urn:uuid), wsa:To (the endpoint), wsa:From/wsa:Address
/// (http://www.w3.org/2005/08/addressing/anonymous?oin=<OIN>), and the body element
/// <operation>Request in the ECK namespace. Not thread-safe (one per call).
class Request {
 public:
  Request(std::string_view operation, std::string_view to, std::string_view oin);

  /// Appends a child element in the ECK namespace with text content (escaped by pugixml).
  pugi::xml_node add(pugi::xml_node parent, const char *name, std::string_view text = {});
  /// The body's request element.
  pugi::xml_node payload() const noexcept { return payload_; }
  const std::string &operation() const noexcept { return operation_; }
  const std::string &message_id() const noexcept { return message_id_; }
  /// The envelope as UTF-8 text.
  std::string serialize() const;

 private:
  std::string operation_;
  std::string message_id_;
  pugi::xml_document doc_;
  pugi::xml_node payload_;
};

/// A parsed answer: the body's response element (children are looked up by local name).
class Response {
 public:
  /// Checks and parses an answer to `operation`, whose body holds `element` (the WSDL's
  /// output element, such as retrieveEckIdResponse or submitBatchResponse). Refuses, unparsed, a
  /// body that is not valid UTF-8 or has a DOCTYPE (ECKID_E_BAD_RESPONSE). A SOAP fault throws
  /// ServiceFault with `fault_status`; a non-200 answer without a fault throws ECKID_E_HTTP; a body
  /// without `element` in the ECK namespace throws ECKID_E_BAD_RESPONSE.
  Response(const HttpAnswer &answer, std::string_view operation, std::string_view element,
           eckid_status fault_status);

  pugi::xml_node payload() const noexcept { return payload_; }
  /// Text of the first child with this local name; throws ECKID_E_BAD_RESPONSE if absent.
  std::string text(pugi::xml_node parent, std::string_view local) const;

 private:
  std::string operation_;
  pugi::xml_document doc_;
  pugi::xml_node payload_;
};

}  // namespace eckid::nv
