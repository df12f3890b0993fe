// The client certificate and key for mutual TLS, loaded and checked once when the plugin
// opens (so a wrong password fails at open, not at the first pupil).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "util/error.hpp"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct ssl_ctx_st SSL_CTX;

namespace eckid::nv {

/// What a readable client certificate says (for the doctor's check and the plugin's log).
struct CertificateFacts {
  std::filesystem::path file;      // client_certificate
  std::string format;              // "PKCS#12" or "PEM"
  std::string subject;             // one line, OpenSSL's XN_FLAG_ONELINE ("CN = school")
  std::string serial;              // hex
  std::string issuer;              // one line, as subject
  std::int64_t not_before = 0;     // seconds since the Unix epoch; 0 when unreadable
  std::int64_t not_after = 0;      // seconds since the Unix epoch; 0 when unreadable
  std::filesystem::path key_file;  // where the private key is read from
};

/// Why the client certificate or its key cannot be used: an eckid::Error with status
/// ECKID_E_CREDENTIALS whose message names the file, the setting and what to do.
class CredentialsError : public Error {
 public:
  /// What failed: the certificate itself (unreadable, wrong format or password), or its
  /// private key (missing, unreadable, not the certificate's); then `certificate` holds
  /// what the readable certificate says.
  enum class Part { certificate, key };
  CredentialsError(Part part, const std::string &message,
                   std::optional<CertificateFacts> certificate = std::nullopt)
      : Error(ECKID_E_CREDENTIALS, message), part_(part), certificate_(std::move(certificate)) {}
  Part part() const noexcept { return part_; }
  const std::optional<CertificateFacts> &certificate() const noexcept { return certificate_; }

 private:
  Part part_;
  std::optional<CertificateFacts> certificate_;
};

/// A loaded client certificate (leaf, its chain) and private key. Immutable after load;
/// thread-safe to install into many TLS contexts at once.
class Credentials {
 public:
  /// Loads a PKCS#12 file, or a PEM certificate with its PEM key (in `client.key`, or in
  /// the certificate file). The password is read from key_password_file or the
  /// key_password_env variable and cleared after use. Throws CredentialsError naming the
  /// file, the setting and the cause (unreadable, wrong password, no key, key not matching
  /// the certificate).
  explicit Credentials(const ClientCertificate &client);
  ~Credentials();
  Credentials(const Credentials &) = delete;
  Credentials &operator=(const Credentials &) = delete;

  /// Puts the certificate, chain and key into an OpenSSL context (libcurl's
  /// CURLOPT_SSL_CTX_FUNCTION). Returns false when OpenSSL refuses them.
  bool install(SSL_CTX *ctx) const noexcept;

  /// What the certificate says: subject, serial, issuer, validity, where its key is.
  const CertificateFacts &facts() const noexcept { return facts_; }
  /// The files that hold a secret, each with what it holds ("PKCS#12 file", "private key
  /// file", "key password file"): what must be readable by its owner only.
  const std::vector<std::pair<std::filesystem::path, std::string>> &secret_files() const noexcept {
    return secret_files_;
  }

 private:
  void load(const ClientCertificate &client);  // the constructor's work; throws eckid::Error
  void release() noexcept;                     // frees certificate, chain and key
  X509 *cert_ = nullptr;
  EVP_PKEY *key_ = nullptr;
  std::vector<X509 *> chain_;
  CertificateFacts facts_;
  std::vector<std::pair<std::filesystem::path, std::string>> secret_files_;
};

}  // namespace eckid::nv
