// Starting a test's child process with its standard streams in files (posix_spawn).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

extern char **environ;

namespace eckid_test {

/// Starts argv[0] (a path; the rest its arguments) with this process's environment, its
/// standard output and error written to the files `out` and `err` (made with mode 0600, or
/// truncated) and its standard input read from the file `in` (empty: this process's). Returns
/// its pid, for the caller to wait for. Throws std::runtime_error when it cannot start.
inline pid_t spawn_to_files(std::vector<std::string> argv, const std::filesystem::path &out,
                            const std::filesystem::path &err,
                            const std::filesystem::path &in = {}) {
  std::vector<char *> args;
  for (auto &a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!in.empty())
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

}  // namespace eckid_test
