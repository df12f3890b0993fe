#include "soap_client.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "emulator_process.hpp"
#include "xml_ns.hpp"

namespace eckid::emulator_test {
namespace {

constexpr const char *kEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char *kWsaNs = "http://www.w3.org/2005/08/addressing";

std::size_t collect(char *data, std::size_t size, std::size_t count, void *target) {
  static_cast<std::string *>(target)->append(data, size * count);
  return size * count;
}

std::string envelope(const std::string &operation, const std::string &message_id,
                     const std::function<void(pugi::xml_node)> &fill, const Tweaks &tweaks) {
  const std::string action = std::string(kEckNs) + "/" + operation;
  pugi::xml_document doc;
  auto root = doc.append_child("soapenv:Envelope");
  root.append_attribute("xmlns:soapenv") = kEnvelopeNs;
  root.append_attribute("xmlns:wsa") = kWsaNs;
  root.append_attribute("xmlns:eck") = std::string(kEckNs).c_str();
  auto header = root.append_child("soapenv:Header");
  header.append_child("wsa:Action").text() = tweaks.action.value_or(action).c_str();
  if (!tweaks.omit_message_id) {
    header.append_child("wsa:MessageID").text() = message_id.c_str();
  }
  if (!tweaks.omit_to) {
    header.append_child("wsa:To").text() = "https://service-s.ketenid.nl/eck/ws/201703";
  }
  if (!tweaks.omit_from) {
    const std::string address = tweaks.from.value_or(
        "http://www.w3.org/2005/08/addressing/anonymous?oin=" + tweaks.oin.value_or(kOin));
    header.append_child("wsa:From").append_child("wsa:Address").text() = address.c_str();
  }
  auto request =
      root.append_child("soapenv:Body").append_child(("eck:" + operation + "Request").c_str());
  if (fill) {
    fill(request);
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace

Identity default_identity() {
  return {pki_dir() + "/client.pem", pki_dir() + "/client.key", "PEM", ""};
}

pugi::xml_node Response::payload() const {
  const auto soap_body = xml::descendant(doc, "Body");
  return soap_body.find_child(
      [](pugi::xml_node node) { return node.type() == pugi::node_element; });
}

std::string Response::text(std::string_view local_name) const {
  return xml::descendant(payload(), local_name).child_value();
}

std::string Response::header(std::string_view local_name) const {
  return xml::descendant(xml::descendant(doc, "Header"), local_name).child_value();
}

bool Response::is_fault() const {
  return xml::local_name(payload()) == "Fault";
}

pugi::xml_node add(pugi::xml_node parent, std::string_view name, std::string_view text) {
  auto node = parent.append_child(("eck:" + std::string(name)).c_str());
  if (!text.empty()) {
    node.text() = std::string(text).c_str();
  }
  return node;
}

std::vector<pugi::xml_node> children_named(pugi::xml_node parent, std::string_view local_name) {
  return xml::children(parent, local_name);
}

std::string child_text(pugi::xml_node parent, std::string_view local_name) {
  const auto nodes = children_named(parent, local_name);
  return nodes.empty() ? std::string() : std::string(nodes.front().child_value());
}

Client::Client(std::string url, Identity identity)
    : url_(std::move(url)), identity_(std::move(identity)) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  curl_ = initialised ? curl_easy_init() : nullptr;
  if (curl_ == nullptr) {
    throw std::runtime_error("curl_easy_init failed");
  }
}

Client::~Client() {
  curl_easy_cleanup(curl_);
}

Response Client::call(const std::string &operation, const std::function<void(pugi::xml_node)> &fill,
                      const Tweaks &tweaks) {
  message_id_ = "urn:uuid:00000000-0000-4000-8000-" + std::to_string(100000000000 + ++counter_);
  const auto soap_action = tweaks.soap_action.value_or(std::string(kEckNs) + "/" + operation);
  return send(envelope(operation, message_id_, fill, tweaks), "\"" + soap_action + "\"");
}

Response Client::send(const std::string &body, const std::string &soap_action,
                      const std::string &method, const std::string &content_type) {
  Response response;
  curl_slist *headers = curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str());
  if (!soap_action.empty()) {
    headers = curl_slist_append(headers, ("SOAPAction: " + soap_action).c_str());
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl_, CURLOPT_CAINFO, (pki_dir() + "/ca.pem").c_str());
  if (!identity_.cert.empty()) {
    curl_easy_setopt(curl_, CURLOPT_SSLCERT, identity_.cert.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLCERTTYPE, identity_.cert_type.c_str());
    if (identity_.cert_type != "P12") {
      curl_easy_setopt(curl_, CURLOPT_SSLKEY, identity_.key.c_str());
    }
    if (!identity_.password.empty()) {
      curl_easy_setopt(curl_, CURLOPT_KEYPASSWD, identity_.password.c_str());
    }
  }
  if (tls12_only_) {
    curl_easy_setopt(curl_, CURLOPT_SSLVERSION,
                     static_cast<long>(CURL_SSLVERSION_TLSv1_2) |
                         static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2));
  }
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
  response.curl = curl_easy_perform(curl_);
  response.curl_error = error;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &response.new_connections);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  response.doc.load_string(response.body.c_str());
  return response;
}

std::string stampseudonym_of(Client &client, const std::string &hpgn) {
  const auto response = client.call("retrieveStampseudonym",
                                    [&](pugi::xml_node request) { add(request, "hpgn", hpgn); });
  if (!response.ok()) {
    throw std::runtime_error("retrieveStampseudonym failed: " + response.body);
  }
  return response.text("stampseudonym");
}

std::string eckid_of(Client &client, const std::string &stampseudonym, const std::string &sector,
                     const std::string &chain) {
  const auto response = client.call("retrieveEckId", [&](pugi::xml_node request) {
    add(request, "stampseudonym", stampseudonym);
    add(request, "chainId", chain);
    add(request, "sectorId", sector);
  });
  if (!response.ok()) {
    throw std::runtime_error("retrieveEckId failed: " + response.body);
  }
  return response.text("eckId");
}

std::string make_hpgn(unsigned number) {
  char buffer[65];
  std::snprintf(buffer, sizeof buffer, "%064x", number);
  return buffer;
}

}  // namespace eckid::emulator_test
