// Opening the plugin for the administrator's commands and wording its failures.
#pragma once

#include <eckid/eckid.h>

#include <memory>
#include <string>

#include "console.hpp"

namespace eckid_cli {

/// A plugin handle, closed with eckid_close() when it goes away.
using PluginHandle = std::unique_ptr<eckid_plugin, decltype(&eckid_close)>;

/// The exit statuses of the commands (README.md).
enum ExitStatus : int {
  kExitOk = 0,
  kExitFailed = 1,    ///< rows invalid, refused or failed; or an operation failed
  kExitUsage = 2,     ///< wrong arguments, configuration or files: nothing was done
  kExitDeferred = 3,  ///< the rest waits for the service's daily batch limit
  kExitNoProgress =
      4,  ///< import, deliver: --max-wait passed without progress; the rest stays queued
  kExitInterrupted = 130  ///< stopped by SIGINT or SIGTERM; the work stays queued
};

/// The plugin's message for the calling thread's last failure (it names what to do) and the
/// status number for a support request: "<message> [status N]".
std::string failure(eckid_status status);

/// Opens the plugin on config_path with the given delivery (no result callback: results
/// are collected with eckid_poll()). Log lines at `level` or above go to console.note() as
/// "[eckid warn] ..." (they never hold a PGN). On failure writes what went wrong to the
/// console and returns an empty handle.
PluginHandle open_plugin(const std::string &config_path, eckid_delivery delivery,
                         eckid_log_level level, Console &console);

}  // namespace eckid_cli
