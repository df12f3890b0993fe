// onboard_bench: a school's pupil list through whole-school onboarding (eckid_onboard(), the
// batch operations) and the same pupils through per-pupil events (eckid_pupil_created()), each
// against nv-emulator with 50 ms added latency per call and in a fresh state folder; beside
// them the same HPgns alone through eckid_hpgn() on every core, for the HPgn share of the wall
// time. Each measurement runs in a child process of its own, so CPU time and peak RSS are its
// own. A tool to run by hand, not a test:
//   onboard_bench [PUPILS [MODE]]   PUPILS default 2000; MODE onboard, per-pupil, hpgn or all
#include <eckid/eckid.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "emulator_process.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char *kSector =
    "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725";
constexpr const char *kChain =
    "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795";
constexpr int kHpgnSample = 50;  // HPgns timed when PUPILS is larger
constexpr auto kProgressEvery = std::chrono::seconds(30);
constexpr auto kStallLimit = std::chrono::minutes(15);  // no new result for this long: a hang

// What one child measured; sent to the parent through a pipe.
struct Measure {
  bool ok = false;
  double wall_s = 0;          // first call to last result (HPgn: the timed sample)
  double cpu_s = 0;           // this process, user + system, over the same span
  double emulator_cpu_s = 0;  // the emulator's whole lifetime; < 0 without one
  long peak_rss_kib = 0;      // this process's lifetime
  int done = 0, failed = 0, refused = 0;
  int hashed = 0;  // HPgn mode: hashes timed
  int calls = 0;   // service requests in the emulator's log
  char calls_by_operation[512] = "";
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  const auto s = [](const timeval &t) { return t.tv_sec + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

unsigned cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// Distinct 9-digit BSNs: an 8-digit prefix and the check digit that makes
// 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11 (prefixes needing a check digit of 10 are
// skipped).
std::vector<std::string> synthetic_bsns(int count) {
  std::vector<std::string> out;
  for (int prefix = 20'000'000; static_cast<int>(out.size()) < count; prefix += 7) {
    const std::string digits = std::to_string(prefix);
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += (9 - i) * (digits[i] - '0');
    if (sum % 11 == 10) continue;
    out.push_back(digits + static_cast<char>('0' + sum % 11));
  }
  return out;
}

// A configuration in a fresh folder: state beside it, one school, one chain. Both cores may
// hash at once (1024 MiB); batches are polled every 200 ms since the emulator finishes at once.
fs::path write_config(const std::string &label, const std::string &endpoint) {
  const fs::path dir =
      fs::temp_directory_path() / ("eckid-onboard-bench-" + std::to_string(getpid()) + "-" + label);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string pki = eckid::emulator_test::pki_dir();
  const fs::path config = dir / "eckid.toml";
  std::ofstream(config) << "[service]\nenvironment = \"sandbox\"\nendpoint = \"" << endpoint
                        << "\"\nsalt = \"rktYml0MIp9TC9u6Ny6uqw==\"\nclient_certificate = \"" << pki
                        << "/client.p12\"\nkey_password_file = \"" << pki
                        << "/client.p12.pass\"\nca_bundle = \"" << pki
                        << "/ca.pem\"\n[hash]\nmemory_budget_mib = 1024\n[outbox]\nworkers = 4\n"
                        << "[onboarding]\npoll_delay_ms = 200\n"
                        << "[[school]]\nkey = \"B1\"\noin = \"00000001234567890000\"\nsector = \""
                        << kSector << "\"\nchains = [\"" << kChain << "\"]\nenabled = true\n";
  return config;
}

eckid_plugin *open_plugin(const fs::path &config, eckid_delivery delivery) {
  eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
  o.delivery = delivery;
  eckid_plugin *plugin = nullptr;
  if (eckid_open(config.c_str(), &o, &plugin) != ECKID_OK) {
    std::fprintf(stderr, "open: %s\n", eckid_last_error());
    return nullptr;
  }
  return plugin;
}

// Polls and acknowledges results until `expected` distinct events have one (duplicates
// dropped by event id). Progress on stderr; false on an error or when results stall.
bool collect(eckid_plugin *plugin, int expected, const char *label, Measure &m,
             Clock::time_point start) {
  std::unordered_set<unsigned long long> seen;
  auto last_new = Clock::now();
  auto next_report = Clock::now() + kProgressEvery;
  while (m.done < expected) {
    eckid_result *r = nullptr;
    const eckid_status s = eckid_poll(plugin, &r);
    if (s == ECKID_OK) {
      if (seen.insert(r->event_id).second) {
        ++m.done;
        last_new = Clock::now();
        if (r->status != ECKID_OK && ++m.failed <= 5) {
          std::fprintf(stderr, "[%s] %s failed: %s: %s\n", label, r->pupil_key,
                       eckid_strerror(r->status), r->message);
        }
      }
      eckid_ack(plugin, r->event_id);
      eckid_free(r);
      continue;
    }
    if (s != ECKID_E_NOT_FOUND) {
      std::fprintf(stderr, "[%s] poll: %s\n", label, eckid_last_error());
      return false;
    }
    if (Clock::now() >= next_report) {
      next_report += kProgressEvery;
      eckid_onboard_info info = ECKID_ONBOARD_INFO_INIT;
      eckid_onboard_status(plugin, "B1", &info);
      std::fprintf(stderr,
                   "[%s] %d/%d results after %.0f s (onboarding: %llu waiting, %llu hashed, "
                   "%llu in batch, %llu deferred)\n",
                   label, m.done, expected, seconds_since(start), info.waiting, info.hashed,
                   info.in_batch, info.deferred);
    }
    if (Clock::now() - last_new > kStallLimit) {
      std::fprintf(stderr, "[%s] no new result for %lld min: stalled at %d/%d\n", label,
                   static_cast<long long>(kStallLimit.count()), m.done, expected);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Counts the emulator's requests by operation ("<time> <operation> <OIN> <outcome>").
void count_calls(const std::vector<std::string> &lines, Measure &m) {
  std::map<std::string, int> by_operation;
  int not_ok = 0;
  for (const auto &line : lines) {
    std::istringstream in(line);
    std::string time, operation, oin, outcome;
    if (!(in >> time >> operation >> oin >> outcome)) continue;
    ++by_operation[operation];
    if (outcome != "ok") ++not_ok;
    ++m.calls;
  }
  std::string text;
  for (const auto &[operation, n] : by_operation) {
    text += (text.empty() ? "" : ", ") + operation + " " + std::to_string(n);
  }
  if (not_ok > 0) text += " (" + std::to_string(not_ok) + " not ok)";
  std::snprintf(m.calls_by_operation, sizeof m.calls_by_operation, "%s", text.c_str());
}

// (a) one eckid_onboard() call for the whole list, or (b) one eckid_pupil_created() per pupil;
// asynchronous delivery, results through eckid_poll()/eckid_ack().
Measure run_service_mode(bool onboarding, const std::vector<std::string> &pgns) {
  const char *label = onboarding ? "onboard" : "per-pupil";
  const int n = static_cast<int>(pgns.size());
  Measure m;
  eckid::emulator_test::Emulator emulator({"--latency-ms", "50", "--threads", "4"});
  const fs::path config = write_config(label, emulator.url());
  eckid_plugin *plugin = open_plugin(config, ECKID_DELIVERY_ASYNC);
  if (plugin == nullptr) return m;
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("pupil-" + std::to_string(i));

  const double cpu_start = cpu_seconds(RUSAGE_SELF);
  const auto start = Clock::now();
  int accepted = 0;
  if (onboarding) {
    std::vector<eckid_onboard_pupil> pupils;
    for (int i = 0; i < n; ++i) {
      pupils.push_back(
          {ECKID_ONBOARD_PUPIL_VERSION, keys[i].c_str(), pgns[i].c_str(), ECKID_PGN_PUPIL});
    }
    std::vector<const eckid_onboard_pupil *> list;
    for (const auto &p : pupils) list.push_back(&p);
    eckid_onboard_receipts *receipts = nullptr;
    if (eckid_onboard(plugin, "B1", list.data(), list.size(), &receipts) != ECKID_OK) {
      std::fprintf(stderr, "onboard: %s\n", eckid_last_error());
    } else {
      accepted = static_cast<int>(receipts->accepted);
      m.refused = static_cast<int>(receipts->refused);
      for (std::size_t i = 0, shown = 0; i < receipts->count && shown < 5; ++i) {
        if (receipts->receipts[i]->event_id == 0 && ++shown) {
          std::fprintf(stderr, "onboard: pupil-%zu refused: %s\n", i,
                       receipts->receipts[i]->message);
        }
      }
      std::fprintf(stderr, "[onboard] list of %d accepted in %.2f s\n", accepted,
                   seconds_since(start));
    }
    eckid_free(receipts);
  } else {
    for (int i = 0; i < n; ++i) {
      eckid_pupil_created_event e = ECKID_PUPIL_CREATED_EVENT_INIT;
      e.school_key = "B1";
      e.pupil_key = keys[i].c_str();
      e.pgn = pgns[i].c_str();
      eckid_result *r = nullptr;
      const eckid_status s = eckid_pupil_created(plugin, &e, &r);
      eckid_free(r);
      if (s == ECKID_QUEUED) {
        ++accepted;
      } else if (++m.refused <= 5) {
        std::fprintf(stderr, "event %d: %s\n", i, eckid_strerror(s));
      }
    }
    std::fprintf(stderr, "[per-pupil] %d events queued in %.2f s\n", accepted,
                 seconds_since(start));
  }
  m.ok = accepted == n && collect(plugin, accepted, label, m, start);
  m.wall_s = seconds_since(start);
  m.cpu_s = cpu_seconds(RUSAGE_SELF) - cpu_start;
  eckid_close(plugin);
  emulator.stop();  // reaped: its CPU time is now in RUSAGE_CHILDREN
  m.emulator_cpu_s = cpu_seconds(RUSAGE_CHILDREN);
  count_calls(emulator.log_lines(), m);
  fs::remove_all(config.parent_path());
  return m;
}

// The HPgns alone: one thread per core, after one untimed hash per thread (memory faulted in).
// All of them when there are few, else the first kHpgnSample.
Measure run_hpgn_mode(const std::vector<std::string> &pgns) {
  Measure m;
  const fs::path config = write_config("hpgn", "https://127.0.0.1:9/eck/ws/201703");
  eckid_plugin *plugin = open_plugin(config, ECKID_DELIVERY_SYNC);
  if (plugin == nullptr) return m;
  const int n = static_cast<int>(pgns.size());
  const int sample = n <= 2 * kHpgnSample ? n : kHpgnSample;
  const std::vector<std::string> warm_up = synthetic_bsns(n + static_cast<int>(cores()));
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  const auto hash = [&](const std::string &pgn) {
    char out[ECKID_HPGN_BUFFER_SIZE];
    if (eckid_hpgn(plugin, pgn.c_str(), ECKID_PGN_PUPIL, out, sizeof out) != ECKID_OK) ++failed;
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < cores(); ++t) threads.emplace_back([&, t] { hash(warm_up[n + t]); });
  for (auto &t : threads) t.join();
  threads.clear();

  const double cpu_start = cpu_seconds(RUSAGE_SELF);
  const auto start = Clock::now();
  for (unsigned t = 0; t < cores(); ++t) {
    threads.emplace_back([&] {
      for (int i; (i = next++) < sample;) hash(pgns[i]);
    });
  }
  for (auto &t : threads) t.join();
  m.wall_s = seconds_since(start);
  m.cpu_s = cpu_seconds(RUSAGE_SELF) - cpu_start;
  m.hashed = sample;
  m.failed = failed;
  m.ok = failed == 0;
  m.emulator_cpu_s = -1;
  eckid_close(plugin);
  fs::remove_all(config.parent_path());
  return m;
}

// Runs one mode in a child process and returns what it measured.
template <typename Run>
std::optional<Measure> in_child(Run run) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    close(fds[0]);
    Measure m;
    try {
      m = run();
    } catch (const std::exception &e) {
      std::fprintf(stderr, "error: %s\n", e.what());
    }
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    m.peak_rss_kib = u.ru_maxrss;
    const bool written = write(fds[1], &m, sizeof m) == static_cast<ssize_t>(sizeof m);
    _exit(written ? 0 : 1);
  }
  close(fds[1]);
  Measure m;
  const bool read_all = read(fds[0], &m, sizeof m) == static_cast<ssize_t>(sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!read_all) return std::nullopt;
  return m;
}

// One table row. hpgn_s: the N HPgns alone on the wall clock; hpgn_cpu_s: their CPU time
// (both 0 when not measured). The CPU-based share (that CPU time spread over all cores) is the
// one to trust when other processes load the machine.
void print_row(const char *mode, const std::optional<Measure> &m, double hpgn_s,
               double hpgn_cpu_s) {
  if (!m) {
    std::printf("| %s | child process failed | | | | | | | |\n", mode);
    return;
  }
  char emulator[32] = "-", share[32] = "-", cpu_share[32] = "-";
  if (m->emulator_cpu_s >= 0) {
    std::snprintf(emulator, sizeof emulator, "%.1f s", m->emulator_cpu_s);
  }
  if (hpgn_s > 0) {
    std::snprintf(share, sizeof share, "%.0f %%", 100.0 * hpgn_s / m->wall_s);
    std::snprintf(cpu_share, sizeof cpu_share, "%.0f %%", 100.0 * hpgn_cpu_s / cores() / m->wall_s);
  }
  std::printf("| %s | %.1f s | %.1f s | %.0f %% | %s | %ld MiB | %d: %s | %s | %s |%s\n", mode,
              m->wall_s, m->cpu_s, 100.0 * m->cpu_s / (m->wall_s * cores()), emulator,
              m->peak_rss_kib / 1024, m->calls, m->calls_by_operation, share, cpu_share,
              m->ok ? "" : " (INCOMPLETE)");
}

}  // namespace

int main(int argc, char **argv) {
  const int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2000;
  const std::string mode = argc > 2 ? argv[2] : "all";
  if (mode != "all" && mode != "onboard" && mode != "per-pupil" && mode != "hpgn") {
    std::fprintf(stderr, "usage: onboard_bench [PUPILS [onboard|per-pupil|hpgn|all]]\n");
    return 2;
  }
  const std::vector<std::string> pgns = synthetic_bsns(n);
  for (const auto &pgn : pgns) {
    if (eckid_pgn_validate(pgn.c_str(), ECKID_PGN_PUPIL, nullptr) != ECKID_OK) {
      std::fprintf(stderr, "synthetic BSN refused: %s\n", eckid_last_error());
      return 1;
    }
  }
  double load_before[3] = {}, load_after[3] = {};
  getloadavg(load_before, 3);

  std::optional<Measure> onboard, per_pupil, hpgn;
  if (mode == "all" || mode == "hpgn") hpgn = in_child([&] { return run_hpgn_mode(pgns); });
  if (mode == "all" || mode == "onboard") {
    onboard = in_child([&] { return run_service_mode(true, pgns); });
  }
  if (mode == "all" || mode == "per-pupil") {
    per_pupil = in_child([&] { return run_service_mode(false, pgns); });
  }
  getloadavg(load_after, 3);

  std::printf("onboard_bench: %d pupils, emulator latency 50 ms per call, %u cores\n", n, cores());
  std::printf("load average before %.2f %.2f %.2f, after %.2f %.2f %.2f\n", load_before[0],
              load_before[1], load_before[2], load_after[0], load_after[1], load_after[2]);
  double hpgn_s = 0, hpgn_cpu_s = 0;
  if (hpgn && hpgn->ok) {
    hpgn_s = hpgn->wall_s * n / hpgn->hashed;
    hpgn_cpu_s = hpgn->cpu_s * n / hpgn->hashed;
    std::printf("HPgns alone (eckid_hpgn, %u threads): %d in %.1f s (CPU %.1f s, peak RSS %ld MiB)",
                cores(), hpgn->hashed, hpgn->wall_s, hpgn->cpu_s, hpgn->peak_rss_kib / 1024);
    if (hpgn->hashed < n) {
      std::printf(", %d extrapolated: %.1f s (CPU %.1f s)", n, hpgn_s, hpgn_cpu_s);
    }
    std::printf("\n");
  } else if (hpgn) {
    std::printf("HPgns alone: failed\n");
  }
  if (mode != "hpgn") {
    std::printf(
        "\n| mode | wall | CPU (process) | CPU use (of %u cores) | emulator CPU | peak RSS | "
        "service calls | HPgn share | HPgn share, CPU-based |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        cores());
  }
  if (mode == "all" || mode == "onboard") {
    print_row("onboarding (eckid_onboard)", onboard, hpgn_s, hpgn_cpu_s);
  }
  if (mode == "all" || mode == "per-pupil") {
    print_row("per pupil (eckid_pupil_created)", per_pupil, hpgn_s, hpgn_cpu_s);
  }
  const auto failed = [&](const std::optional<Measure> &m, const char *name) {
    return (mode == "all" || mode == name) && (!m || !m->ok || m->failed > 0 || m->refused > 0);
  };
  if (failed(onboard, "onboard") || failed(per_pupil, "per-pupil")) {
    std::printf("\nfailed or refused: onboarding %d/%d, per pupil %d/%d\n",
                onboard ? onboard->failed + onboard->refused : 0, onboard ? onboard->done : 0,
                per_pupil ? per_pupil->failed + per_pupil->refused : 0,
                per_pupil ? per_pupil->done : 0);
    return 1;
  }
  return (mode == "all" || mode == "hpgn") && !(hpgn && hpgn->ok) ? 1 : 0;
}
