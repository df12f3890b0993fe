// libFuzzer target: TOML text through the plugin's configuration loader (parse_config, the
// code behind eckid_open()). Any text must end in a Config or in an eckid::Error with
// ECKID_E_CONFIG; another exception, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  std::vector<std::string> warnings;
  try {
    // A folder that does not exist: relative paths in the text (salt_file) resolve to nothing.
    const eckid::Config config =
        eckid::parse_config(text, "/nonexistent-eckid-fuzz/eckid.toml", warnings);
    // What the plugin relies on after a successful parse (config.hpp).
    if (config.hash.memory_budget_mib < 128) std::abort();
    for (const auto &school : config.schools) {
      if (school.key.empty()) std::abort();
    }
  } catch (const eckid::Error &e) {
    if (e.status() != ECKID_E_CONFIG) std::abort();
  }
  return 0;
}
