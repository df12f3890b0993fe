#include "plugin_library.hpp"

#include "mask.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace eckid_host {
namespace {

// Binds `fn` to the exported C symbol `name`.
template <typename Fn>
void bind(const boost::dll::shared_library &library, Fn *&fn, const char *name) {
  if (!library.has(name)) {
    throw std::runtime_error(std::string("the plugin does not export ") + name +
                             " (an older plugin than this host needs)");
  }
  fn = &library.get<Fn>(name);
}

}  // namespace

std::filesystem::path find_plugin(const std::filesystem::path &folder) {
  std::error_code ec;
  std::vector<std::filesystem::path> found;
  for (const auto &entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "libeckid.so" || name.starts_with("libeckid.so.")) found.push_back(entry.path());
  }
  if (ec) throw std::runtime_error("cannot read the plugin folder " + folder.string());
  if (found.empty()) {
    throw std::runtime_error("no libeckid.so in the plugin folder " + folder.string());
  }
  for (const std::string &preferred :
       {"libeckid.so." + std::to_string(ECKID_ABI_VERSION), std::string("libeckid.so")}) {
    const auto it = std::find_if(found.begin(), found.end(),
                                 [&](const auto &p) { return p.filename() == preferred; });
    if (it != found.end()) return *it;
  }
  return *std::max_element(found.begin(), found.end());
}

PluginLibrary::PluginLibrary(const std::filesystem::path &file) : file_(file) {
  boost::system::error_code ec;
  library_.load(boost::dll::fs::path(file.string()), boost::dll::load_mode::rtld_now, ec);
  if (ec) throw std::runtime_error("cannot load " + file.string() + ": " + ec.message());
  bind(library_, api_.abi_version, "eckid_abi_version");
  if (api_.abi_version() != ECKID_ABI_VERSION) {
    throw std::runtime_error(file.string() + " has ABI version " +
                             std::to_string(api_.abi_version()) + "; this host needs " +
                             std::to_string(ECKID_ABI_VERSION));
  }
  bind(library_, api_.version, "eckid_version");
  bind(library_, api_.strerror, "eckid_strerror");
  bind(library_, api_.status_name, "eckid_status_name");
  bind(library_, api_.last_error, "eckid_last_error");
  bind(library_, api_.free, "eckid_free");
  bind(library_, api_.open, "eckid_open");
  bind(library_, api_.close, "eckid_close");
  bind(library_, api_.pgn_validate, "eckid_pgn_validate");
  bind(library_, api_.pupil_created, "eckid_pupil_created");
  bind(library_, api_.pupil_transferred, "eckid_pupil_transferred");
  bind(library_, api_.pgn_changed, "eckid_pgn_changed");
  bind(library_, api_.pupil_lookup, "eckid_pupil_lookup");
  bind(library_, api_.poll, "eckid_poll");
  bind(library_, api_.ack, "eckid_ack");
}

std::string quoted(const PluginApi &api, std::string_view value, std::string_view noun) {
  return eckid::mask::quoted(value, noun, [&](std::string_view v, eckid_pgn_kind kind) {
    return api.pgn_validate(std::string(v).c_str(), kind, nullptr) == ECKID_OK;
  });
}

}  // namespace eckid_host
