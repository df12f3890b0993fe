// A child host process (event_process.cpp) driven over pipes: one command line in, its answer
// lines out. Shared by test_processes.cpp and tests/bench/outbox_process_bench.cpp. Not
// thread-safe: one thread talks to one HostProcess at a time.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace eckid_events {

class HostProcess {
 public:
  /// Starts EVENT_PROCESS_PATH on the configuration and waits for its "ready" (the plugin is
  /// open). Throws std::runtime_error when it cannot start or open.
  explicit HostProcess(const std::string &config) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::string path = EVENT_PROCESS_PATH;
    std::string config_arg = config;
    char *argv[] = {path.data(), config_arg.data(), nullptr};
    const int rc = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    to_ = fdopen(in[1], "w");
    from_ = fdopen(out[0], "r");
    if (rc != 0) throw std::runtime_error("cannot start " + path);
    if (read_line() != "ready") throw std::runtime_error("event_process did not open the plugin");
  }
  ~HostProcess() {
    if (pid_ > 0) {
      close_input();
      // It closes the plugin (workers finish their current call) and exits; killed if it hangs.
      for (int i = 0; i < 600 && !reaped(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
    }
    if (to_) fclose(to_);
    if (from_) fclose(from_);
  }
  HostProcess(const HostProcess &) = delete;
  HostProcess &operator=(const HostProcess &) = delete;

  pid_t pid() const { return pid_; }

  /// Sends one command line.
  void send(const std::string &line) {
    if (fputs((line + "\n").c_str(), to_) == EOF || fflush(to_) != 0) {
      throw std::runtime_error("event_process is gone (write failed)");
    }
  }
  /// The next answer line (without its newline). Throws when the process has ended.
  std::string read_line() {
    std::string line;
    for (int c = fgetc(from_); c != '\n'; c = fgetc(from_)) {
      if (c == EOF) throw std::runtime_error("event_process is gone (end of its output)");
      line += static_cast<char>(c);
    }
    return line;
  }
  /// Sends a command and returns its one-line answer.
  std::string request(const std::string &line) {
    send(line);
    return read_line();
  }
  /// poll: the result lines it printed (each already acknowledged by the process).
  std::vector<std::string> poll() {
    send("poll");
    std::vector<std::string> lines;
    for (std::string l = read_line(); l.rfind("polled ", 0) != 0; l = read_line()) {
      lines.push_back(l);
    }
    return lines;
  }
  /// Sends a signal (SIGSTOP, SIGCONT, SIGKILL); after SIGKILL the process is reaped.
  void signal(int sig) {
    ::kill(pid_, sig);
    if (sig == SIGKILL) {
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  /// Closes its stdin: it closes the plugin and exits.
  void close_input() {
    if (to_) fclose(to_);
    to_ = nullptr;
  }

 private:
  bool reaped() {
    if (waitpid(pid_, nullptr, WNOHANG) != pid_) return false;
    pid_ = -1;
    return true;
  }
  pid_t pid_ = -1;
  FILE *to_ = nullptr;
  FILE *from_ = nullptr;
};

}  // namespace eckid_events
