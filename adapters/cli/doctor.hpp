// `eckid doctor`: checks a configuration end to end through the public C ABI only.
#pragma once

#include <ostream>
#include <string>

namespace eckid_cli {

/// Runs the checks for the configuration at config_path and writes one line per check,
/// "OK   <check>: <detail>", "WARN ..." or "FAIL ...", to out. Checks, in order: the
/// configuration opens (eckid_open; its warnings arrive through the log callback), the client
/// certificate (readable, or opening fails; expired: FAIL; expiring within 60 days: WARN, as
/// logged by eckid_open), then per enabled school: ping, its sector in retrieveSectors, each
/// of its chains in retrieveChains. School keys, sectors and chains are read from the file's
/// [[school]] tables. Returns the exit status: 1 if any check failed, else 0. Never prints a
/// PGN (none is involved). Not thread-safe (one run at a time per process).
int run_doctor(const std::string &config_path, std::ostream &out);

}  // namespace eckid_cli
