#include "request_log.hpp"

#include <stdexcept>

#include "xsd_time.hpp"

namespace eckid::emulator {
namespace {

std::string_view or_dash(std::string_view field) {
  return field.empty() ? "-" : field;
}

}  // namespace

RequestLog::RequestLog(const std::optional<std::string> &file) {
  if (file) {
    file_ = std::fopen(file->c_str(), "a");
    if (file_ == nullptr) {
      throw std::runtime_error("cannot open log file " + *file);
    }
  }
}

RequestLog::~RequestLog() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

void RequestLog::write(std::string_view operation, std::string_view oin, std::string_view outcome) {
  if (file_ == nullptr) {
    return;
  }
  const std::string line = format_xsd_datetime(Clock::now()) + " " +
                           std::string(or_dash(operation)) + " " + std::string(or_dash(oin)) + " " +
                           std::string(or_dash(outcome)) + "\n";
  const std::lock_guard lock(mutex_);
  std::fputs(line.c_str(), file_);
  std::fflush(file_);
}

}  // namespace eckid::emulator
