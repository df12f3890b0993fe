#include "soap.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "fault.hpp"
#include "xml_ns.hpp"

namespace eckid::emulator {

using xml::child;
using xml::is;
using xml::local_name;
using xml::namespace_uri;

namespace {

constexpr std::string_view kFaultAction = "http://www.w3.org/2005/08/addressing/soap/fault";

std::string_view unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

// An OIN: 20 digits or upper-case letters (issue 12; the spec only says "the 20-character
// organisation number"). A lower-case OIN is not the school's number.
bool is_oin(std::string_view text) {
  return text.size() == 20 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
         });
}

// SOAP 1.1, 4.1.1 and 4.3: an optional Header as the first child of Envelope, then Body.
void check_envelope_children(pugi::xml_node envelope) {
  bool header = false;
  for (const auto node : envelope.children()) {
    if (node.type() != pugi::node_element) {
      continue;
    }
    if (!header && is(node, kEnvelopeNs, "Header")) {
      header = true;
      continue;
    }
    if (is(node, kEnvelopeNs, "Body")) {
      for (auto after = node.next_sibling(); after; after = after.next_sibling()) {
        if (is(after, kEnvelopeNs, "Header") || is(after, kEnvelopeNs, "Body")) {
          throw client_fault("MalformedEnvelope",
                             "a SOAP Envelope holds at most one Header, before the one Body "
                             "(SOAP 1.1, 4.1.1)");
        }
      }
      return;
    }
    throw client_fault("MalformedEnvelope",
                       "unexpected <" + std::string(node.name()) +
                           "> in the SOAP Envelope: expected an optional Header, then the Body "
                           "(SOAP 1.1, 4.1.1)");
  }
  throw client_fault("MalformedEnvelope", "the SOAP Envelope has no Body (SOAP 1.1, 4.1.1)");
}

// SOAP 1.1, 4.2.2 and 4.2.3: a header entry meant for this node with mustUnderstand="1" that
// is not understood fails the message with faultcode MustUnderstand. The WS-Addressing
// headers are understood; the WS-Addressing 1.0 SOAP binding (6.4.1, invalid cardinality)
// allows each of them once, except RelatesTo.
void check_header_entries(pugi::xml_node header) {
  constexpr std::string_view kNextActor = "http://schemas.xmlsoap.org/soap/actor/next";
  std::set<std::string_view> seen;
  for (const auto entry : header.children()) {
    if (entry.type() != pugi::node_element) {
      continue;
    }
    const std::string_view name = local_name(entry);
    if (namespace_uri(entry) == kWsaNs) {
      if (name != "RelatesTo" && !seen.insert(name).second) {
        throw client_fault("InvalidAddressingHeader",
                           "WS-Addressing header " + std::string(name) +
                               " occurs more than once (invalid cardinality)");
      }
      continue;
    }
    const auto actor = xml::attribute(entry, kEnvelopeNs, "actor");
    const auto must = xml::attribute(entry, kEnvelopeNs, "mustUnderstand");
    const auto must_value = trim_xml_space(must.value());
    if ((!actor || trim_xml_space(actor.value()) == kNextActor) &&
        (must_value == "1" || must_value == "true")) {
      throw Fault("soapenv:MustUnderstand", "MustUnderstand",
                  "header <" + std::string(entry.name()) +
                      "> is marked mustUnderstand but is not understood by this service");
    }
  }
}

