// The client certificate and key for mutual TLS, loaded and checked once when the plugin
// opens (so a wrong password fails at open, not at the first pupil).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct ssl_ctx_st SSL_CTX;

namespace eckid::nv {

/// A loaded client certificate (leaf, its chain) and private key. Immutable after load;
/// thread-safe to install into many TLS contexts at once.
class Credentials {
 public:
  /// Loads a PKCS#12 file, or a PEM certificate with its PEM key (in `client.key`, or in
  /// the certificate file). The password is read from key_password_file or the
  /// key_password_env variable and cleared after use. Throws eckid::Error with
  /// ECKID_E_CREDENTIALS naming the file and the cause (unreadable, wrong password, no key,
  /// key not matching the certificate).
  explicit Credentials(const ClientCertificate &client);
  ~Credentials();
  Credentials(const Credentials &) = delete;
  Credentials &operator=(const Credentials &) = delete;

  /// Puts the certificate, chain and key into an OpenSSL context (libcurl's
  /// CURLOPT_SSL_CTX_FUNCTION). Returns false when OpenSSL refuses them.
  bool install(SSL_CTX *ctx) const noexcept;

  /// The certificate's notAfter as seconds since the Unix epoch.
  std::int64_t not_after() const noexcept { return not_after_; }
  /// The certificate's subject, one line (for logs and the doctor check).
  const std::string &subject() const noexcept { return subject_; }
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
  std::int64_t not_after_ = 0;
  std::string subject_;
  std::vector<std::pair<std::filesystem::path, std::string>> secret_files_;
};

}  // namespace eckid::nv
