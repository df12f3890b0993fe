#include "nv/soap.hpp"

#include <openssl/rand.h>

#include <array>
#include <sstream>

#include "nv/fault.hpp"
#include "utf8.hpp"
#include "util/encoding.hpp"
#include "util/error.hpp"

namespace eckid::nv {

using xml::child;
using xml::local_name;
using xml::namespace_uri;

namespace {

// A random (version 4) UUID as urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx.
std::string new_message_id() {
  std::array<std::uint8_t, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    throw Error(ECKID_E_CRYPTO, "cannot draw random bytes for a wsa:MessageID");
  }
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string h = hex_lower(b);
  return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
         h.substr(16, 4) + "-" + h.substr(20);
}

[[noreturn]] void bad(const std::string &operation, const std::string &what) {
  throw Error(ECKID_E_BAD_RESPONSE,
              "the Nummervoorziening's answer to " + operation + " is not usable: " + what);
}

}  // namespace

std::string soap_action(std::string_view operation) {
  return std::string(kEckNs) + "/" + std::string(operation);
}

Request::Request(std::string_view operation, std::string_view to, std::string_view oin)
    : operation_(operation), message_id_(new_message_id()) {
  auto decl = doc_.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto envelope = doc_.append_child("soapenv:Envelope");
  envelope.append_attribute("xmlns:soapenv") = kSoapNs;
  envelope.append_attribute("xmlns:wsa") = kWsaNs;
  envelope.append_attribute("xmlns:sid") = kEckNs;
  auto header = envelope.append_child("soapenv:Header");
  header.append_child("wsa:Action").text() = soap_action(operation).c_str();
  header.append_child("wsa:MessageID").text() = message_id_.c_str();
  header.append_child("wsa:To").text() = std::string(to).c_str();
  const std::string from = "http://www.w3.org/2005/08/addressing/anonymous?oin=" + std::string(oin);
  header.append_child("wsa:From").append_child("wsa:Address").text() = from.c_str();
  auto body = envelope.append_child("soapenv:Body");
  payload_ = body.append_child(("sid:" + operation_ + "Request").c_str());
}

pugi::xml_node Request::add(pugi::xml_node parent, const char *name, std::string_view text) {
  auto node = parent.append_child((std::string("sid:") + name).c_str());
  if (!text.empty()) node.text() = std::string(text).c_str();
  return node;
}

std::string Request::serialize() const {
  std::ostringstream out;
  doc_.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  return out.str();
}

Response::Response(const HttpAnswer &answer, std::string_view operation, std::string_view element,
                   eckid_status fault_status)
    : operation_(operation) {
  const std::string &body = answer.body;
  if (!is_valid_utf8(body)) bad(operation_, "it is not valid UTF-8; refused unread");
  if (body.find("<!DOCTYPE") != std::string::npos || body.find("<!ENTITY") != std::string::npos) {
    bad(operation_, "it contains a DOCTYPE; refused unread");
  }
  const auto parsed =
      doc_.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  pugi::xml_node envelope = doc_.document_element();
  pugi::xml_node soap_body = child(envelope, "Body");
  if (!parsed || local_name(envelope) != "Envelope" || namespace_uri(envelope) != kSoapNs ||
      !soap_body) {
    if (answer.status != 200) {
      throw Error(ECKID_E_HTTP, "the Nummervoorziening answered " + operation_ + " with HTTP " +
                                    std::to_string(answer.status) +
                                    " (no SOAP fault); the request may be retried later");
    }
    bad(operation_, parsed ? "it is not a SOAP 1.1 envelope" : parsed.description());
  }
  if (const pugi::xml_node fault = child(soap_body, "Fault")) {
    FaultDetail d{child(fault, "faultcode").text().get(), child(fault, "faultstring").text().get(),
                  child(fault, "faultactor").text().get()};
    std::string message = "the Nummervoorziening answered " + operation_ +
                          " with a fault: " + (d.string.empty() ? "(no faultstring)" : d.string) +
                          " [code " + d.code + (d.actor.empty() ? "" : ", actor " + d.actor) + "]";
    if (fault_status == ECKID_E_NOT_AUTHORISED) {
      message += "; the service does not accept this client certificate or the school's OIN";
    }
    throw ServiceFault(fault_status, message, std::move(d));
  }
  if (answer.status != 200) {
    throw Error(ECKID_E_HTTP, "the Nummervoorziening answered " + operation_ + " with HTTP " +
                                  std::to_string(answer.status));
  }
  payload_ = child(soap_body, element);
  if (!payload_ || namespace_uri(payload_) != kEckNs) {
    bad(operation_, "no " + std::string(element) + " element in the ECK namespace");
  }
}

std::string Response::text(pugi::xml_node parent, std::string_view local) const {
  const pugi::xml_node n = child(parent, local);
  if (!n) bad(operation_, "element " + std::string(local) + " is missing");
  return n.text().get();
}

}  // namespace eckid::nv
