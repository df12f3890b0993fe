// Buffers for secrets (PGN copies, salts, passwords): cleared before their memory is freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace eckid {

/// Overwrites n bytes at p with zeros in a way the compiler cannot drop (OPENSSL_cleanse).
void secure_clear(void *p, std::size_t n) noexcept;

/// A byte buffer that clears itself on destruction and on reassignment. Not copyable, so no
/// stray copy of a secret outlives it. Thread safety: none (a plain value type).
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(std::size_t n) : bytes_(n) {}
  explicit SecureBytes(std::span<const std::uint8_t> data) : bytes_(data.begin(), data.end()) {}
  SecureBytes(const SecureBytes &) = delete;
  SecureBytes &operator=(const SecureBytes &) = delete;
  SecureBytes(SecureBytes &&other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecureBytes &operator=(SecureBytes &&other) noexcept {
    if (this != &other) {
      clear();
      bytes_ = std::move(other.bytes_);
    }
    return *this;
  }
  ~SecureBytes() { clear(); }

  std::uint8_t *data() noexcept { return bytes_.data(); }
  const std::uint8_t *data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::span<const std::uint8_t> span() const noexcept { return bytes_; }
  std::span<std::uint8_t> span() noexcept { return bytes_; }
  /// Clears and releases the bytes.
  void clear() noexcept {
    secure_clear(bytes_.data(), bytes_.size());
    bytes_.clear();
    bytes_.shrink_to_fit();
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace eckid
