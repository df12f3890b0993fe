// outbox_process_bench: the outbox across processes on one state store (issue 18), per state
// engine and process count: event acceptance latency (how long eckid_pupil_created() takes in
// asynchronous delivery: the event is durably queued) and drained throughput with the HPgn
// excluded. Each process is an event_process child (tests/events) with [outbox] workers = 2.
// A tool to run by hand (README "Outbox speed across processes"), not a test:
//   outbox_process_bench [EVENTS [LATENCY_MS]]   (default 240 events, 20 ms per service call)
// SQLite's rows always; PostgreSQL's too with ECKID_TEST_POSTGRES=DIR, a cluster started by
// `python3 tests/adapters/private_postgres.py start DIR`.
//
// Per row, three measures in fresh state:
// - acceptance, workers idle: the service is unreachable and the breaker opens at the first
//   failure ([outbox] breaker_threshold = 1), so the workers stop claiming; after one warm-up
//   event per process (its hash and failure happen before the measure), EVENTS events.
// - acceptance, while hashing: the EVENTS events of the drain below, fired while the processes'
//   workers hash the ones before them (scrypt on both cores), as a burst from a host does.
// - drained throughput, HPgn excluded: the events' first attempts meet an emulator that spoils
//   every answer (--answer-mode bad-eckid: a transient failure), and each attempt keeps its
//   event's HPgn for the retries (plugin/outbox/dispatcher.cpp). Once every event's HPgn has
//   reached the service (the emulator's HPgn log), that emulator is replaced by a normal one on
//   the same port: from then on the events need no scrypt, only claims, two service calls, the
//   record and the outcome. The events retry within a second ([outbox] retry_max_ms), faster
//   than the workers take them, so the rate counts from the first result to the last one
//   (polled every 5 ms): events - 1 over that time.
#include <eckid/eckid.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "emulator_process.hpp"
#include "host_process.hpp"
#include "state_engine.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using eckid::emulator_test::Emulator;
using eckid_events::HostProcess;

constexpr const char *kSector =
    "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725";
constexpr const char *kChain =
    "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795";

/// Where a row keeps the plugin's state: the [state] table for a run in `dir`
/// (tests/events/state_engine.hpp).
struct StateEngine {
  const char *name;
  std::function<std::string(const fs::path &dir)> state_config;
};

/// SQLite in the run's folder, and PostgreSQL (issue 18) when ECKID_TEST_POSTGRES names a
/// cluster folder of tests/adapters/private_postgres.py (`start DIR`): a schema per run.
std::vector<StateEngine> engines() {
  std::vector<StateEngine> list{{"SQLite", [](const fs::path &dir) {
                                   return eckid_events::state_table(
                                       dir, "directory = \"" + (dir / "state").string() + "\"\n",
                                       {});
                                 }}};
  if (const auto postgres = eckid_events::test_postgres(); !postgres.empty()) {
    list.push_back({"PostgreSQL", [postgres](const fs::path &dir) {
                      return eckid_events::state_table(dir, "", postgres);
                    }});
  }
  return list;
}

// The i-th BSN of a fixed series (8 digits from i, the ninth passes the 11-check).
std::string bsn(int i) {
  for (int n = 30'000'000 + i * 7;; ++n) {
    const std::string d = std::to_string(n);
    int sum = 0;
    for (int k = 0; k < 8; ++k) sum += (d[k] - '0') * (9 - k);
    if (sum % 11 <= 9) return d + static_cast<char>('0' + sum % 11);
  }
}

std::vector<std::string> words(const std::string &line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// A fresh folder with a configuration: the engine's state, one school, `outbox` settings.
struct Run {
  fs::path dir;
  fs::path config;
  Run(const StateEngine &engine, const std::string &endpoint, const std::string &outbox) {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("eckid-process-bench-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir);
    const std::string pki = eckid::emulator_test::pki_dir();
    config = dir / "eckid.toml";
    std::ofstream(config) << "[service]\nenvironment = \"sandbox\"\nendpoint = \"" << endpoint
                          << "\"\nsalt = \"rktYml0MIp9TC9u6Ny6uqw==\"\nclient_certificate = \""
                          << pki << "/client.p12\"\nkey_password_file = \"" << pki
                          << "/client.p12.pass\"\nca_bundle = \"" << pki << "/ca.pem\"\n"
                          << engine.state_config(dir) << "[outbox]\nworkers = 2\n"
                          << outbox << "[[school]]\nkey = \"B1\"\noin = \"00000001234567890000\"\n"
                          << "sector = \"" << kSector << "\"\nchains = [\"" << kChain
                          << "\"]\nenabled = true\n";
  }
  ~Run() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::vector<std::unique_ptr<HostProcess>> start(const Run &run, int processes) {
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < processes; ++i) {
    hosts.push_back(std::make_unique<HostProcess>(run.config.string()));
  }
  return hosts;
}

// Fires pupils [first, first + count) as pupil-created events, spread round-robin over the
// processes, each process's share from a thread of its own; returns each call's time in ms.
std::vector<double> fire(std::vector<std::unique_ptr<HostProcess>> &hosts, int first, int count) {
  std::vector<std::vector<double>> took(hosts.size());
  std::vector<std::thread> senders;
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    senders.emplace_back([&, h] {
      for (int i = first + static_cast<int>(h); i < first + count;
           i += static_cast<int>(hosts.size())) {
        const auto f = words(hosts[h]->request("created B1 p-" + std::to_string(i) + " " + bsn(i)));
        if (f.size() != 4 || f[2] != std::to_string(ECKID_QUEUED)) {
          std::fprintf(stderr, "event of pupil %d not queued: %s\n", i,
                       f.size() > 2 ? f[2].c_str() : "?");
          continue;
        }
        took[h].push_back(std::stod(f[3]) / 1000.0);
      }
    });
  }
  for (auto &s : senders) s.join();
  std::vector<double> all;
  for (const auto &t : took) all.insert(all.end(), t.begin(), t.end());
  return all;
}

// Distinct HPgns the emulator's HPgn log holds.
std::size_t hpgns_seen(const std::string &log) {
  std::set<std::string> seen;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) seen.insert(line.substr(line.rfind(' ') + 1));
  return seen.size();
}

