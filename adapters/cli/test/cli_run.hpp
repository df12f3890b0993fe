// Helpers of the `eckid import`, `status` and `retry` tests: run the built binary as an
// administrator would (optionally interrupted with SIGINT), a configuration for the
// emulator, pupil lists and the ECK iD table.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "onboard_support.hpp"
#include "spawn.hpp"

namespace eckid_cli_test {

/// How a run of the binary ended and what it wrote.
struct Outcome {
  int exit_code = -1;  ///< -1 when it ended by a signal
  int signal = 0;
  std::string out, err;
  std::string all() const { return out + err; }
  bool has(const std::string &text) const { return all().find(text) != std::string::npos; }
};

inline std::string slurp(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// `eckid ARGS...` started with stdout and stderr in files of dir (not a terminal).
class CliProcess {
 public:
  CliProcess(const eckid_test::TempDir &dir, const std::vector<std::string> &args)
      : out_path_(dir.path() / "cli.stdout"), err_path_(dir.path() / "cli.stderr") {
    std::vector<std::string> argv = {ECKID_CLI_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = eckid_test::spawn_to_files(argv, out_path_, err_path_);
    start_ = std::chrono::steady_clock::now();
  }
  ~CliProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  CliProcess(const CliProcess &) = delete;
  CliProcess &operator=(const CliProcess &) = delete;

  /// Waits for the end; with interrupt_after (from the start), sends SIGINT then. Kills the
  /// process and fails after five minutes.
  Outcome wait(std::optional<std::chrono::milliseconds> interrupt_after = std::nullopt) {
    int raw = 0;
    for (bool interrupted = false;;) {
      const pid_t done = waitpid(pid_, &raw, WNOHANG);
      if (done < 0) FAIL("waitpid failed");
      if (done == pid_) break;
      const auto elapsed = std::chrono::steady_clock::now() - start_;
      if (interrupt_after && !interrupted && elapsed >= *interrupt_after) {
        kill(pid_, SIGINT);
        interrupted = true;
      }
      if (elapsed > std::chrono::minutes(5)) FAIL("eckid did not end within five minutes");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    Outcome o;
    o.exit_code = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    o.signal = WIFSIGNALED(raw) ? WTERMSIG(raw) : 0;
    o.out = slurp(out_path_);
    o.err = slurp(err_path_);
    return o;
  }

 private:
  std::filesystem::path out_path_, err_path_;
  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point start_;
};

/// Runs `eckid ARGS...` to its end (see CliProcess).
inline Outcome run_cli(const eckid_test::TempDir &dir, const std::vector<std::string> &args) {
  return CliProcess(dir, args).wait();
}

/// Batches of three, quick polls and retries: several batches per list, short waits.
inline const std::string kFastOnboarding =
    "[onboarding]\nbatch_size = 3\npoll_delay_ms = 50\nblocked_delay_ms = 50\n"
    "[outbox]\nretry_base_ms = 50\nretry_max_ms = 400\nshutdown_wait_ms = 500\n";

/// The school every test imports into (test_support.hpp's minimal_config()).
inline constexpr const char *kSchool = "99ZZ";

/// An emulator that derives with eckid_events::kSecret, so expected_eckid() applies.
inline std::vector<std::string> emulator_args(std::vector<std::string> more = {}) {
  more.push_back("--secret");
  more.push_back(eckid_events::kSecret);
  return more;
}

/// Writes eckid.toml (school 99ZZ, test sector and chain, state folder "state" beside it)
/// for the emulator at endpoint; copies the test PKI once.
inline std::string write_config(const eckid_test::TempDir &dir, const std::string &endpoint,
                                const std::string &extra = kFastOnboarding) {
  if (!std::filesystem::exists(dir.path() / "ca.pem")) dir.add_pki();
  return dir
      .write("eckid.toml", eckid_test::minimal_config(
                               "endpoint = \"" + endpoint + "\"\nrequest_timeout_ms = 20000\n",
                               "\n[state]\ndirectory = \"state\"\n" + extra))
      .string();
}

/// ASCII lowercase (the PGN as the HPgn hashes it).
inline std::string lowercase(std::string s) {
  for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// One row of a pupil list.
struct Pupil {
  std::string key, pgn, kind;  // kind "" (pupil), "pupil" or "staff"
};

/// n pupils "P001".. with the PGNs eckid_events::test_pgn(first..): from first = 0 the
/// published vectors, whose HPgns need no hashing in the test.
inline std::vector<Pupil> pupils(int n, int first = 0) {
  std::vector<Pupil> out;
  for (int i = 0; i < n; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "P%03d", first + i);
    out.push_back({key, eckid_events::test_pgn(first + i), i % 2 ? "pupil" : ""});
  }
  return out;
}

/// The pupil list as CSV with the documented header.
inline std::string pupil_csv(const std::vector<Pupil> &list) {
  std::string text = "pupil_key,pgn,kind\n";
  for (const auto &p : list) text += p.key + "," + p.pgn + "," + p.kind + "\n";
  return text;
}

/// The ECK iD table: pupil key -> ECK iD of the test chain; checks the header and that no
/// pupil appears twice.
inline std::map<std::string, std::string> read_table(const std::filesystem::path &path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::string line;
  REQUIRE(std::getline(in, line));
  CHECK(line == "pupil_key," + eckid_test::test_chain());
  std::map<std::string, std::string> table;
  while (std::getline(in, line)) {
    const auto comma = line.rfind(',');
    REQUIRE(comma != std::string::npos);
    CHECK(table.emplace(line.substr(0, comma), line.substr(comma + 1)).second);
  }
  return table;
}

/// The expected ECK iD of each pupil, from an HPgn computed with OpenSSL (about a second
/// each: start the binary first, and compute these while it runs).
inline std::map<std::string, std::string> expected_table(const std::vector<Pupil> &list) {
  std::map<std::string, std::string> out;
  for (const auto &p : list) {
    out[p.key] = eckid_events::expected_eckid(eckid_events::independent_hpgn(lowercase(p.pgn)),
                                              eckid_test::test_sector());
  }
  return out;
}

}  // namespace eckid_cli_test
