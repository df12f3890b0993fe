// scrypt at the HPgn's parameters (N=2^17, r=8, p=4), side by side in one run: OpenSSL
// (EVP_PBE_scrypt, i.e. EVP_KDF "SCRYPT"), libsodium's crypto_pwhash_scryptsalsa208sha256_ll
// and each of our paths this CPU has. For each: single-hash latency on 1 and on 2 threads
// (OpenSSL and libsodium run p sequentially, so only 1), throughput in hashes/s with one hash
// per core on all cores, and the peak resident memory while it ran. Ends with a table of
// ratios against OpenSSL. Google Benchmark flags apply (--benchmark_filter=avx512 ...).
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "scrypt/scrypt.hpp"

namespace {

namespace scrypt = eckid::scrypt;
using Clock = std::chrono::steady_clock;
constexpr scrypt::Params kParams = scrypt::kHpgnParams;
const unsigned kCores = std::max(1u, std::thread::hardware_concurrency());

// Resident memory of this process, sampled every 2 ms; the peak since the last reset().
class RssSampler {
 public:
  RssSampler() : thread_([this] { run(); }) {}
  ~RssSampler() {
    stop_ = true;
    thread_.join();
  }
  void reset() { peak_ = current(); }
  double peak_mib() const { return static_cast<double>(peak_.load()) / (1 << 20); }

