// A small SOAP client for the tests: hand-built envelopes (pugixml) over mutual TLS (libcurl).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>
#include <pugixml.hpp>

namespace eckid::emulator_test {

inline constexpr std::string_view kEckNs = "http://ketenid.nl/eck/schemas/v1_0";
inline constexpr const char *kOin = "00000001234567890000";
inline constexpr const char *kChain =
    "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795";
inline constexpr const char *kSector =
    "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725";
inline constexpr const char *kSecondSector =
    "http://purl.edustandaard.nl/begrippenkader/9f3c6a2e-4b1d-4e8a-9c7f-2d5e8b1a6c04";

// The client's TLS identity.
struct Identity {
  std::string cert;       // file; empty: no client certificate
  std::string key;        // file
  std::string cert_type;  // "PEM" or "P12"
  std::string password;   // of the key or the PKCS#12 file
};

Identity default_identity();  // client.pem / client.key of the test PKI

// Deviations from a correct request, for negative tests.
struct Tweaks {
  std::optional<std::string> action;       // wsa:Action instead of the operation's
  std::optional<std::string> soap_action;  // SOAPAction header instead of the operation's
  std::optional<std::string> from;         // From/Address instead of anonymous?oin=kOin
  std::optional<std::string> oin;          // OIN in the usual From/Address
  bool omit_from = false;
  bool omit_message_id = false;
  bool omit_to = false;
};

struct Response {
  CURLcode curl = CURLE_OK;
  std::string curl_error;
  long status = 0;
  long new_connections = 0;
  std::string body;
  pugi::xml_document doc;

  bool ok() const { return curl == CURLE_OK && status == 200; }
  // The first element in the SOAP Body (the response element or the Fault).
  pugi::xml_node payload() const;
  // Text of the first descendant of the payload with this local name.
  std::string text(std::string_view local_name) const;
  // Text of a SOAP header with this local name.
  std::string header(std::string_view local_name) const;
  bool is_fault() const;
  std::string fault_code() const { return text("faultcode"); }
  std::string fault_string() const { return text("faultstring"); }
  std::string fault_actor() const { return text("faultactor"); }
};

// Appends <eck:name>text</eck:name>.
pugi::xml_node add(pugi::xml_node parent, std::string_view name, std::string_view text = {});

// Children of `parent` with this local name.
std::vector<pugi::xml_node> children_named(pugi::xml_node parent, std::string_view local_name);

// Text of the child of `parent` with this local name.
std::string child_text(pugi::xml_node parent, std::string_view local_name);

class Client {
 public:
  explicit Client(std::string url, Identity identity = default_identity());
  ~Client();
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  // Sends <operation>Request filled by `fill`; reuses the connection when it can.
  Response call(const std::string &operation, const std::function<void(pugi::xml_node)> &fill = {},
                const Tweaks &tweaks = {});

  // Sends a raw body with the given SOAPAction header value (empty: no header), HTTP method
  // and Content-Type.
  Response send(const std::string &body, const std::string &soap_action,
                const std::string &method = "POST",
                const std::string &content_type = "text/xml; charset=utf-8");

  // Limits the TLS version to 1.2 from now on.
  void limit_to_tls12() { tls12_only_ = true; }

  // The message id of the last call.
  const std::string &last_message_id() const { return message_id_; }

 private:
  std::string url_;
  Identity identity_;
  CURL *curl_;
  std::string message_id_;
  unsigned counter_ = 0;
  bool tls12_only_ = false;
};

// Convenience wrappers.
std::string stampseudonym_of(Client &client, const std::string &hpgn);
std::string eckid_of(Client &client, const std::string &stampseudonym,
                     const std::string &sector = kSector, const std::string &chain = kChain);

// A syntactically valid HPgn made from a number.
std::string make_hpgn(unsigned number);

}  // namespace eckid::emulator_test
