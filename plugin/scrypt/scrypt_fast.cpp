// Our scrypt: PBKDF2-HMAC-SHA256 from OpenSSL around the ROMix kernels (romix_*.cpp), the
// kernel chosen by CPU features at run time, lanes split over threads, memory reused.
#include <openssl/evp.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "scrypt/romix.hpp"
#include "scrypt/scrypt.hpp"
#include "util/error.hpp"
#include "util/secure.hpp"

namespace eckid::scrypt {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr Path kAllPaths[] = {Path::openssl, Path::scalar, Path::sse2, Path::avx2, Path::avx512};

std::atomic<int> g_override{-1};  // -1: none; otherwise a Path

using Kernel = void (*)(const detail::RomixJob &) noexcept;

Kernel kernel_for(Path path) noexcept {
  switch (path) {
    case Path::avx512:
      return detail::romix_avx512;
    case Path::avx2:
      return detail::romix_avx2;
    case Path::sse2:
      return detail::romix_sse2;
    default:
      return detail::romix_scalar;
  }
}

[[noreturn]] void bad_params(const std::string &what) {
  throw Error(ECKID_E_CRYPTO, "scrypt: " + what);
}

// Checks N and r as scrypt and our kernels need them; returns the bytes of V per lane.
std::size_t checked_lane_bytes(std::uint64_t N, std::uint32_t r) {
  if (N < 2 || (N & (N - 1)) != 0 || N > (std::uint64_t{1} << 32)) {
    bad_params("N must be a power of two from 2 to 2^32, got " + std::to_string(N));
  }
  if (r == 0) bad_params("r must be at least 1");
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(std::size_t{128} * r, N, &bytes)) {
    bad_params("128*r*N does not fit in memory");
  }
  return bytes;
}

// Lane block bytes (little-endian words, standard order) <-> the kernels' word order.
void to_simd_order(const std::uint8_t *in, std::uint32_t *out, std::size_t blocks) noexcept {
  for (std::size_t b = 0; b < blocks; ++b) {
    for (unsigned i = 0; i < 16; ++i) {
      const std::uint8_t *w = in + 64 * b + 4 * ((5 * i) % 16);
      out[16 * b + i] = std::uint32_t{w[0]} | std::uint32_t{w[1]} << 8 | std::uint32_t{w[2]} << 16 |
                        std::uint32_t{w[3]} << 24;
    }
  }
}
void from_simd_order(const std::uint32_t *in, std::uint8_t *out, std::size_t blocks) noexcept {
  for (std::size_t b = 0; b < blocks; ++b) {
    for (unsigned i = 0; i < 16; ++i) {
      std::uint8_t *w = out + 64 * b + 4 * ((5 * i) % 16);
      const std::uint32_t v = in[16 * b + i];
      w[0] = static_cast<std::uint8_t>(v), w[1] = static_cast<std::uint8_t>(v >> 8);
      w[2] = static_cast<std::uint8_t>(v >> 16), w[3] = static_cast<std::uint8_t>(v >> 24);
    }
  }
}

void pbkdf2(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
            std::span<std::uint8_t> out) {
  static const std::uint8_t empty = 0;
  const auto *pass = password.empty() ? &empty : password.data();
  const auto *s = salt.empty() ? &empty : salt.data();
  if (password.size() > INT_MAX || salt.size() > INT_MAX || out.size() > INT_MAX) {
    bad_params("password, salt or output longer than 2^31-1 bytes");
  }
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char *>(pass), static_cast<int>(password.size()), s,
                        static_cast<int>(salt.size()), 1, EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    throw Error(ECKID_E_CRYPTO, "scrypt: PBKDF2-HMAC-SHA256 (OpenSSL) failed");
  }
}

}  // namespace

std::string_view to_string(Path path) noexcept {
  switch (path) {
    case Path::openssl:
      return "openssl";
    case Path::scalar:
      return "scalar";
    case Path::sse2:
      return "sse2";
    case Path::avx2:
      return "avx2";
    case Path::avx512:
      return "avx512";
  }
  return "?";
}

std::optional<Path> path_from_string(std::string_view name) noexcept {
  for (const Path p : kAllPaths) {
    if (to_string(p) == name) return p;
  }
  return std::nullopt;
}

