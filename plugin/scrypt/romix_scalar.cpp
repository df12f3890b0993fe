// The portable kernel: plain C++ on 32-bit words, one lane at a time.
#include "scrypt/romix_impl.hpp"

namespace eckid::scrypt::detail {

void romix_scalar(const RomixJob &job) noexcept {
  romix_lanes<ScalarCore>(job);
}

}  // namespace eckid::scrypt::detail
