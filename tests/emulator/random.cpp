#include "random.hpp"

#include <cstdio>

namespace eckid::emulator {

double Random::uniform() {
  const std::lock_guard lock(mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

unsigned Random::up_to(unsigned max) {
  const std::lock_guard lock(mutex_);
  return std::uniform_int_distribution<unsigned>(0, max)(engine_);
}

std::string Random::uuid() {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  {
    const std::lock_guard lock(mutex_);
    high = engine_();
    low = engine_();
  }
  high = (high & ~0xf000ULL) | 0x4000ULL;          // version 4
  low = (low & ~(0x3ULL << 62)) | (0x2ULL << 62);  // RFC 4122 variant
  char buffer[37];
  std::snprintf(buffer, sizeof buffer, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xffff),
                static_cast<unsigned long long>(high & 0xffff),
                static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return buffer;
}

}  // namespace eckid::emulator