 private:
  static std::size_t current() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  }
  void run() {
    while (!stop_) {
      const std::size_t now = current();
      std::size_t seen = peak_.load();
      while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  std::atomic<std::size_t> peak_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};
RssSampler *g_rss = nullptr;

// Seconds per hash (latency) and hashes per second (throughput), measured on the wall clock
// or derived from the process's CPU time (what an idle machine would show when other
// processes compete for the cores: CPU time / threads for latency, hashes per CPU-second times
// cores for throughput).
struct Times {
  double latency1 = 0, latency2 = 0, throughput = 0;
};
struct Row {
  Times wall, cpu;
  double rss1 = 0, rss2 = 0, rss_all = 0;
};
std::map<std::string, Row> g_rows;  // by implementation
std::vector<std::string> g_order;

Row &row(const std::string &name) {
  if (!g_rows.contains(name)) g_order.push_back(name);
  return g_rows[name];
}

// One hash by one implementation. `threads`: threads it may use (ours only).
using Hash = std::function<void(unsigned threads)>;
// Makes a Hash with its own memory (one per concurrent worker).
using Maker = std::function<Hash()>;

const std::vector<std::uint8_t> kPassword{'0', '6', '3', '1', '3', '8', '2', '1', '9'};
const std::vector<std::uint8_t> kSalt(16, 0xA5);

Maker openssl() {
  return [] {
    return [](unsigned) {
      std::uint8_t out[32];
      scrypt::derive_openssl(kPassword, kSalt, kParams, out);
      benchmark::DoNotOptimize(out);
    };
  };
}

Maker sodium() {
  return [] {
    return [](unsigned) {
      std::uint8_t out[32];
      if (crypto_pwhash_scryptsalsa208sha256_ll(kPassword.data(), kPassword.size(), kSalt.data(),
                                                kSalt.size(), kParams.N, kParams.r, kParams.p, out,
                                                sizeof out) != 0) {
        std::fprintf(stderr, "libsodium scrypt failed\n");
        std::abort();
      }
      benchmark::DoNotOptimize(out);
    };
  };
}

// Our path, `batch` hashes per call (derive_many) with a workspace of batch*p lanes.
Maker ours(scrypt::Path path, unsigned batch) {
  return [path, batch] {
    // Shared, so the std::function stays copyable; one workspace per worker.
    auto ws = std::make_shared<scrypt::Workspace>(kParams.N, kParams.r, batch * kParams.p);
    return [path, batch, ws](unsigned threads) {
      std::vector<std::array<std::uint8_t, 32>> outs(batch);
      std::vector<scrypt::Input> inputs;
      for (auto &o : outs) inputs.push_back({kPassword, kSalt, o});
      scrypt::derive_many(path, inputs, kParams, *ws, threads);
      benchmark::DoNotOptimize(outs.data());
    };
  };
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double best_of(double best, double x) {
  return best == 0 ? x : std::min(best, x);
}

// Latency: one hash at a time on `threads` threads; the table takes the fastest iteration (the
// least disturbed by other processes). Our workspaces are warmed first (their
// memory is reused in service); the others allocate on every call, as they do in service.
void latency(benchmark::State &state, const std::string &name, const Maker &make,
             unsigned threads) {
  g_rss->reset();
  Hash hash = make();
  hash(threads);
  double wall = 0, cpu = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    hash(threads);
    const double s = seconds_since(t0);
    cpu = best_of(cpu, (cpu_seconds() - c0) / threads);
    state.SetIterationTime(s);
    wall = best_of(wall, s);
  }
  Row &r = row(name);
  (threads == 1 ? r.wall.latency1 : r.wall.latency2) = wall;
  (threads == 1 ? r.cpu.latency1 : r.cpu.latency2) = cpu;
  (threads == 1 ? r.rss1 : r.rss2) = g_rss->peak_mib();
  state.counters["peak_rss_MiB"] = g_rss->peak_mib();
}

// Throughput: one worker per core, each calling `per_worker` times (`batch` hashes a call) with
// its own memory; the table takes the best iteration.
void throughput(benchmark::State &state, const std::string &name, const Maker &make, int per_worker,
                unsigned batch) {
  g_rss->reset();
  std::vector<Hash> hashes;
  for (unsigned w = 0; w < kCores; ++w) {
    hashes.push_back(make());
    hashes.back()(1);  // warm up: map and fault in the memory once
  }
  double rate = 0, cpu_rate = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    std::vector<std::thread> workers;
    for (auto &h : hashes) {
      workers.emplace_back([&h, per_worker] {
        for (int i = 0; i < per_worker; ++i) h(1);
      });
    }
    for (auto &w : workers) w.join();
    const double s = seconds_since(t0);
    const double hashes_done = kCores * per_worker * batch;
    cpu_rate = std::max(cpu_rate, hashes_done / ((cpu_seconds() - c0) / kCores));
    state.SetIterationTime(s);
    rate = std::max(rate, hashes_done / s);
  }
  row(name).wall.throughput = rate;
  row(name).cpu.throughput = cpu_rate;
  row(name).rss_all = g_rss->peak_mib();
  state.counters["hashes_per_s"] = rate;
  state.counters["peak_rss_MiB"] = g_rss->peak_mib();
}

void add_throughput(const std::string &name, const Maker &make, unsigned batch) {
  benchmark::RegisterBenchmark((name + "/throughput/" + std::to_string(kCores) + "_cores").c_str(),
                               [=](benchmark::State &s) { throughput(s, name, make, 2, batch); })
      ->Iterations(2)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

void add(const std::string &name, const Maker &make, bool parallel_lanes, int reps) {
  benchmark::RegisterBenchmark((name + "/latency/1_thread").c_str(),
                               [=](benchmark::State &s) { latency(s, name, make, 1); })
      ->Iterations(reps)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  if (parallel_lanes && kCores > 1) {
    benchmark::RegisterBenchmark((name + "/latency/2_threads").c_str(),
                                 [=](benchmark::State &s) { latency(s, name, make, 2); })
        ->Iterations(reps)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  add_throughput(name, make, 1);
}

void print_table(const char *title, Times Row::*times) {
  const auto base = g_rows.find("openssl");
  const Times ref = base != g_rows.end() ? base->second.*times : Times{};
  auto ratio = [](double x, double ref_x) {
    if (x <= 0 || ref_x <= 0) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fx", x / ref_x);
    return std::string(buf);
  };
  auto num = [](double x, const char *fmt) {
    if (x <= 0) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, x);
    return std::string(buf);
  };
  std::printf("\n%s\n\n", title);
  std::printf(
      "| implementation | latency, 1 thread | latency, 2 threads | throughput, %u cores | "
      "peak RSS, MiB (1 thread / 2 threads / all cores) | latency 1t vs OpenSSL 1t | latency "
      "2t vs OpenSSL 1t | throughput vs OpenSSL |\n",
      kCores);
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const auto &name : g_order) {
    const Row &r = g_rows[name];
    const Times &t = r.*times;
    std::printf("| %s | %s | %s | %s | %s / %s / %s | %s | %s | %s |\n", name.c_str(),
                num(t.latency1, "%.3f s").c_str(), num(t.latency2, "%.3f s").c_str(),
                num(t.throughput, "%.2f /s").c_str(), num(r.rss1, "%.0f").c_str(),
                num(r.rss2, "%.0f").c_str(), num(r.rss_all, "%.0f").c_str(),
                ratio(t.latency1, ref.latency1).c_str(), ratio(t.latency2, ref.latency1).c_str(),
                ratio(t.throughput, ref.throughput).c_str());
  }
}

}  // namespace

int main(int argc, char **argv) {
  if (sodium_init() < 0) return 1;
  RssSampler rss;
  g_rss = &rss;
  add("openssl", openssl(), false, 2);
  add("libsodium", sodium(), false, 2);
  for (const auto path :
       {scrypt::Path::scalar, scrypt::Path::sse2, scrypt::Path::avx2, scrypt::Path::avx512}) {
    if (scrypt::path_supported(path)) {
      add(std::string(scrypt::to_string(path)), ours(path, 1), true, 3);
    }
  }
  // Bulk with twice the memory: two hashes per core share the SIMD chains (derive_many).
  const scrypt::Path best = scrypt::selected_path();
  add_throughput(std::string(scrypt::to_string(best)) + ", 2 hashes per core", ours(best, 2), 2);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf(
      "\nscrypt N=%llu r=%u p=%u, %u cores. Latency: seconds per hash, the fastest run "
      "(lower is better); throughput: hashes per second (higher is better).\n",
      static_cast<unsigned long long>(kParams.N), kParams.r, kParams.p, kCores);
  print_table("Wall clock:", &Row::wall);
  print_table("From CPU time (the idle-machine figure when other processes share the cores):",
              &Row::cpu);
  return 0;
}
