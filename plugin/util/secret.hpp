// Reading secrets from files and the environment: the client key's password ([service]
// key_password_file / key_password_env) and the PostgreSQL password ([state] password_file /
// password_env). Read buffers are cleared (secure_clear) before they are freed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace eckid {

/// The whole file, or nullopt with the system's reason (strerror) in `error`. Thread-safe.
std::optional<std::string> read_secret_file(const std::filesystem::path &path, std::string &error);

/// "cannot read <path> (<setting>): <error>; check the path and that the host's user may
/// read it".
std::string cannot_read(const std::filesystem::path &path, std::string_view setting,
                        const std::string &error);

/// Where a password comes from: the first line of `file` (setting `file_setting`), else the
/// environment variable named `env` (setting `env_setting`); both empty: no password.
struct PasswordSource {
  const std::filesystem::path &file;
  std::string_view file_setting;  // e.g. "key_password_file"
  const std::string &env;
  std::string_view env_setting;  // e.g. "key_password_env"
};

/// The password of `source` ("" when both are empty), or nullopt with a message in `problem`
/// that names the setting and what to do (the file unreadable, the variable unset); the
/// message never holds the password. The caller clears the returned password after use.
/// Thread-safe (reads the environment).
std::optional<std::string> read_password(const PasswordSource &source, std::string &problem);

}  // namespace eckid
