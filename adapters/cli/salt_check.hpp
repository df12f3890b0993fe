// `eckid doctor`: the environment salt checks, from the doctor's own reading of the file.
#pragma once

#include <toml++/toml.h>
#include <filesystem>

#include "report.hpp"

namespace eckid_cli {

/// Checks the salt of the [service] table `service` (salt, or salt_file resolved against
/// config_dir). Writes to report "salt" (exactly one of salt/salt_file, readable, strict
/// base64, decoded length: FAIL when empty, WARN under 16 or over 64 bytes) and, when the
/// salt decodes and environment is known, "salt environment" (the public sandbox salt only
/// in the sandbox environment). Never writes the salt itself; wipes its copies. Never throws
/// on bad values (std::bad_alloc aside).
void check_salt(Report &report, const toml::table &service,
                const std::filesystem::path &config_dir);

}  // namespace eckid_cli
