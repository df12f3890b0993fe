// The HPgn, the first-level hash computed locally (spec "The three tiers", 1).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "eckid/eckid.h"
#include "util/secure.hpp"

namespace eckid {

/// Computes HPgns with one environment salt. Thread-safe: concurrent hpgn() calls share a
/// pool of scrypt workspaces bounded by [hash] memory_budget_mib (callers wait for a free
/// one); a call alone splits its lanes over all cores, concurrent calls get one core each.
class HpgnHasher {
 public:
  /// Takes the environment salt (base64-decoded bytes) and the [hash] settings. Memory is
  /// mapped on first use and kept until destruction. Throws eckid::Error(ECKID_E_CONFIG) when
  /// the budget is below one lane (128 MiB) or ECKID_SCRYPT_PATH names a path this CPU lacks.
  HpgnHasher(const HashConfig &config, std::span<const std::uint8_t> salt);
  ~HpgnHasher();
  HpgnHasher(HpgnHasher &&) noexcept;
  HpgnHasher &operator=(HpgnHasher &&) noexcept;

  /// Validates the PGN (validate_pgn), then returns lowercase_hex(scrypt(lowercase(PGN),
  /// salt, N=131072, r=8, p=4, dkLen=32)): 64 characters. Lowercasing is ASCII-only and
  /// locale-independent. The plugin's copies of the PGN are cleared before returning.
  /// Throws eckid::Error: ECKID_E_INVALID_PGN, ECKID_E_NOMEM, ECKID_E_CRYPTO.
  std::string hpgn(std::string_view pgn, eckid_pgn_kind kind) const;

 private:
  class Pool;

  HashConfig config_;
  SecureBytes salt_;
  std::unique_ptr<Pool> pool_;  // the fast engine's workspaces; null for openssl
};

}  // namespace eckid