void check_addressing(pugi::xml_node header, std::optional<std::string_view> soap_action,
                      RequestInfo &info) {
  check_header_entries(header);
  const auto from = child(header, kWsaNs, "From");
  if (!from) {
    throw client_fault("MissingFrom", "WS-Addressing header From is required");
  }
  const std::string_view address = trim_xml_space(child(from, kWsaNs, "Address").child_value());
  if (!address.starts_with(kAnonymousPrefix) || !is_oin(address.substr(kAnonymousPrefix.size()))) {
    throw client_fault("InvalidOin", "From/Address must be " + std::string(kAnonymousPrefix) +
                                         "<OIN: 20 digits or upper-case letters>");
  }
  info.oin = address.substr(kAnonymousPrefix.size());

  const std::string expected = std::string(kEckNs) + "/" + info.operation;
  const auto action = child(header, kWsaNs, "Action");
  if (!action) {
    throw client_fault("MissingAction", "WS-Addressing header Action is required");
  }
  if (trim_xml_space(action.child_value()) != expected) {
    throw client_fault("ActionMismatch",
                       "WS-Addressing Action does not match the body: expected " + expected);
  }
  // SOAP 1.1, 6.1.1: the header is required; WS-Addressing 1.0 SOAP binding: its value is
  // the Action or empty ("").
  if (!soap_action) {
    throw client_fault("MissingSoapAction",
                       "the SOAPAction HTTP header is required: \"" + expected + "\"");
  }
  const auto soap_action_value = unquote(trim_xml_space(*soap_action));
  if (!soap_action_value.empty() && soap_action_value != expected) {
    throw client_fault("SoapActionMismatch",
                       "SOAPAction header does not match the body: expected " + expected);
  }
  if (info.message_id.empty()) {
    throw client_fault("MissingMessageID", "WS-Addressing header MessageID is required");
  }
  if (trim_xml_space(child(header, kWsaNs, "To").child_value()).empty()) {
    throw client_fault("MissingTo", "WS-Addressing header To is required");
  }
  // The answer goes back on the HTTP connection: a reply or fault endpoint other than the
  // anonymous one cannot be honoured (the spec: ReplyTo is not used).
  for (const std::string_view name : {"ReplyTo", "FaultTo"}) {
    const auto endpoint = child(header, kWsaNs, name);
    if (endpoint &&
        trim_xml_space(child(endpoint, kWsaNs, "Address").child_value()) != kAnonymous) {
      throw client_fault("OnlyAnonymousAddressSupported",
                         "WS-Addressing " + std::string(name) + "/Address must be " +
                             std::string(kAnonymous) + " or the header left out");
    }
  }
}

std::string to_string(const pugi::xml_document &doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  return out.str();
}

// An envelope with the WS-Addressing reply headers; returns the Body element.
pugi::xml_node start_envelope(pugi::xml_document &doc, const RequestInfo &info,
                              std::string_view message_id, std::string_view action) {
  auto declaration = doc.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  auto envelope = doc.append_child("soapenv:Envelope");
  envelope.append_attribute("xmlns:soapenv") = std::string(kEnvelopeNs).c_str();
  envelope.append_attribute("xmlns:wsa") = std::string(kWsaNs).c_str();
  envelope.append_attribute("xmlns:eck") = std::string(kEckNs).c_str();
  auto header = envelope.append_child("soapenv:Header");
  header.append_child("wsa:Action").text() = std::string(action).c_str();
  header.append_child("wsa:MessageID").text() = ("urn:uuid:" + std::string(message_id)).c_str();
  if (!info.message_id.empty()) {
    header.append_child("wsa:RelatesTo").text() = info.message_id.c_str();
  }
  header.append_child("wsa:To").text() = "http://www.w3.org/2005/08/addressing/anonymous";
  return envelope.append_child("soapenv:Body");
}

}  // namespace

std::string_view trim_xml_space(std::string_view value) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = value.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return value.substr(first, value.find_last_not_of(kSpace) - first + 1);
}

