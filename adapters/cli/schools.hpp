// The [[school]] tables of a configuration file, as the administrator's tool reads them for
// itself (the C ABI does not list schools): key, sector, chains, enabled.
#pragma once

#include <toml++/toml.h>
#include <string>
#include <vector>

namespace eckid_cli {

/// One [[school]] table of the configuration file.
struct School {
  std::string key;
  std::string sector;
  std::vector<std::string> chains;  ///< in the file's order: the plugin's order of ECK iDs
  bool enabled = false;             ///< the plugin's default when the key is absent
};

/// The [[school]] tables of a parsed configuration, in file order. Tables without a string
/// key are skipped (the plugin refuses such a file anyway).
std::vector<School> read_schools(const toml::table &config);

/// Parses the configuration file and returns its [[school]] tables. Throws
/// std::runtime_error naming the file and line when it is not valid TOML.
std::vector<School> load_schools(const std::string &config_path);

}  // namespace eckid_cli
