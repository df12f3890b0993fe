// `eckid doctor`: the client certificate checks, from the doctor's own reading of the files.
#pragma once

#include <toml++/toml.h>
#include <filesystem>

#include "report.hpp"

namespace eckid_cli {

/// Checks the client certificate named by the [service] table `service` (client_certificate:
/// PKCS#12, or PEM with client_key; the password from key_password_file or the
/// key_password_env variable); relative paths resolve against config_dir. Writes to report:
/// "certificate" (readable, with subject, serial and issuer, or FAIL naming the file and what
/// to do), "certificate key" (the private key belongs to the certificate: FAIL otherwise) and
/// "certificate validity" (the expiry date in UTC and whole days left; WARN within 60 days,
/// FAIL when expired or not yet valid). A check that cannot be made for lack of the
/// certificate or key is left out; its cause is already a FAIL line. Never throws on bad
/// files (std::bad_alloc aside); never writes the password.
void check_certificate(Report &report, const toml::table &service,
                       const std::filesystem::path &config_dir);

}  // namespace eckid_cli
