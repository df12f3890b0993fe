// The HPgn, the first-level hash computed locally (spec "The three tiers", 1).
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "eckid/eckid.h"
#include "util/secure.hpp"

namespace eckid {

/// Computes HPgns with one environment salt. Thread-safe: const after construction.
class HpgnHasher {
 public:
  /// Takes the environment salt (base64-decoded bytes) and the [hash] settings.
  HpgnHasher(const HashConfig &config, std::span<const std::uint8_t> salt);

  /// Validates the PGN (validate_pgn), then returns lowercase_hex(scrypt(lowercase(PGN),
  /// salt, N=131072, r=8, p=4, dkLen=32)): 64 characters. Lowercasing is ASCII-only and
  /// locale-independent. The plugin's copies of the PGN are cleared before returning.
  /// Throws eckid::Error: ECKID_E_INVALID_PGN, ECKID_E_NOMEM, ECKID_E_CRYPTO.
  std::string hpgn(std::string_view pgn, eckid_pgn_kind kind) const;

 private:
  HashConfig config_;
  SecureBytes salt_;
};

}  // namespace eckid
