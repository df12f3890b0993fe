// The request log: one line per request, nothing else ever.
#pragma once

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eckid::emulator {

class RequestLog {
 public:
  // No file: the log is off. hpgn_file: the optional HPgn log (--hpgn-log), for tests that
  // check which pupils a client sent. Throws std::runtime_error when a file cannot be opened.
  explicit RequestLog(const std::optional<std::string> &file,
                      const std::optional<std::string> &hpgn_file = std::nullopt);
  ~RequestLog();
  RequestLog(const RequestLog &) = delete;
  RequestLog &operator=(const RequestLog &) = delete;

  // Writes "<UTC time> <operation> <OIN> <outcome>" and flushes; empty fields become "-".
  void write(std::string_view operation, std::string_view oin, std::string_view outcome);

  // Whether the HPgn log is on.
  bool logs_hpgns() const { return hpgn_file_ != nullptr; }

  // Writes "<UTC time> <operation> <hpgn>" per HPgn to the HPgn log and flushes.
  void write_hpgns(std::string_view operation, const std::vector<std::string> &hpgns);

 private:
  std::mutex mutex_;
  std::FILE *file_ = nullptr;
  std::FILE *hpgn_file_ = nullptr;
};

}  // namespace eckid::emulator
