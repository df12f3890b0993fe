// The AVX-512 kernel (compiled with -mavx512f -mavx512vl): native 32-bit rotates; four lanes
// in one 512-bit register per row, and eight (two hashes, derive_many) as two interleaved
// chains: Salsa20/8 is bound by its dependency chain, so the second chain is almost free.
#include "scrypt/romix_impl.hpp"

namespace eckid::scrypt::detail {

void romix_avx512(const RomixJob &job) noexcept {
  romix_lanes<SimdCore<4, 2>, SimdCore<4, 1>, SimdCore<2, 1>, SimdCore<1, 1>>(job);
}

}  // namespace eckid::scrypt::detail
