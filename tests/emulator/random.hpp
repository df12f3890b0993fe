// The emulator's one seeded random source, shared by all threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace eckid::emulator {

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  // A uniform number in [0, 1).
  double uniform();

  // True with probability `share`.
  bool chance(double share) { return share > 0.0 && uniform() < share; }

  // A uniform integer in [0, max].
  unsigned up_to(unsigned max);

  // A random version-4 style UUID string.
  std::string uuid();

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace eckid::emulator
