#include "nv/credentials.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "util/error.hpp"
#include "util/secure.hpp"

namespace eckid::nv {

namespace {

[[noreturn]] void fail(const std::filesystem::path &file, const std::string &what) {
  throw Error(ECKID_E_CREDENTIALS, "client certificate " + file.string() + ": " + what);
}

std::string read_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read the file (check the path and its permissions)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The key password, from a file (first line) or an environment variable; empty if none.
std::string read_password(const ClientCertificate &c) {
  if (!c.password_file.empty()) {
    std::string text = read_file(c.password_file);
    const auto end = text.find_first_of("\r\n");
    std::string pw = text.substr(0, end);
    secure_clear(text.data(), text.size());
    return pw;
  }
  if (!c.password_env.empty()) {
    const char *v = std::getenv(c.password_env.c_str());
    if (v == nullptr) {
      fail(c.certificate, "the environment variable " + c.password_env +
                              " (key_password_env) is not set for the host's process");
    }
    return v;
  }
  return {};
}

struct BioDeleter {
  void operator()(BIO *b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr memory_bio(const std::string &data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

int password_cb(char *buf, int size, int, void *userdata) {
  const auto *pw = static_cast<const std::string *>(userdata);
  const int n = static_cast<int>(pw->size());
  if (n > size) return -1;
  std::copy(pw->begin(), pw->end(), buf);
  return n;
}

std::int64_t to_epoch(const ASN1_TIME *t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

Credentials::Credentials(const ClientCertificate &client) {
  try {
    load(client);
  } catch (...) {
    // A constructor that throws runs no destructor: free what was read before the failure
    // (a wrong key password after the certificate was read leaked it).
    release();
    throw;
  }
}

void Credentials::load(const ClientCertificate &client) {
  std::string password = read_password(client);
  if (!client.password_file.empty()) {
    secret_files_.emplace_back(client.password_file, "key password file");
  }
  const std::string cert_text = read_file(client.certificate);
  const bool pem = cert_text.find("-----BEGIN") != std::string::npos;
  ERR_clear_error();
  if (!pem) {
    // PKCS#12 (DER): certificate, key and chain in one file, protected by the password.
    auto bio = memory_bio(cert_text);
    PKCS12 *p12 = d2i_PKCS12_bio(bio.get(), nullptr);
    if (p12 == nullptr) fail(client.certificate, "neither PEM nor PKCS#12");
    STACK_OF(X509) *ca = nullptr;
    const int ok = PKCS12_parse(p12, password.c_str(), &key_, &cert_, &ca);
    PKCS12_free(p12);
    secure_clear(password.data(), password.size());
    if (ok != 1) {
      fail(client.certificate,
           "cannot open the PKCS#12 file: wrong key password (check key_password_file or "
           "key_password_env) or a damaged file");
    }
    secret_files_.emplace_back(client.certificate, "PKCS#12 file");
    for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i)
      chain_.push_back(sk_X509_value(ca, i));
    sk_X509_free(ca);
  } else {
    auto bio = memory_bio(cert_text);
    cert_ = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert_ == nullptr) fail(client.certificate, "no PEM certificate in the file");
    while (X509 *extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      chain_.push_back(extra);
    }
    ERR_clear_error();
    const std::filesystem::path key_path = client.key.empty() ? client.certificate : client.key;
    const std::string key_text = client.key.empty() ? cert_text : read_file(client.key);
    auto key_bio = memory_bio(key_text);
    key_ = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, password_cb, &password);
    secure_clear(password.data(), password.size());
    if (key_ != nullptr) secret_files_.emplace_back(key_path, "private key file");
    if (key_ == nullptr) {
      const bool encrypted = key_text.find("ENCRYPTED") != std::string::npos;
      if (key_text.find("PRIVATE KEY") == std::string::npos) {
        fail(key_path, "no PEM private key in the file (set client_key to the key file)");
      }
      fail(key_path, encrypted ? "cannot decrypt the private key: wrong or missing key password "
                                 "(check key_password_file or key_password_env)"
                               : "the private key cannot be read");
    }
  }
  if (cert_ == nullptr || key_ == nullptr) fail(client.certificate, "no certificate or no key");
  if (X509_check_private_key(cert_, key_) != 1) {
    fail(client.certificate, "the private key does not belong to the certificate");
  }
  not_after_ = to_epoch(X509_get0_notAfter(cert_));
  char subject[512];
  X509_NAME_oneline(X509_get_subject_name(cert_), subject, sizeof subject);
  subject_ = subject;
  ERR_clear_error();
}

Credentials::~Credentials() {
  release();
}

void Credentials::release() noexcept {
  for (X509 *c : chain_) X509_free(c);
  chain_.clear();
  X509_free(cert_);
  cert_ = nullptr;
  EVP_PKEY_free(key_);
  key_ = nullptr;
}

bool Credentials::install(SSL_CTX *ctx) const noexcept {
  if (SSL_CTX_use_certificate(ctx, cert_) != 1) return false;
  if (SSL_CTX_use_PrivateKey(ctx, key_) != 1) return false;
  for (X509 *c : chain_) {
    if (SSL_CTX_add1_chain_cert(ctx, c) != 1) return false;
  }
  return SSL_CTX_check_private_key(ctx) == 1;
}

}  // namespace eckid::nv
