#include "certificate_check.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "service_settings.hpp"

namespace eckid_cli {

namespace {

constexpr std::int64_t kWarnDays = 60;
constexpr std::int64_t kDay = 86400;

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T *p) const {
    Free(p);
  }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;

// A secret string that is wiped when it goes away.
struct Secret {
  std::string text;
  Secret() = default;
  Secret(const Secret &) = delete;
  Secret &operator=(const Secret &) = delete;
  ~Secret() { OPENSSL_cleanse(text.data(), text.size()); }
};

// The whole file, or the system's reason it cannot be read.
bool read_file(const std::filesystem::path &path, std::string &text, std::string &error) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = std::strerror(errno);
    return false;
  }
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, f)) text.append(buffer, n);
  const bool ok = std::ferror(f) == 0;
  if (!ok) error = std::strerror(errno);
  std::fclose(f);
  OPENSSL_cleanse(buffer, sizeof buffer);
  return ok;
}

// The key password as the plugin reads it: the first line of key_password_file, or the
// key_password_env variable; empty when neither is set. False after a FAIL line.
bool read_password(Report &report, const toml::table &service,
                   const std::filesystem::path &config_dir, Secret &password) {
  if (const auto file = service_path(service, "key_password_file", config_dir)) {
    std::string error;
    Secret text;
    if (!read_file(*file, text.text, error)) {
      report.line("FAIL", "certificate",
                  "cannot read the key password file " + file->string() + " (key_password_file): " +
                      error + "; check the path and that this user may read it");
      return false;
    }
    password.text = text.text.substr(0, text.text.find_first_of("\r\n"));
  } else if (const auto env = service_string(service, "key_password_env")) {
    const char *value = std::getenv(env->c_str());
    if (value == nullptr) {
      report.line("FAIL", "certificate",
                  "the environment variable " + *env +
                      " (key_password_env) is not set; set it for the host's process and here");
      return false;
    }
    password.text = value;
  }
  return true;
}

int password_callback(char *buffer, int size, int, void *payload) {
  const auto &password = static_cast<const Secret *>(payload)->text;
  if (static_cast<int>(password.size()) > size) return -1;
  std::memcpy(buffer, password.data(), password.size());
  return static_cast<int>(password.size());
}

Bio memory(const std::string &text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

struct Identity {
  Cert cert;
  Key key;
  std::string format;              // "PKCS#12" or "PEM"
  std::filesystem::path key_file;  // where the key was read from
  std::string key_problem;         // why there is no key (a FAIL detail), if so
};

// A PKCS#12 file: certificate and key, both protected by the password.
bool load_pkcs12(Report &report, const std::filesystem::path &file, const std::string &text,
                 const Secret &password, Identity &id) {
  const Bio bio = memory(text);
  PKCS12 *p12 = d2i_PKCS12_bio(bio.get(), nullptr);
  if (p12 == nullptr) {
    report.line("FAIL", "certificate",
                file.string() +
                    " is neither PEM nor PKCS#12; set client_certificate to the "
                    "client certificate (.p12 with its key, or PEM)");
    return false;
  }
  X509 *cert = nullptr;
  EVP_PKEY *key = nullptr;
  STACK_OF(X509) *chain = nullptr;
  const int parsed = PKCS12_parse(p12, password.text.c_str(), &key, &cert, &chain);
  PKCS12_free(p12);
  sk_X509_pop_free(chain, X509_free);
  id.cert.reset(cert);
  id.key.reset(key);
  if (parsed != 1 || cert == nullptr) {
    report.line("FAIL", "certificate",
                "cannot open the PKCS#12 file " + file.string() +
                    ": wrong or missing key password (check key_password_file or "
                    "key_password_env) or a damaged file");
    return false;
  }
  id.format = "PKCS#12";
  id.key_file = file;
  if (key == nullptr) id.key_problem = file.string() + " holds no private key";
  return true;
}

// A PEM certificate, its key in client_key or in the same file.
bool load_pem(Report &report, const toml::table &service, const std::filesystem::path &config_dir,
              const std::filesystem::path &file, const std::string &text, Secret &password,
              Identity &id) {
  const Bio bio = memory(text);
  id.cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!id.cert) {
    report.line("FAIL", "certificate",
                file.string() +
                    " holds no readable PEM certificate; set client_certificate to "
                    "the client certificate (.p12 with its key, or PEM)");
    return false;
  }
  id.format = "PEM";
  id.key_file = service_path(service, "client_key", config_dir).value_or(file);
  Secret key_text;
  std::string error;
  if (id.key_file != file && !read_file(id.key_file, key_text.text, error)) {
    id.key_problem = "cannot read " + id.key_file.string() + " (client_key): " + error +
                     "; check the path and that this user may read it";
    return true;
  }
  const std::string &pem = id.key_file == file ? text : key_text.text;
  const Bio key_bio = memory(pem);
  id.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, password_callback, &password));
  if (!id.key) {
    if (pem.find("PRIVATE KEY") == std::string::npos) {
      id.key_problem = id.key_file.string() +
                       " holds no PEM private key; set client_key to the certificate's key file";
    } else if (pem.find("ENCRYPTED") != std::string::npos) {
      id.key_problem = "cannot decrypt the private key in " + id.key_file.string() +
                       ": wrong or missing key password (check key_password_file or "
                       "key_password_env)";
    } else {
      id.key_problem = "the private key in " + id.key_file.string() + " cannot be read";
    }
  }
  return true;
}

