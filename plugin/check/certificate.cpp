#include <ctime>
#include <string>

#include "check/check.hpp"

namespace eckid {

namespace {

constexpr std::int64_t kDay = 86400;

Finding finding(Finding::Verdict verdict, std::string check, const std::filesystem::path &file,
                std::string message) {
  return {verdict,           std::move(check), file.string(), 0, "service.client_certificate",
          std::move(message)};
}

// "YYYY-MM-DD" in UTC.
std::string utc_date(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

std::string days(std::int64_t n) {
  return std::to_string(n) + (n == 1 ? " day" : " days");
}

Finding readable(const nv::CertificateFacts &c) {
  return finding(Finding::Verdict::ok, "certificate", c.file,
                 c.file.string() + " (" + c.format + ") readable: subject \"" + c.subject +
                     "\", serial " + c.serial + ", issuer \"" + c.issuer + "\"");
}

}  // namespace

Finding certificate_validity(const nv::CertificateFacts &c, std::int64_t now) {
  using V = Finding::Verdict;
  const std::string check = "certificate validity";
  if (c.not_before == 0 || c.not_after == 0) {
    return finding(
        V::fail, check, c.file,
        c.file.string() + " has an unreadable validity period; ask for a new certificate");
  }
  // Whole days as calendar days in UTC, so the count agrees with the date shown.
  const std::int64_t left = c.not_after / kDay - now / kDay;
  const std::string until = utc_date(c.not_after);
  if (now < c.not_before) {
    return finding(V::fail, check, c.file,
                   "not valid before " + utc_date(c.not_before) + " (valid until " + until +
                       "); check this machine's clock or use the current certificate");
  }
  if (now >= c.not_after) {
    return finding(V::fail, check, c.file,
                   "expired on " + until + " (" + days(-left) +
                       " ago): the service refuses it; ask the service operator for a new "
                       "certificate and replace " +
                       c.file.string());
  }
  if (left <= kCertificateWarnDays) {
    return finding(V::warn, check, c.file,
                   "valid until " + until + " (" + days(left) + "): expires within " +
                       std::to_string(kCertificateWarnDays) + " days; renew it now");
  }
  return finding(V::ok, check, c.file, "valid until " + until + " (" + days(left) + ")");
}

std::vector<Finding> certificate_findings(const ClientCertificate &client) {
  using V = Finding::Verdict;
  if (client.certificate.empty()) return {};  // the configuration's findings say why
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  try {
    const nv::Credentials credentials(client);
    const nv::CertificateFacts &c = credentials.facts();
    return {readable(c),
            finding(V::ok, "certificate key", c.key_file,
                    "the private key in " + c.key_file.string() + " belongs to the certificate"),
            certificate_validity(c, now)};
  } catch (const nv::CredentialsError &e) {
    if (e.part() == nv::CredentialsError::Part::certificate || !e.certificate()) {
      return {finding(V::fail, "certificate", client.certificate, e.what())};
    }
    const nv::CertificateFacts &c = *e.certificate();
    return {readable(c), finding(V::fail, "certificate key", c.key_file, e.what()),
            certificate_validity(c, now)};
  }
}

}  // namespace eckid
