// Finds libeckid.so in a plugin folder and binds the plain C functions of its ABI with
// Boost.DLL: the host never links against the plugin.
#pragma once

#include <eckid/eckid.h>

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace eckid_host {

/// The plugin functions this host calls, bound from the loaded library.
struct PluginApi {
  decltype(&eckid_abi_version) abi_version = nullptr;
  decltype(&eckid_version) version = nullptr;
  decltype(&eckid_strerror) strerror = nullptr;
  decltype(&eckid_status_name) status_name = nullptr;
  decltype(&eckid_last_error) last_error = nullptr;
  decltype(&eckid_free) free = nullptr;
  decltype(&eckid_open) open = nullptr;
  decltype(&eckid_close) close = nullptr;
  decltype(&eckid_pupil_created) pupil_created = nullptr;
  decltype(&eckid_pupil_transferred) pupil_transferred = nullptr;
  decltype(&eckid_pgn_changed) pgn_changed = nullptr;
  decltype(&eckid_pupil_lookup) pupil_lookup = nullptr;
  decltype(&eckid_poll) poll = nullptr;
  decltype(&eckid_ack) ack = nullptr;
  decltype(&eckid_pgn_validate) pgn_validate = nullptr;
};

/// A host-supplied value (an event name, key or any cell of the enrolment file) for output:
/// "'VALUE'", or a placeholder when it is or holds a PGN, by the plugin's own rule
/// (eckid::mask::quoted) and PGN check (api.pgn_validate). `noun` names the value in the
/// placeholder. Thread-safe.
std::string quoted(const PluginApi &api, std::string_view value, std::string_view noun);

/// The plugin file in `folder`: the SONAME of this host's ABI (libeckid.so.<ECKID_ABI_VERSION>,
/// as a runtime package installs it), else libeckid.so, else the last libeckid.so.<version> by
/// name.
/// Throws std::runtime_error when the folder holds none.
std::filesystem::path find_plugin(const std::filesystem::path &folder);

/// A loaded plugin library. The bound functions stay valid while the object lives.
class PluginLibrary {
 public:
  /// Loads `file` (RTLD_NOW), binds every function and checks eckid_abi_version() against
  /// the header this host was built with. Throws std::runtime_error on any failure.
  explicit PluginLibrary(const std::filesystem::path &file);

  const PluginApi &api() const { return api_; }
  const std::filesystem::path &file() const { return file_; }

 private:
  std::filesystem::path file_;
  boost::dll::shared_library library_;
  PluginApi api_;
};

}  // namespace eckid_host
