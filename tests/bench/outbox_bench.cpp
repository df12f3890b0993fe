// outbox_bench: event acceptance latency in asynchronous mode and drained throughput against
// nv-emulator with 50 ms added latency per call, with the HPgn (whole events through the C
// ABI) and without it (the same service calls through the C++ client, 4 at a time).
// A tool to run by hand, not a test:
//   outbox_bench [EVENTS]   (default 200)
#include <eckid/eckid.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "emulator_process.hpp"
#include "nv/client.hpp"
#include "nv/credentials.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char *kSector =
    "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725";
constexpr const char *kChain =
    "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795";
// Valid BSNs (11-check) for synthetic pupils; the PGN value does not change the cost.
constexpr const char *kPgns[] = {"123456782", "111222333", "100000009"};

struct Delivered {
  std::mutex mutex;
  std::condition_variable all;
  int count = 0;
  int failed = 0;
};

void on_result(const eckid_result *r, void *payload) {
  auto *d = static_cast<Delivered *>(payload);
  std::lock_guard lock(d->mutex);
  ++d->count;
  if (r->status != ECKID_OK) ++d->failed;
  d->all.notify_all();
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char **argv) {
  const int events = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
  eckid::emulator_test::Emulator emulator({"--latency-ms", "50", "--threads", "8"});
  const fs::path dir =
      fs::temp_directory_path() / ("eckid-outbox-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string pki = eckid::emulator_test::pki_dir();
  const fs::path config = dir / "eckid.toml";
  std::ofstream(config) << "[service]\nenvironment = \"sandbox\"\nendpoint = \"" << emulator.url()
                        << "\"\nsalt = \"rktYml0MIp9TC9u6Ny6uqw==\"\nclient_certificate = \"" << pki
                        << "/client.p12\"\nkey_password_file = \"" << pki
                        << "/client.p12.pass\"\nca_bundle = \"" << pki
                        << "/ca.pem\"\n[hash]\nmemory_budget_mib = 1024\n[outbox]\nworkers = 4\n"
                        << "[[school]]\nkey = \"B1\"\noin = \"00000001234567890000\"\nsector = \""
                        << kSector << "\"\nchains = [\"" << kChain << "\"]\nenabled = true\n";

  // 1. Whole events, asynchronous: acceptance latency and drained throughput (HPgn included).
  Delivered delivered;
  eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
  o.delivery = ECKID_DELIVERY_ASYNC;
  o.on_result = on_result;
  o.result_payload = &delivered;
  eckid_plugin *plugin = nullptr;
  if (eckid_open(config.c_str(), &o, &plugin) != ECKID_OK) {
    std::fprintf(stderr, "open: %s\n", eckid_last_error());
    return 1;
  }
  std::vector<double> accept_ms;
  const auto start = Clock::now();
  for (int i = 0; i < events; ++i) {
    const std::string pupil = "bench-" + std::to_string(i);
    eckid_pupil_created_event e = ECKID_PUPIL_CREATED_EVENT_INIT;
    e.school_key = "B1";
    e.pupil_key = pupil.c_str();
    e.pgn = kPgns[i % 3];
    eckid_result *r = nullptr;
    const auto t = Clock::now();
    const eckid_status s = eckid_pupil_created(plugin, &e, &r);
    accept_ms.push_back(ms_since(t));
    eckid_free(r);
    if (s != ECKID_QUEUED) std::fprintf(stderr, "event %d: %s\n", i, eckid_strerror(s));
  }
  {
    std::unique_lock lock(delivered.mutex);
    delivered.all.wait(lock, [&] { return delivered.count >= events; });
  }
  const double drained_s = ms_since(start) / 1000.0;
  eckid_close(plugin);

  // 2. The same service calls without the HPgn: stampseudonym + ECK iD, 4 callers at once.
  eckid::ServiceConfig service;
  service.endpoint = emulator.url();
  service.ca_bundle = pki + "/ca.pem";
  eckid::ClientCertificate cert{pki + "/client.p12", {}, pki + "/client.p12.pass", {}};
  eckid::nv::Client client(service, std::make_shared<const eckid::nv::Credentials>(cert), {});
  const std::string hpgn(64, 'a');
  std::atomic<int> next{0};
  const auto calls_start = Clock::now();
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      while (next++ < events) {
        const std::string stamp = client.retrieve_stampseudonym("00000001234567890000", hpgn);
        client.retrieve_eckid("00000001234567890000", stamp, kChain, kSector);
      }
    });
  }
  for (auto &c : callers) c.join();
  const double calls_s = ms_since(calls_start) / 1000.0;

  std::printf("outbox_bench: %d events, emulator latency 50 ms per call\n", events);
  std::printf("  acceptance (async call returns): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              percentile(accept_ms, 0.5), percentile(accept_ms, 0.99),
              *std::max_element(accept_ms.begin(), accept_ms.end()));
  std::printf("  drained, HPgn included: %.1f s, %.2f events/s (%d failed)\n", drained_s,
              events / drained_s, delivered.failed);
  std::printf("  service calls only, HPgn excluded (4 at a time): %.1f s, %.2f events/s\n", calls_s,
              events / calls_s);
  fs::remove_all(dir);
  return 0;
}
