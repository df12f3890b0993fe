// The AVX2 kernel (compiled with -mavx2): two lanes per 256-bit register; four lanes run as
// two interleaved chains.
#include "scrypt/romix_impl.hpp"

namespace eckid::scrypt::detail {

void romix_avx2(const RomixJob &job) noexcept {
  romix_lanes<SimdCore<2, 2>, SimdCore<2, 1>, SimdCore<1, 1>>(job);
}

}  // namespace eckid::scrypt::detail