pugi::xml_node parse_request(pugi::xml_document &doc, std::string_view body,
                             std::optional<std::string_view> soap_action, RequestInfo &info) {
  const auto parsed = doc.load_buffer(body.data(), body.size(),
                                      pugi::parse_default | pugi::parse_doctype | pugi::parse_pi);
  if (!parsed) {
    throw client_fault("MalformedXml",
                       std::string("request is not well-formed XML: ") + parsed.description());
  }
  for (const auto node : doc.children()) {
    if (node.type() == pugi::node_doctype) {
      throw client_fault("DoctypeRejected", "DOCTYPE declarations are not accepted");
    }
  }
  // SOAP 1.1, 3: a SOAP message must not contain processing instructions.
  if (doc.find_node([](pugi::xml_node node) { return node.type() == pugi::node_pi; })) {
    throw client_fault("ProcessingInstruction",
                       "processing instructions are not allowed in a SOAP message");
  }
  const auto envelope = doc.document_element();
  if (local_name(envelope) != "Envelope") {
    throw client_fault("MalformedEnvelope", "the document element must be a SOAP Envelope");
  }
  if (namespace_uri(envelope) != kEnvelopeNs) {
    throw Fault("soapenv:VersionMismatch", "VersionMismatch",
                "only SOAP 1.1 envelopes (" + std::string(kEnvelopeNs) + ") are accepted");
  }
  check_envelope_children(envelope);
  const auto header = child(envelope, kEnvelopeNs, "Header");
  info.message_id = trim_xml_space(child(header, kWsaNs, "MessageID").child_value());
  const auto soap_body = child(envelope, kEnvelopeNs, "Body");
  const auto request =
      soap_body.find_child([](pugi::xml_node n) { return n.type() == pugi::node_element; });
  if (!request || request.next_sibling()) {
    throw client_fault("MalformedBody", "the SOAP Body must hold exactly one request element");
  }
  const std::string_view name = local_name(request);
  if (namespace_uri(request) != kEckNs || !name.ends_with("Request")) {
    throw client_fault("UnknownOperation", "the body must hold an <operation>Request element in " +
                                               std::string(kEckNs));
  }
  info.operation = name.substr(0, name.size() - std::string_view("Request").size());
  check_addressing(header, soap_action, info);
  return request;
}

void check_sequence(pugi::xml_node parent, const std::vector<Field> &sequence) {
  std::size_t position = 0;
  bool seen = false;
  for (const auto node : parent.children()) {
    if (node.type() != pugi::node_element) {
      continue;
    }
    const auto match =
        std::find_if(sequence.begin() + static_cast<std::ptrdiff_t>(position), sequence.end(),
                     [&](const Field &field) { return is(node, kEckNs, field.name); });
    if (match == sequence.end()) {
      throw client_fault("UnexpectedElement", "unexpected or misplaced element <" +
                                                  std::string(node.name()) + "> in <" +
                                                  std::string(local_name(parent)) + ">");
    }
    const auto index = static_cast<std::size_t>(match - sequence.begin());
    if (seen && index == position && !match->repeated) {
      throw client_fault("UnexpectedElement",
                         "element <" + std::string(match->name) + "> may occur only once");
    }
    position = index;
    seen = true;
  }
}

std::string required_text(pugi::xml_node parent, std::string_view name) {
  const auto node = child(parent, kEckNs, name);
  if (!node) {
    throw client_fault("MissingElement", "required element <" + std::string(name) +
                                             "> is missing in <" + std::string(local_name(parent)) +
                                             ">");
  }
  return node.child_value();
}

std::optional<std::string> optional_text(pugi::xml_node parent, std::string_view name) {
  const auto node = child(parent, kEckNs, name);
  return node ? std::optional<std::string>(node.child_value()) : std::nullopt;
}

std::vector<pugi::xml_node> eck_children(pugi::xml_node parent, std::string_view name) {
  return xml::children(parent, kEckNs, name);
}

pugi::xml_node add_eck(pugi::xml_node parent, std::string_view name, std::string_view text) {
  auto node = parent.append_child(("eck:" + std::string(name)).c_str());
  if (!text.empty()) {
    node.text() = std::string(text).c_str();
  }
  return node;
}

std::string build_response(const RequestInfo &info, std::string_view message_id,
                           const std::function<void(pugi::xml_node body)> &fill) {
  pugi::xml_document doc;
  const std::string action = std::string(kEckNs) + "/" + info.operation + "Response";
  fill(start_envelope(doc, info, message_id, action));
  return to_string(doc);
}

std::string build_fault(const RequestInfo &info, std::string_view message_id,
                        const std::string &code, const std::string &message,
                        const std::string &actor) {
  pugi::xml_document doc;
  auto fault = start_envelope(doc, info, message_id, kFaultAction).append_child("soapenv:Fault");
  fault.append_child("faultcode").text() = code.c_str();
  fault.append_child("faultstring").text() = message.c_str();
  if (!actor.empty()) {
    fault.append_child("faultactor").text() = actor.c_str();
  }
  return to_string(doc);
}

}  // namespace eckid::emulator
