#include "salt_check.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "service_settings.hpp"

namespace eckid_cli {

namespace {

// Spec "The three tiers" (../shared/spec/nummervoorziening.md), HPgn: "The salt is per
// environment (sandbox, acceptance, qualification, production) ... The public sandbox salt is
// in ../nv/vectors.toml" (scrypt.salt_base64). The spec names no other environment's salt, so
// the doctor can tell only whether the sandbox salt is where it belongs. It is compared with,
// never used for hashing.
constexpr const char *kSandboxSalt = "rktYml0MIp9TC9u6Ny6uqw==";

// An HPgn salt shorter than 128 bits is weak (NIST SP 800-132, 5.1); a much longer value is
// more likely another secret pasted by mistake.
constexpr std::size_t kMinBytes = 16;
constexpr std::size_t kMaxBytes = 64;

// A byte string that is wiped when it goes away.
struct Bytes {
  std::vector<unsigned char> data;
  Bytes() = default;
  Bytes(const Bytes &) = delete;
  Bytes &operator=(const Bytes &) = delete;
  Bytes(Bytes &&) = default;
  ~Bytes() { OPENSSL_cleanse(data.data(), data.size()); }
};

// Strict base64 (A-Z a-z 0-9 + /, '=' padding only at the end, length a multiple of 4), as
// the plugin accepts it; nullopt otherwise.
std::optional<Bytes> decode(const std::string &text) {
  static const std::regex strict("([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");
  if (!std::regex_match(text, strict)) return std::nullopt;
  Bytes out;
  out.data.resize(text.size() / 4 * 3 + 1);
  const int n =
      EVP_DecodeBlock(out.data.data(), reinterpret_cast<const unsigned char *>(text.data()),
                      static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  const std::size_t padding = text.size() - text.find_last_not_of('=') - 1;
  out.data.resize(text.empty() ? 0 : static_cast<std::size_t>(n) - padding);
  return out;
}

// The salt text from salt or salt_file (trimmed), or nullopt after a FAIL line.
std::optional<std::string> salt_text(Report &report, const toml::table &service,
                                     const std::filesystem::path &config_dir) {
  const auto inline_salt = service_string(service, "salt");
  const auto file = service_path(service, "salt_file", config_dir);
  if (inline_salt && file) {
    report.line("FAIL", "salt", "[service] sets both salt and salt_file; keep one of them");
    return std::nullopt;
  }
  if (!inline_salt && !file) {
    report.line("FAIL", "salt",
                "[service] has no salt and no salt_file; set one of them to the environment "
                "salt from the service operator (base64)");
    return std::nullopt;
  }
  if (inline_salt) return inline_salt;
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    report.line("FAIL", "salt",
                "cannot read " + file->string() +
                    " (salt_file); check the path and that this user may read it");
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  std::string trimmed =
      first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  OPENSSL_cleanse(text.data(), text.size());
  return trimmed;
}

void check_environment(Report &report, const toml::table &service, const Bytes &salt) {
  const std::string environment = service_string(service, "environment").value_or("");
  if (environment != "sandbox" && environment != "acceptance" && environment != "qualification" &&
      environment != "production") {
    return;  // opening the configuration reports it
  }
  const bool is_sandbox_salt = salt.data == decode(kSandboxSalt)->data;
  if (environment == "sandbox" && !is_sandbox_salt) {
    report.line("WARN", "salt environment",
                "environment is sandbox but the salt is not the public sandbox salt (spec "
                "\"The three tiers\"); every HPgn will differ from the sandbox's: check both");
  } else if (environment != "sandbox" && is_sandbox_salt) {
    report.line("FAIL", "salt environment",
                "the public sandbox salt is configured for environment " + environment +
                    "; each environment has its own salt: ask the service operator for the " +
                    environment + " salt");
  } else if (is_sandbox_salt) {
    report.line("OK", "salt environment", "the public sandbox salt, for environment sandbox");
  } else {
    report.line("OK", "salt environment",
                "not the sandbox salt, as expected for environment " + environment +
                    " (its own salt cannot be checked here)");
  }
}

}  // namespace

void check_salt(Report &report, const toml::table &service,
                const std::filesystem::path &config_dir) {
  auto text = salt_text(report, service, config_dir);
  if (!text) return;
  const auto salt = decode(*text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!salt) {
    report.line("FAIL", "salt",
                "the salt is not base64 (A-Z a-z 0-9 + /, '=' padding, length a multiple of "
                "4); copy it again from the service operator's message");
    return;
  }
  const std::size_t n = salt->data.size();
  const std::string size = std::to_string(n) + " bytes";
  if (n == 0) {
    report.line("FAIL", "salt", "the salt is empty; set the environment salt (base64)");
    return;
  }
  if (n < kMinBytes) {
    report.line("WARN", "salt",
                "only " + size + " (at least " + std::to_string(kMinBytes) +
                    " expected); check that the whole salt was copied");
  } else if (n > kMaxBytes) {
    report.line("WARN", "salt",
                size + ", unusually long for a salt (at most " + std::to_string(kMaxBytes) +
                    " expected); check that it is the environment salt");
  } else {
    report.line("OK", "salt", "base64, " + size);
  }
  check_environment(report, service, *salt);
}

}  // namespace eckid_cli