// What BIO-printing OpenSSL functions wrote, as one string.
template <typename Print>
std::string printed(Print print) {
  const Bio bio(BIO_new(BIO_s_mem()));
  print(bio.get());
  char *data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string name(const X509_NAME *n) {
  return printed([n](BIO *b) { X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE); });
}

std::string describe(X509 *cert) {
  const std::string serial =
      printed([cert](BIO *b) { i2a_ASN1_INTEGER(b, X509_get0_serialNumber(cert)); });
  return "subject \"" + name(X509_get_subject_name(cert)) + "\", serial " + serial + ", issuer \"" +
         name(X509_get_issuer_name(cert)) + "\"";
}

// Seconds since the Unix epoch of an ASN.1 time, or nullopt when it cannot be read.
std::optional<std::int64_t> epoch(const ASN1_TIME *t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

// "YYYY-MM-DD" in UTC.
std::string utc_date(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

std::string days(std::int64_t n) {
  return std::to_string(n) + (n == 1 ? " day" : " days");
}

void check_validity(Report &report, X509 *cert, const std::filesystem::path &file) {
  const auto not_before = epoch(X509_get0_notBefore(cert));
  const auto not_after = epoch(X509_get0_notAfter(cert));
  if (!not_before || !not_after) {
    report.line("FAIL", "certificate validity",
                file.string() + " has an unreadable validity period; ask for a new certificate");
    return;
  }
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  // Whole days as calendar days in UTC, so the count agrees with the date shown.
  const std::int64_t left = *not_after / kDay - now / kDay;
  const std::string until = utc_date(*not_after);
  if (now < *not_before) {
    report.line("FAIL", "certificate validity",
                "not valid before " + utc_date(*not_before) + " (valid until " + until +
                    "); check this machine's clock or use the current certificate");
  } else if (now >= *not_after) {
    report.line("FAIL", "certificate validity",
                "expired on " + until + " (" + days(-left) +
                    " ago): the service refuses it; "
                    "ask the service operator for a new certificate and replace " +
                    file.string());
  } else if (left <= kWarnDays) {
    report.line("WARN", "certificate validity",
                "valid until " + until + " (" + days(left) + "): expires within " +
                    std::to_string(kWarnDays) + " days; renew it now");
  } else {
    report.line("OK", "certificate validity", "valid until " + until + " (" + days(left) + ")");
  }
}

}  // namespace

void check_certificate(Report &report, const toml::table &service,
                       const std::filesystem::path &config_dir) {
  const auto file = service_path(service, "client_certificate", config_dir);
  if (!file) {
    report.line("FAIL", "certificate",
                "[service] client_certificate is missing; set it to the client certificate "
                "from the service operator (.p12 with its key, or PEM)");
    return;
  }
  std::string text, error;
  if (!read_file(*file, text, error)) {
    report.line("FAIL", "certificate",
                "cannot read " + file->string() + " (client_certificate): " + error +
                    "; check the path and that this user may read it");
    return;
  }
  Secret password;
  if (!read_password(report, service, config_dir, password)) return;
  Identity id;
  ERR_clear_error();
  const bool loaded = text.find("-----BEGIN") != std::string::npos
                          ? load_pem(report, service, config_dir, *file, text, password, id)
                          : load_pkcs12(report, *file, text, password, id);
  OPENSSL_cleanse(text.data(), text.size());
  ERR_clear_error();
  if (!loaded) return;
  report.line("OK", "certificate",
              file->string() + " (" + id.format + ") readable: " + describe(id.cert.get()));
  if (!id.key) {
    report.line("FAIL", "certificate key", id.key_problem);
  } else if (X509_check_private_key(id.cert.get(), id.key.get()) != 1) {
    ERR_clear_error();
    report.line("FAIL", "certificate key",
                "the private key in " + id.key_file.string() +
                    " does not belong to the certificate in " + file->string() +
                    "; set client_key to the key the certificate was issued for");
  } else {
    report.line("OK", "certificate key",
                "the private key in " + id.key_file.string() + " belongs to the certificate");
  }
  check_validity(report, id.cert.get(), *file);
}

}  // namespace eckid_cli
