#include "pgn/hpgn.hpp"

#include <array>

#include "pgn/pgn.hpp"
#include "scrypt/scrypt.hpp"
#include "util/encoding.hpp"

namespace eckid {

HpgnHasher::HpgnHasher(const HashConfig &config, std::span<const std::uint8_t> salt)
    : config_(config), salt_(salt) {}

std::string HpgnHasher::hpgn(std::string_view pgn, eckid_pgn_kind kind) const {
  validate_pgn(pgn, kind);
  // Plain ASCII lowercasing: independent of the process locale (validation allows only
  // ASCII, so nothing else needs changing).
  SecureBytes password(pgn.size());
  for (std::size_t i = 0; i < pgn.size(); ++i) {
    const char c = pgn[i];
    password.data()[i] = static_cast<std::uint8_t>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  }
  std::array<std::uint8_t, 32> key{};
  scrypt::derive_openssl(password.span(), salt_.span(), scrypt::kHpgnParams, key);
  std::string hex = hex_lower(key);
  secure_clear(key.data(), key.size());
  return hex;
}

}  // namespace eckid
