// Internal interface between the scrypt driver (scrypt_fast.cpp) and the ROMix kernels, one
// per instruction set, each in its own translation unit compiled with that set's flags.
#pragma once

#include <cstddef>
#include <cstdint>

namespace eckid::scrypt::detail {

/// ROMix (RFC 7914 section 5) on `lanes` independent lanes of one scrypt call.
/// x[l]: lane l's block B as 32*r 32-bit words, each 64-byte sub-block in the SIMD word order
///       (word i of a sub-block holds Salsa word (5*i) % 16; see to_simd_order()); in and out.
/// v[l]: lane l's scratch of 32*r*N words (128*r*N bytes), 64-byte aligned.
/// scratch: 64-byte aligned, lanes * 256 * r bytes, private to the caller's thread.
/// N is a power of two from 2 to 2^32. Kernels do not allocate, throw or use threads.
struct RomixJob {
  std::uint32_t *const *x;
  std::uint32_t *const *v;
  void *scratch;
  unsigned lanes;
  std::uint32_t r;
  std::uint64_t N;
};

/// Bytes of `scratch` per lane for block size r.
constexpr std::size_t scratch_bytes_per_lane(std::uint32_t r) noexcept {
  return 256u * static_cast<std::size_t>(r);
}

void romix_scalar(const RomixJob &job) noexcept;
void romix_sse2(const RomixJob &job) noexcept;
void romix_avx2(const RomixJob &job) noexcept;    // needs AVX2
void romix_avx512(const RomixJob &job) noexcept;  // needs AVX-512F and AVX-512VL

}  // namespace eckid::scrypt::detail
