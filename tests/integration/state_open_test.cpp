// Opening one state folder from several processes at once (issue 13, item 5): every open
// succeeds, and all agree on the one outbox key; a damaged key file gives a clear message.
// The processes are forked and released together through a pipe, like hosts started at once.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/plugin.hpp"
#include "outbox/sealer.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace {

// What one process reports: "key <keyed hash>" or "error <status> <message>".
std::string open_once(const std::filesystem::path &config, const std::filesystem::path &state) {
  try {
    eckid::Plugin plugin(eckid::ConfigSource::file(config), eckid::Logger(), {});
    return "key " + eckid::Sealer(state).keyed_hash("agree");
  } catch (const eckid::Error &e) {
    return "error " + std::to_string(e.status()) + " " + e.what();
  }
}

// Forks n processes that wait for one signal, then open the configuration at once; their reports.
std::vector<std::string> open_together(int n, const std::filesystem::path &config,
                                       const std::filesystem::path &state) {
  int start[2];
  REQUIRE(pipe(start) == 0);
  std::vector<std::pair<pid_t, int>> children;
  for (int i = 0; i < n; ++i) {
    int out[2];
    REQUIRE(pipe(out) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(start[1]);
      close(out[0]);
      char c;
      (void)!read(start[0], &c, 1);  // returns when the parent closes its end
      const std::string report = open_once(config, state);
      (void)!write(out[1], report.data(), report.size());
      _exit(0);
    }
    close(out[1]);
    children.emplace_back(pid, out[0]);
  }
  close(start[0]);
  close(start[1]);  // go
  std::vector<std::string> reports;
  for (auto [pid, fd] : children) {
    std::string report;
    char buf[512];
    for (ssize_t got; (got = read(fd, buf, sizeof buf)) > 0;) report.append(buf, got);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    reports.push_back(report);
  }
  return reports;
}

}  // namespace

TEST_CASE("Processes opening one fresh state folder at once all succeed and share one key",
          "[state]") {
  for (int round = 0; round < 10; ++round) {
    eckid_test::TempDir dir;
    dir.add_pki();
    const auto config = dir.write("eckid.toml", eckid_test::minimal_config());
    const auto reports = open_together(6, config, dir.path() / "state");
    const std::set<std::string> distinct(reports.begin(), reports.end());
    std::string all;
    for (const auto &r : distinct) all += r + "\n";
    INFO("round " << round << ":\n" << all);
    REQUIRE(distinct.size() == 1);
    REQUIRE(distinct.begin()->rfind("key ", 0) == 0);
    CHECK(std::filesystem::file_size(dir.path() / "state" / "outbox.key") == 32);
  }
}

TEST_CASE("A damaged outbox key names the file and what to do", "[state]") {
  eckid_test::TempDir dir;
  dir.add_pki();
  const auto config = dir.write("eckid.toml", eckid_test::minimal_config());
  const auto key = dir.path() / "state" / "outbox.key";
  { eckid::Plugin plugin(eckid::ConfigSource::file(config), eckid::Logger(), {}); }
  for (std::uintmax_t size : {0u, 5u}) {
    std::filesystem::resize_file(key, size);
    try {
      eckid::Plugin plugin(eckid::ConfigSource::file(config), eckid::Logger(), {});
      FAIL("a " << size << "-byte key was accepted");
    } catch (const eckid::Error &e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(e.status() == ECKID_E_STATE);
      CHECK(message.find(key.string() + " is damaged: it has " + std::to_string(size) +
                         " bytes, a key has 32") != std::string::npos);
      CHECK(message.find("Restore it from a backup") != std::string::npos);
    }
  }
}

TEST_CASE("A replaced outbox key is recorded: the state folder opens again with it", "[state]") {
  eckid_test::TempDir dir;
  dir.add_pki();
  const auto config = dir.write("eckid.toml", eckid_test::minimal_config());
  const auto key = dir.path() / "state" / "outbox.key";
  std::string first;
  {
    eckid::Plugin plugin(eckid::ConfigSource::file(config), eckid::Logger(), {});
    first = eckid::Sealer(dir.path() / "state").keyed_hash("agree");
  }
  // The administrator deleted a damaged key (the damaged-key message says this is the way
  // out): the next open makes a new one and records it instead of refusing the folder.
  std::filesystem::remove(key);
  for (int open = 0; open < 2; ++open) {
    eckid::Plugin plugin(eckid::ConfigSource::file(config), eckid::Logger(), {});
    CHECK(eckid::Sealer(dir.path() / "state").keyed_hash("agree") != first);
  }
}
