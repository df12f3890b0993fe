#include "emulator_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char **environ;

namespace eckid::emulator_test {
namespace {

constexpr std::string_view kListening = "nv-emulator listening on https://127.0.0.1:";

// Reads the first stdout line of the child, waiting at most ten seconds.
std::string read_first_line(int fd) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd descriptor{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) {
      throw std::runtime_error("nv-emulator did not report its port in time");
    }
    char buffer[256];
    const auto count = read(fd, buffer, sizeof buffer);
    if (count <= 0) {
      throw std::runtime_error("nv-emulator exited before listening");
    }
    line.append(buffer, static_cast<std::size_t>(count));
  }
  return line.substr(0, line.find('\n'));
}

}  // namespace

const std::string &pki_dir() {
  static const std::string dir = ECKID_TEST_PKI_DIR;
  return dir;
}

Emulator::Emulator(const std::vector<std::string> &extra_args) {
  static std::atomic<int> counter{0};
  log_path_ = std::string(NV_HARNESS_LOG_DIR) + "/emulator-" + std::to_string(getpid()) + "-" +
              std::to_string(counter++) + ".log";
  std::remove(log_path_.c_str());
  const auto &pki = pki_dir();
  std::vector<std::string> args = {NV_EMULATOR_PATH,
                                   "--port",
                                   "0",
                                   "--ca",
                                   pki + "/ca.pem",
                                   "--cert",
                                   pki + "/server.pem",
                                   "--key",
                                   pki + "/server.key",
                                   "--log",
                                   log_path_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char *> argv;
  for (auto &arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {  // no leaks into later children
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    throw std::runtime_error("cannot start " + args[0]);
  }
  try {
    const auto line = read_first_line(pipe_fds[0]);
    close(pipe_fds[0]);
    if (!line.starts_with(kListening)) {
      throw std::runtime_error("unexpected first line: " + line);
    }
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(kListening.size())));
  } catch (...) {
    stop();
    throw;
  }
}

Emulator::~Emulator() {
  stop();
  std::remove(log_path_.c_str());
}

std::string Emulator::url() const {
  return "https://127.0.0.1:" + std::to_string(port_) + "/eck/ws/201703";
}

std::vector<std::string> Emulator::log_lines() const {
  std::vector<std::string> lines;
  std::ifstream in(log_path_);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

int Emulator::stop() {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace eckid::emulator_test
