// scrypt (RFC 7914) as the HPgn needs it.
#pragma once

#include <cstdint>
#include <span>

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

}  // namespace eckid::scrypt
