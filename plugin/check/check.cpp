#include "check/check.hpp"

#include <algorithm>
#include <string>

#include "util/encoding.hpp"

namespace eckid {

namespace {

// Spec "The three tiers" (shared/spec/nummervoorziening.md), HPgn: "The salt is per
// environment (sandbox, acceptance, qualification, production) ... The public sandbox salt is
// in ../nv/vectors.toml" (scrypt.salt_base64). The spec names no other environment's salt, so
// only whether the sandbox salt is where it belongs can be told. It is compared with, never
// used for hashing.
constexpr const char *kSandboxSalt = "rktYml0MIp9TC9u6Ny6uqw==";

// An HPgn salt shorter than 128 bits is weak (NIST SP 800-132, 5.1); a much longer value is
// more likely another secret pasted by mistake.
constexpr std::size_t kMinSaltBytes = 16;
constexpr std::size_t kMaxSaltBytes = 64;

Finding salt_finding(Finding::Verdict verdict, std::string check, std::string message) {
  return {verdict, std::move(check), "", 0, "service.salt", std::move(message)};
}

}  // namespace

std::vector<Finding> salt_findings(const ServiceConfig &service) {
  using V = Finding::Verdict;
  std::vector<Finding> out;
  const std::size_t n = service.salt.size();
  if (n == 0) return out;  // the configuration's findings say why
  const std::string size = std::to_string(n) + " bytes";
  if (n < kMinSaltBytes) {
    out.push_back(salt_finding(V::warn, "salt",
                               "only " + size + " (at least " + std::to_string(kMinSaltBytes) +
                                   " expected); check that the whole salt was copied"));
  } else if (n > kMaxSaltBytes) {
    out.push_back(salt_finding(V::warn, "salt",
                               size + ", unusually long for a salt (at most " +
                                   std::to_string(kMaxSaltBytes) +
                                   " expected); check that it is the environment salt"));
  } else {
    out.push_back(salt_finding(V::ok, "salt", "base64, " + size));
  }
  const auto sandbox = base64_decode(kSandboxSalt);
  const bool is_sandbox_salt =
      sandbox && sandbox->size() == n &&
      std::equal(sandbox->span().begin(), sandbox->span().end(), service.salt.span().begin());
  const std::string environment(to_string(service.environment));
  const bool in_sandbox = service.environment == Environment::sandbox;
  if (in_sandbox && !is_sandbox_salt) {
    out.push_back(salt_finding(V::warn, "salt environment",
                               "environment is sandbox but the salt is not the public sandbox "
                               "salt (spec \"The three tiers\"); every HPgn will differ from the "
                               "sandbox's: check both"));
  } else if (!in_sandbox && is_sandbox_salt) {
    out.push_back(salt_finding(V::fail, "salt environment",
                               "the public sandbox salt is configured for environment " +
                                   environment +
                                   "; each environment has its own salt: ask the service "
                                   "operator for the " +
                                   environment + " salt"));
  } else if (is_sandbox_salt) {
    out.push_back(salt_finding(V::ok, "salt environment",
                               "the public sandbox salt, for environment sandbox"));
  } else {
    out.push_back(salt_finding(V::ok, "salt environment",
                               "not the sandbox salt, as expected for environment " + environment +
                                   " (its own salt cannot be checked here)"));
  }
  return out;
}

namespace {

// The check a configuration problem belongs to, by its key: the salt's and the certificate's
// settings are reported with those checks.
std::string check_of(const std::string &key) {
  if (key == "service.salt" || key == "service.salt_file") return "salt";
  if (key == "service.client_certificate" || key == "service.client_key" ||
      key == "service.key_password_file" || key == "service.key_password_env") {
    return "certificate";
  }
  return "config";
}

// Whether the configuration names a state folder to check: it was read, and its [state] table
// and directory have no error (a wrong one falls back to the default folder, not the
// administrator's).
bool names_state(const ConfigReading &reading) {
  if (reading.config.state.directory.empty()) return false;
  return std::none_of(reading.problems.begin(), reading.problems.end(), [](const auto &p) {
    return p.severity == ConfigProblem::Severity::error &&
           (p.key == "[state]" || p.key == "state.directory");
  });
}

}  // namespace

CheckReport check_configuration(const ConfigSource &source) {
  CheckReport report;
  ConfigReading reading = read_config(source);
  for (const auto &p : reading.problems) {
    report.findings.push_back({p.severity == ConfigProblem::Severity::error
                                   ? Finding::Verdict::fail
                                   : Finding::Verdict::warn,
                               check_of(p.key), p.file, p.line, p.key, p.message});
  }
  for (auto &f : certificate_findings(reading.config.service.client)) {
    report.findings.push_back(std::move(f));
  }
  for (auto &f : salt_findings(reading.config.service)) report.findings.push_back(std::move(f));
  if (names_state(reading)) {
    for (auto &f : state_findings(reading.config.state)) report.findings.push_back(std::move(f));
  }
  report.schools = std::move(reading.config.schools);
  return report;
}

}  // namespace eckid
