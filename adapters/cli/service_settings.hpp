// Reading [service] keys of a configuration file the way the plugin does (plugin/config).
#pragma once

#include <toml++/toml.h>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace eckid_cli {

/// The [service] string at key, or nullopt when it is absent or not a string.
inline std::optional<std::string> service_string(const toml::table &service, std::string_view key) {
  return service[key].value<std::string>();
}

/// The [service] path at key, relative paths resolved against config_dir (the configuration
/// file's folder); nullopt when absent or empty.
inline std::optional<std::filesystem::path> service_path(const toml::table &service,
                                                         std::string_view key,
                                                         const std::filesystem::path &config_dir) {
  const auto text = service_string(service, key);
  if (!text || text->empty()) return std::nullopt;
  const std::filesystem::path p(*text);
  return p.is_relative() ? config_dir / p : p;
}

}  // namespace eckid_cli
