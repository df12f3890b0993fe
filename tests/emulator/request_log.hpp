// The request log: one line per request, nothing else ever.
#pragma once

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace eckid::emulator {

class RequestLog {
 public:
  // No file: the log is off. Throws std::runtime_error when the file cannot be opened.
  explicit RequestLog(const std::optional<std::string> &file);
  ~RequestLog();
  RequestLog(const RequestLog &) = delete;
  RequestLog &operator=(const RequestLog &) = delete;

  // Writes "<UTC time> <operation> <OIN> <outcome>" and flushes; empty fields become "-".
  void write(std::string_view operation, std::string_view oin, std::string_view outcome);

 private:
  std::mutex mutex_;
  std::FILE *file_ = nullptr;
};

}  // namespace eckid::emulator
