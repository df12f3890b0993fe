#include "plugin.hpp"

namespace eckid_cli {

namespace {

const char *level_name(eckid_log_level level) {
  switch (level) {
    case ECKID_LOG_DEBUG:
      return "debug";
    case ECKID_LOG_INFO:
      return "info";
    case ECKID_LOG_WARN:
      return "warn";
    default:
      return "error";
  }
}

void forward(eckid_log_level level, const char *message, void *payload) {
  static_cast<Console *>(payload)->note(std::string("[eckid ") + level_name(level) + "] " +
                                        message);
}

}  // namespace

std::string failure(eckid_status status) {
  return std::string(eckid_last_error()) + " [status " + std::to_string(status) + "]";
}

PluginHandle open_plugin(const std::string &config_path, eckid_delivery delivery,
                         eckid_log_level level, Console &console) {
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  options.log = forward;
  options.log_payload = &console;
  options.log_level = level;
  options.delivery = delivery;
  eckid_plugin *raw = nullptr;
  const eckid_status opened = eckid_open(config_path.c_str(), &options, &raw);
  if (opened != ECKID_OK) {
    console.note("error: the configuration " + config_path + " does not open: " + failure(opened) +
                 "; 'eckid doctor --config " + config_path + "' checks it step by step");
  }
  return PluginHandle(raw, &eckid_close);
}

}  // namespace eckid_cli