bool path_supported(Path path) noexcept {
  __builtin_cpu_init();
  switch (path) {
    case Path::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    case Path::avx2:
      return __builtin_cpu_supports("avx2");
    default:
      return true;  // SSE2 is part of x86-64
  }
}

Path selected_path() {
  const int forced = g_override.load();
  if (forced >= 0) return static_cast<Path>(forced);
  if (const char *env = std::getenv("ECKID_SCRYPT_PATH"); env != nullptr && *env != '\0') {
    const auto p = path_from_string(env);
    if (!p) {
      throw Error(ECKID_E_CONFIG, std::string("ECKID_SCRYPT_PATH='") + env +
                                      "' is not one of scalar, sse2, avx2, avx512, openssl");
    }
    if (!path_supported(*p)) {
      throw Error(ECKID_E_CONFIG, std::string("ECKID_SCRYPT_PATH=") + env +
                                      ": this CPU does not support that instruction set");
    }
    return *p;
  }
  return path_supported(Path::avx512) ? Path::avx512
         : path_supported(Path::avx2) ? Path::avx2
                                      : Path::sse2;
}

void override_path(std::optional<Path> path) {
  if (path && !path_supported(*path)) {
    throw Error(ECKID_E_CONFIG, "scrypt path " + std::string(to_string(*path)) +
                                    ": this CPU does not support that instruction set");
  }
  g_override.store(path ? static_cast<int>(*path) : -1);
}

Workspace::Workspace(std::uint64_t N, std::uint32_t r, unsigned lanes)
    : N_(N), r_(r), lanes_(lanes) {
  const std::size_t lane = checked_lane_bytes(N, r);
  if (lanes == 0) bad_params("a workspace needs at least one lane");
  std::size_t v_bytes = 0;
  if (__builtin_mul_overflow(lane, std::size_t{lanes}, &v_bytes) || v_bytes > SIZE_MAX / 2) {
    bad_params("the workspace does not fit in memory");
  }
  v_bytes = (v_bytes + kHugePage - 1) / kHugePage * kHugePage;
  small_bytes_ = lanes * (128 * std::size_t{r} + detail::scratch_bytes_per_lane(r));
  map_bytes_ = v_bytes + small_bytes_ + kHugePage;  // slack to align V to 2 MiB
  map_ = mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw Error(ECKID_E_NOMEM, "scrypt: cannot map " + std::to_string(map_bytes_ >> 20) +
                                   " MiB of scratch memory (" + std::to_string(lanes) +
                                   " lanes of 128*r*N bytes); lower [hash] memory_budget_mib "
                                   "or free memory");
  }
  const auto base = reinterpret_cast<std::uintptr_t>(map_);
  v_ = reinterpret_cast<std::uint32_t *>((base + kHugePage - 1) / kHugePage * kHugePage);
  // Best effort: without THP the kernel still works, with more TLB misses.
  madvise(v_, v_bytes, MADV_HUGEPAGE);
  x_ = reinterpret_cast<std::uint32_t *>(reinterpret_cast<std::uint8_t *>(v_) + v_bytes);
  scratch_ = reinterpret_cast<std::uint8_t *>(x_) + lanes * 128 * std::size_t{r};
}

Workspace::~Workspace() {
  release();
}

Workspace::Workspace(Workspace &&other) noexcept {
  *this = std::move(other);
}

