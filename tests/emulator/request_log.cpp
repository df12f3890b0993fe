#include "request_log.hpp"

#include <stdexcept>

#include "xsd_time.hpp"

namespace eckid::emulator {
namespace {

std::string_view or_dash(std::string_view field) {
  return field.empty() ? "-" : field;
}

std::FILE *open_log(const std::optional<std::string> &file) {
  if (!file) {
    return nullptr;
  }
  std::FILE *opened = std::fopen(file->c_str(), "a");
  if (opened == nullptr) {
    throw std::runtime_error("cannot open log file " + *file);
  }
  return opened;
}

}  // namespace

RequestLog::RequestLog(const std::optional<std::string> &file,
                       const std::optional<std::string> &hpgn_file)
    : file_(open_log(file)) {
  try {
    hpgn_file_ = open_log(hpgn_file);
  } catch (...) {
    if (file_ != nullptr) {
      std::fclose(file_);
    }
    throw;
  }
}

RequestLog::~RequestLog() {
  for (std::FILE *file : {file_, hpgn_file_}) {
    if (file != nullptr) {
      std::fclose(file);
    }
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

void RequestLog::write_hpgns(std::string_view operation, const std::vector<std::string> &hpgns) {
  if (hpgn_file_ == nullptr || hpgns.empty()) {
    return;
  }
  const std::string prefix =
      format_xsd_datetime(Clock::now()) + " " + std::string(or_dash(operation)) + " ";
  std::string lines;
  for (const auto &hpgn : hpgns) {
    lines += prefix + hpgn + "\n";
  }
  const std::lock_guard lock(mutex_);
  std::fputs(lines.c_str(), hpgn_file_);
  std::fflush(hpgn_file_);
}

}  // namespace eckid::emulator