struct Row {
  std::vector<double> idle_ms, busy_ms;
  double drain_s = 0;
  std::size_t requests = 0;
};

Row measure(const StateEngine &engine, int processes, int events, int latency_ms) {
  Row row;
  {
    // Nothing listens on port 1: the first failure opens the breaker for ten minutes.
    Run run(engine, "https://127.0.0.1:1/eck/ws/201703",
            "breaker_threshold = 1\nbreaker_cooldown_ms = 600000\n");
    auto hosts = start(run, processes);
    for (std::size_t h = 0; h < hosts.size(); ++h) {
      const int warm = -1 - static_cast<int>(h);
      hosts[h]->request("created B1 warm" + std::to_string(h) + " " + bsn(warm));
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));  // its hash and failure
    row.idle_ms = fire(hosts, 0, events);
  }
  const std::string hpgn_log = (fs::temp_directory_path() /
                                ("eckid-process-bench-hpgn-" + std::to_string(getpid()) + ".log"))
                                   .string();
  std::remove(hpgn_log.c_str());
  const std::string latency = std::to_string(latency_ms);
  auto emulator = std::make_unique<Emulator>(
      std::vector<std::string>{"--answer-mode", "bad-eckid", "--hpgn-log", hpgn_log, "--latency-ms",
                               latency, "--threads", "8"});
  const std::string port = std::to_string(emulator->port());
  Run run(engine, emulator->url(),
          "retry_base_ms = 10\nretry_max_ms = 1000\nmax_attempts = 1000\n"
          "breaker_threshold = 1000\n");
  auto hosts = start(run, processes);
  row.busy_ms = fire(hosts, 0, events);
  while (hpgns_seen(hpgn_log) < static_cast<std::size_t>(events)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  emulator.reset();
  emulator = std::make_unique<Emulator>(
      std::vector<std::string>{"--port", port, "--latency-ms", latency, "--threads", "8"});
  int results = 0;
  Clock::time_point first, last;
  while (results < events) {
    const auto lines = hosts[0]->poll();
    const auto now = Clock::now();
    for (const auto &line : lines) {
      const auto f = words(line);
      if (f.size() == 5 && f[2] != std::to_string(ECKID_OK))
        std::fprintf(stderr, "failed: %s\n", line.c_str());
      if (results++ == 0) first = now;
      last = now;
    }
    if (results < events) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  row.drain_s = std::chrono::duration<double>(last - first).count();
  row.requests = emulator->log_lines().size();
  hosts.clear();
  std::remove(hpgn_log.c_str());
  return row;
}

}  // namespace

int main(int argc, char **argv) {
  const int events = argc > 1 ? std::max(6, std::atoi(argv[1])) : 240;
  const int latency_ms = argc > 2 ? std::max(0, std::atoi(argv[2])) : 20;
  std::printf(
      "outbox_process_bench: %d events per row, emulator latency %d ms per call, "
      "[outbox] workers = 2 per process, %u cores\n\n",
      events, latency_ms, std::thread::hardware_concurrency());
  std::printf(
      "| engine | processes | acceptance, workers idle: p50 / p99 / max | acceptance, "
      "while hashing: p50 / p99 / max | drained, HPgn excluded | vs 1 process | service "
      "calls |\n| --- | --- | --- | --- | --- | --- | --- |\n");
  for (const StateEngine &engine : engines()) {
    double one = 0;
    for (int processes : {1, 3}) {
      const Row r = measure(engine, processes, events, latency_ms);
      const double rate = (events - 1) / r.drain_s;
      if (processes == 1) one = rate;
      std::printf(
          "| %s | %d | %.2f / %.2f / %.2f ms | %.2f / %.2f / %.2f ms | %.1f events/s | "
          "%.2fx | %zu |\n",
          engine.name, processes, percentile(r.idle_ms, 0.5), percentile(r.idle_ms, 0.99),
          percentile(r.idle_ms, 1.0), percentile(r.busy_ms, 0.5), percentile(r.busy_ms, 0.99),
          percentile(r.busy_ms, 1.0), rate, rate / one, r.requests);
      std::fflush(stdout);
    }
  }
  return 0;
}
