// Starts nv-emulator as a child process for one test and stops it again.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace eckid::emulator_test {

// The test PKI directory: the build-time PKI (target test_pki, packaging/make-test-pki.sh).
const std::string &pki_dir();

// A running nv-emulator on a free port, with a request log of its own.
class Emulator {
 public:
  explicit Emulator(const std::vector<std::string> &extra_args = {});
  ~Emulator();
  Emulator(const Emulator &) = delete;
  Emulator &operator=(const Emulator &) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;
  const std::string &log_path() const { return log_path_; }

  // The request log's lines so far.
  std::vector<std::string> log_lines() const;

  // Sends SIGTERM and waits; returns the exit status (-1 if it had to be killed).
  int stop();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

}  // namespace eckid::emulator_test
