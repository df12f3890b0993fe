#include "nv/credentials.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#include <new>
#include <optional>

#include "util/error.hpp"
#include "util/secret.hpp"
#include "util/secure.hpp"

namespace eckid::nv {

namespace {

using Part = CredentialsError::Part;

[[noreturn]] void fail(const std::string &what) {
  throw CredentialsError(Part::certificate, what);
}

// The key password, from a file (first line) or an environment variable; empty if none.
std::string read_password(const ClientCertificate &c) {
  std::string problem;
  auto password = eckid::read_password(
      {c.password_file, "key_password_file", c.password_env, "key_password_env"}, problem);
  if (!password) fail(problem);
  return std::move(*password);
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

// What BIO-printing OpenSSL functions wrote, as one string.
template <typename Print>
std::string printed(Print print) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();
  print(bio.get());
  char *data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string one_line(const X509_NAME *name) {
  return printed([name](BIO *b) { X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE); });
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
  std::string error;
  auto cert_text = read_secret_file(client.certificate, error);
  if (!cert_text) fail(cannot_read(client.certificate, "client_certificate", error));
  const bool pem = cert_text->find("-----BEGIN") != std::string::npos;
  facts_.file = client.certificate;
  facts_.format = pem ? "PEM" : "PKCS#12";
  facts_.key_file = pem && !client.key.empty() ? client.key : client.certificate;
  ERR_clear_error();
  std::string key_problem;
  if (!pem) {
    // PKCS#12 (DER): certificate, key and chain in one file, protected by the password.
    auto bio = memory_bio(*cert_text);
    PKCS12 *p12 = d2i_PKCS12_bio(bio.get(), nullptr);
    if (p12 == nullptr) {
      fail(client.certificate.string() +
           " is neither PEM nor PKCS#12; set client_certificate to the client certificate (.p12 "
           "with its key, or PEM)");
    }
    STACK_OF(X509) *ca = nullptr;
    const int ok = PKCS12_parse(p12, password.c_str(), &key_, &cert_, &ca);
    PKCS12_free(p12);
    secure_clear(password.data(), password.size());
    for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i)
      chain_.push_back(sk_X509_value(ca, i));
    sk_X509_free(ca);
    if (ok != 1 || cert_ == nullptr) {
      fail("cannot open the PKCS#12 file " + client.certificate.string() +
           ": wrong or missing key password (check key_password_file or key_password_env) or a "
           "damaged file");
    }
    secret_files_.emplace_back(client.certificate, "PKCS#12 file");
    if (key_ == nullptr) key_problem = client.certificate.string() + " holds no private key";
  } else {
    auto bio = memory_bio(*cert_text);
    cert_ = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert_ == nullptr) {
      fail(client.certificate.string() +
           " holds no readable PEM certificate; set client_certificate to the client "
           "certificate (.p12 with its key, or PEM)");
    }
    while (X509 *extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      chain_.push_back(extra);
    }
    ERR_clear_error();
    std::optional<std::string> key_text = client.key.empty()
                                              ? std::optional<std::string>(*cert_text)
                                              : read_secret_file(client.key, error);
    if (!key_text) {
      key_problem = cannot_read(client.key, "client_key", error);
    } else {
      auto key_bio = memory_bio(*key_text);
      key_ = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, password_cb, &password);
      if (key_ != nullptr) {
        secret_files_.emplace_back(facts_.key_file, "private key file");
      } else if (key_text->find("PRIVATE KEY") == std::string::npos) {
        key_problem = facts_.key_file.string() +
                      " holds no PEM private key; set client_key to the certificate's key file";
      } else if (key_text->find("ENCRYPTED") != std::string::npos) {
        key_problem = "cannot decrypt the private key in " + facts_.key_file.string() +
                      ": wrong or missing key password (check key_password_file or "
                      "key_password_env)";
      } else {
        key_problem = "the private key in " + facts_.key_file.string() + " cannot be read";
      }
      secure_clear(key_text->data(), key_text->size());
    }
    secure_clear(password.data(), password.size());
  }
  secure_clear(cert_text->data(), cert_text->size());
  facts_.not_before = to_epoch(X509_get0_notBefore(cert_));
  facts_.not_after = to_epoch(X509_get0_notAfter(cert_));
  facts_.subject = one_line(X509_get_subject_name(cert_));
  facts_.issuer = one_line(X509_get_issuer_name(cert_));
  facts_.serial = printed([this](BIO *b) { i2a_ASN1_INTEGER(b, X509_get0_serialNumber(cert_)); });
  if (key_problem.empty() && X509_check_private_key(cert_, key_) != 1) {
    key_problem = "the private key in " + facts_.key_file.string() +
                  " does not belong to the certificate in " + client.certificate.string() +
                  "; set client_key to the key the certificate was issued for";
  }
  ERR_clear_error();
  if (!key_problem.empty()) throw CredentialsError(Part::key, key_problem, facts_);
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
