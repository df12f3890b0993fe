// scrypt (RFC 7914) as the HPgn needs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace eckid::scrypt {

/// scrypt cost parameters: N (CPU/memory cost, a power of two > 1), r (block size),
/// p (parallel lanes). Memory per lane: 128 * r * N bytes.
struct Params {
  std::uint64_t N;
  std::uint32_t r;
  std::uint32_t p;
};

/// The HPgn's parameters (spec "The three tiers", 1): 128 MiB per lane, 4 lanes.
inline constexpr Params kHpgnParams{131072, 8, 4};

/// Bytes of scratch memory one lane needs: 128 * r * N.
constexpr std::uint64_t lane_bytes(const Params &p) noexcept {
  return 128ull * p.r * p.N;
}

/// Reference scrypt through OpenSSL's EVP_PBE_scrypt, with the memory limit set from the
/// parameters (OpenSSL's default limit of 32 MiB is too small for the HPgn). Writes
/// out.size() bytes. Throws eckid::Error(ECKID_E_CRYPTO) with OpenSSL's reason on failure
/// (ECKID_E_NOMEM when memory cannot be had). Thread-safe.
void derive_openssl(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
                    const Params &params, std::span<std::uint8_t> out);

/// The implementations of scrypt. `openssl` is the reference (derive_openssl); the others are
/// our ROMix kernels around OpenSSL's PBKDF2-HMAC-SHA256, fastest last.
enum class Path { openssl, scalar, sse2, avx2, avx512 };

/// "openssl", "scalar", "sse2", "avx2" or "avx512".
std::string_view to_string(Path path) noexcept;

/// The path named by `name` (as to_string gives it), or nullopt.
std::optional<Path> path_from_string(std::string_view name) noexcept;

/// True when this CPU (and OS) can run `path`: avx2 needs AVX2, avx512 needs AVX-512F and
/// AVX-512VL; the others run everywhere.
bool path_supported(Path path) noexcept;

/// The path derive() uses when asked for the default: the test override (override_path), else
/// the environment variable ECKID_SCRYPT_PATH (read on every call), else the fastest supported
/// one. Throws eckid::Error(ECKID_E_CONFIG) when ECKID_SCRYPT_PATH names an unknown path or one
/// this CPU lacks. Thread-safe.
Path selected_path();

/// Test hook: makes selected_path() return `path` (nullopt: back to the environment and CPU).
/// Throws eckid::Error(ECKID_E_CONFIG) when the CPU lacks the path. Thread-safe.
void override_path(std::optional<Path> path);

struct Input;

/// Scratch memory for `lanes` scrypt lanes with one (N, r): 128*r*N bytes of V per lane, from
/// one 2 MiB-aligned mapping with transparent huge pages requested (MADV_HUGEPAGE), plus the
/// lanes' blocks. Allocated once and reused by every derive(); cleared and unmapped on
/// destruction (V can hold password-derived data). Pages are touched on first use. Not
/// thread-safe: one derive() at a time per workspace. Movable, not copyable.
class Workspace {
 public:
  /// Throws eckid::Error: ECKID_E_CRYPTO for parameters scrypt forbids (N not a power of two
  /// > 1, N > 2^32, r = 0, lanes = 0, sizes that overflow), ECKID_E_NOMEM when the memory
  /// cannot be mapped.
  Workspace(std::uint64_t N, std::uint32_t r, unsigned lanes);
  ~Workspace();
  Workspace(Workspace &&other) noexcept;
  Workspace &operator=(Workspace &&other) noexcept;
  Workspace(const Workspace &) = delete;
  Workspace &operator=(const Workspace &) = delete;

  /// Lanes that run at once; a call with more lanes (p, or inputs times p) runs them in turns.
  unsigned lanes() const noexcept { return lanes_; }

 private:
  friend void derive_many(Path, std::span<const Input>, const Params &, Workspace &, unsigned);
  void release() noexcept;

  std::uint64_t N_ = 0;
  std::uint32_t r_ = 0;
  unsigned lanes_ = 0;
  void *map_ = nullptr;  // the mapping (V of every lane, 2 MiB-aligned inside)
  std::size_t map_bytes_ = 0;
  std::uint32_t *v_ = nullptr;     // lanes * 32*r*N words
  std::uint32_t *x_ = nullptr;     // lanes * 32*r words, 64-byte aligned
  void *scratch_ = nullptr;        // lanes * 256*r bytes, 64-byte aligned
  std::size_t small_bytes_ = 0;    // bytes at x_ (blocks and scratch)
  std::size_t v_dirty_bytes_ = 0;  // bytes of V written by some derive()
};

/// scrypt (RFC 7914) with our ROMix on `path` (openssl: derive_openssl, workspace unused):
/// writes out.size() bytes (1 or more). params.N and params.r must equal the workspace's; the
/// p lanes run workspace.lanes() at a time, each batch split over up to `threads` threads
/// (the caller's and threads-1 new ones; 1: the calling thread only). Clears every buffer that
/// held derived data except V. Thread-safe for distinct workspaces. Throws eckid::Error:
/// ECKID_E_CONFIG when the CPU lacks `path`, ECKID_E_CRYPTO for bad parameters or a workspace
/// that does not fit them, ECKID_E_NOMEM when OpenSSL runs out of memory.
void derive(Path path, std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
            const Params &params, std::span<std::uint8_t> out, Workspace &workspace,
            unsigned threads);

/// One scrypt computation of derive_many(): the spans are the caller's.
struct Input {
  std::span<const std::uint8_t> password;
  std::span<const std::uint8_t> salt;
  std::span<std::uint8_t> out;
};

/// derive() for several inputs with the same parameters at once: their lanes (inputs.size()*p
/// in all) run together, so with a workspace of 2*p lanes two hashes share the SIMD chains of
/// one thread (the avx512 kernel carries 8 lanes at about the cost of 4: more hashes per second
/// per core, at 128*r*N bytes per lane). Same contract and errors as derive().
void derive_many(Path path, std::span<const Input> inputs, const Params &params,
                 Workspace &workspace, unsigned threads);

}  // namespace eckid::scrypt
