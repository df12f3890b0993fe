// HTTPS POST of SOAP messages with libcurl: mutual TLS, verified server, bounded answers.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "nv/credentials.hpp"

namespace eckid::nv {

/// One HTTP answer: status code and body (at most max_response_bytes).
struct HttpAnswer {
  long status = 0;
  std::string body;
};

/// Where Client sends its SOAP requests: Transport, or a stand-in that answers without a
/// network (the fuzz targets in tests/fuzz). Implementations must be thread-safe.
class Poster {
 public:
  virtual ~Poster() = default;
  /// POSTs a SOAP 1.1 body with the SOAPAction header; the answer for any HTTP status.
  virtual HttpAnswer post(std::string_view soap_action, const std::string &body) const = 0;
  /// The URL requests go to (wsa:To).
  virtual const std::string &endpoint() const noexcept = 0;
};

/// Sends requests to the configured endpoint. Server certificate and host name are always
/// verified against ca_bundle alone (never the system's CA store, nor a CA that the
/// CURL_CA_BUNDLE, SSL_CERT_FILE or SSL_CERT_DIR variables name); TLS 1.2 or newer; no
/// redirects; https only. Connections and TLS sessions are shared between calls.
/// Thread-safe: any number of concurrent post()s.
class Transport final : public Poster {
 public:
  /// Throws eckid::Error(ECKID_E_INTERNAL) when libcurl cannot be set up.
  Transport(const ServiceConfig &service, std::shared_ptr<const Credentials> credentials);
  ~Transport() override;
  Transport(const Transport &) = delete;
  Transport &operator=(const Transport &) = delete;

  /// POSTs a SOAP 1.1 body (text/xml; UTF-8) with the SOAPAction header. Returns the answer
  /// for any HTTP status. Throws eckid::Error: ECKID_E_TIMEOUT (connect_timeout_ms /
  /// request_timeout_ms passed), ECKID_E_TLS, ECKID_E_CONNECT (resolve, connect, or a
  /// dropped connection), ECKID_E_RESPONSE_TOO_LARGE (more than max_response_bytes).
  HttpAnswer post(std::string_view soap_action, const std::string &body) const override;

  const std::string &endpoint() const noexcept override { return endpoint_; }

 private:
  struct Shared;
  std::string endpoint_;
  std::string ca_bundle_;
  long connect_timeout_ms_;
  long request_timeout_ms_;
  std::size_t max_response_bytes_;
  std::shared_ptr<const Credentials> credentials_;
  std::unique_ptr<Shared> shared_;
};

}  // namespace eckid::nv
