#include "log/logger.hpp"

namespace eckid {

void Logger::log(eckid_log_level level, std::string_view message) const noexcept {
  if (!enabled(level)) return;
  try {
    const std::string line(message);  // the callback gets a NUL-terminated copy
    fn_(level, line.c_str(), payload_);
  } catch (...) {
    // Dropping a log line is better than failing the host's call.
  }
}

}  // namespace eckid
