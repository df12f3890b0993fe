// The schools of a configuration, as the plugin reads them (eckid_check()).
#pragma once

#include <string>
#include <vector>

namespace eckid_cli {

/// One school of the configuration.
struct School {
  std::string key;
  std::string sector;
  std::vector<std::string> chains;  ///< in the configuration's order: the plugin's order of ECK iDs
  bool enabled = false;
};

/// The schools of the configuration file that read without an error, in its order, from
/// eckid_check(). Throws std::runtime_error with the plugin's message when the check cannot
/// be made (NULL path, out of memory).
std::vector<School> load_schools(const std::string &config_path);

}  // namespace eckid_cli
