// `eckid doctor`: checks a configuration end to end through the public C ABI only.
#pragma once

#include <ostream>
#include <string>

namespace eckid_cli {

/// Runs the checks for the configuration at config_path and writes one line per check,
/// "OK   <check>: <detail>", "WARN ..." or "FAIL ...", to out (not owned). Checks, in order:
/// the file is TOML; the client certificate, read by the doctor itself (certificate_check.hpp:
/// readable, key matches, expiry date with days left, WARN within 60 days); the salt
/// (salt_check.hpp); the configuration opens (eckid_open; its warnings arrive through the log
/// callback); then per enabled school: ping, its sector in retrieveSectors, each of its chains
/// in retrieveChains. A failed check does not stop the others, except that nothing needing
/// the plugin runs when eckid_open fails. School keys, sectors and chains are read from the
/// file's [[school]] tables. Returns the exit status: 1 if any check failed, else 0. Never
/// prints a PGN (none is involved), the salt or a password. Not thread-safe (one run at a
/// time per process).
int run_doctor(const std::string &config_path, std::ostream &out);

}  // namespace eckid_cli
