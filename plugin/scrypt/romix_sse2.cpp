// The SSE2 kernel (x86-64 baseline): one lane per 128-bit register, two lanes interleaved.
#include "scrypt/romix_impl.hpp"

namespace eckid::scrypt::detail {

void romix_sse2(const RomixJob &job) noexcept {
  romix_lanes<SimdCore<1, 2>, SimdCore<1, 1>>(job);
}

}  // namespace eckid::scrypt::detail
