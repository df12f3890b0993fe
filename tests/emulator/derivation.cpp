#include "derivation.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace eckid::emulator {
namespace {

std::string hmac_sha512_hex(std::string_view secret, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha512(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char *>(message.data()), message.size(), digest.data(),
           &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA-512 failed");
  }
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0x0f];
  }
  return hex;
}

// True for exactly `length` lowercase hexadecimal characters.
bool is_lower_hex(std::string_view text, std::size_t length) {
  if (text.size() != length) {
    return false;
  }
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string derive_stampseudonym(std::string_view secret, std::string_view hpgn) {
  return std::string(kStampseudonymPrefix) +
         hmac_sha512_hex(secret, "stampseudonym|" + std::string(hpgn));
}

std::string derive_eckid(std::string_view secret, std::string_view stampseudonym,
                         std::string_view chain, std::string_view sector) {
  const std::string message =
      "eckid|" + std::string(stampseudonym) + "|" + std::string(chain) + "|" + std::string(sector);
  return std::string(kEckIdPrefix) + hmac_sha512_hex(secret, message);
}

bool is_hpgn(std::string_view text) {
  return is_lower_hex(text, 64);
}

bool is_stampseudonym(std::string_view text) {
  return text.starts_with(kStampseudonymPrefix) &&
         is_lower_hex(text.substr(kStampseudonymPrefix.size()), 128);
}

}  // namespace eckid::emulator