Workspace &Workspace::operator=(Workspace &&other) noexcept {
  if (this != &other) {
    release();
    N_ = std::exchange(other.N_, 0);
    r_ = std::exchange(other.r_, 0);
    lanes_ = std::exchange(other.lanes_, 0);
    map_ = std::exchange(other.map_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    v_ = std::exchange(other.v_, nullptr);
    x_ = std::exchange(other.x_, nullptr);
    scratch_ = std::exchange(other.scratch_, nullptr);
    small_bytes_ = std::exchange(other.small_bytes_, 0);
    v_dirty_bytes_ = std::exchange(other.v_dirty_bytes_, 0);
  }
  return *this;
}

void Workspace::release() noexcept {
  if (map_ == nullptr) return;
  // Clears only the lanes of V ever used: untouched pages stay unallocated.
  secure_clear(v_, v_dirty_bytes_);
  secure_clear(x_, small_bytes_);
  munmap(map_, map_bytes_);
  map_ = nullptr;
}

void derive(Path path, std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
            const Params &params, std::span<std::uint8_t> out, Workspace &workspace,
            unsigned threads) {
  const Input one{password, salt, out};
  derive_many(path, std::span(&one, 1), params, workspace, threads);
}

void derive_many(Path path, std::span<const Input> inputs, const Params &params,
                 Workspace &workspace, unsigned threads) {
  if (path == Path::openssl) {
    for (const auto &in : inputs) derive_openssl(in.password, in.salt, params, in.out);
    return;
  }
  if (!path_supported(path)) {
    throw Error(ECKID_E_CONFIG, "scrypt path " + std::string(to_string(path)) +
                                    ": this CPU does not support that instruction set");
  }
  checked_lane_bytes(params.N, params.r);
  if (params.N != workspace.N_ || params.r != workspace.r_) {
    bad_params("the workspace was made for other N and r");
  }
  if (params.p == 0) bad_params("p must be at least 1");
  for (const auto &in : inputs) {
    if (in.out.empty()) bad_params("the output must be at least one byte");
  }
  // Every input's p lanes, one after another: lane l of input i is lane i*p + l.
  const std::size_t lane_block = 128 * std::size_t{params.r};
  std::size_t hash_bytes = 0, b_bytes = 0;
  if (__builtin_mul_overflow(lane_block, std::size_t{params.p}, &hash_bytes) ||
      hash_bytes > INT_MAX || __builtin_mul_overflow(hash_bytes, inputs.size(), &b_bytes)) {
    bad_params("128*r*p must be below 2^31");
  }
  const std::size_t total = inputs.size() * params.p;

  SecureBytes b(b_bytes);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    pbkdf2(inputs[i].password, inputs[i].salt, b.span().subspan(i * hash_bytes, hash_bytes));
  }

  const Kernel kernel = kernel_for(path);
  const std::size_t words = 32 * std::size_t{params.r};
  std::vector<std::uint32_t *> xs(workspace.lanes_), vs(workspace.lanes_);
  for (unsigned l = 0; l < workspace.lanes_; ++l) {
    xs[l] = workspace.x_ + l * words;
    vs[l] = workspace.v_ + l * words * params.N;
  }
  for (std::size_t first = 0; first < total; first += workspace.lanes_) {
    const auto count =
        static_cast<unsigned>(std::min<std::size_t>(workspace.lanes_, total - first));
    workspace.v_dirty_bytes_ = std::max(workspace.v_dirty_bytes_, count * lane_block * params.N);
    for (unsigned l = 0; l < count; ++l) {
      to_simd_order(b.data() + (first + l) * lane_block, xs[l], 2 * params.r);
    }
    // Contiguous slices of lanes, one per thread; the calling thread takes the first.
    const unsigned n = std::clamp(threads, 1u, count);
    std::vector<detail::RomixJob> jobs;
    for (unsigned t = 0; t < n; ++t) {
      const unsigned begin = t * count / n, end = (t + 1) * count / n;
      jobs.push_back({xs.data() + begin, vs.data() + begin,
                      static_cast<std::uint8_t *>(workspace.scratch_) +
                          begin * detail::scratch_bytes_per_lane(params.r),
                      end - begin, params.r, params.N});
    }
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < n; ++t) {
      try {
        helpers.emplace_back(kernel, std::cref(jobs[t]));
      } catch (const std::system_error &) {
        kernel(jobs[t]);  // no thread to be had: run the slice here
      }
    }
    kernel(jobs[0]);
    for (auto &h : helpers) h.join();
    for (unsigned l = 0; l < count; ++l) {
      from_simd_order(xs[l], b.data() + (first + l) * lane_block, 2 * params.r);
    }
  }
  secure_clear(workspace.x_, workspace.small_bytes_);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    pbkdf2(inputs[i].password, b.span().subspan(i * hash_bytes, hash_bytes), inputs[i].out);
  }
}

}  // namespace eckid::scrypt
