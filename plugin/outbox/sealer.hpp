// Keeps the PGNs of a queued event unreadable on disk: AES-256-GCM under a key in the state
// directory (outbox.key, 0600), and keyed idempotency hashes that reveal no PGN.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/secure.hpp"

namespace eckid {

/// Seals and opens small secrets. The key is created (32 random bytes, owner-only) on first
/// use and never leaves memory otherwise. Thread-safe: const after construction.
class Sealer {
 public:
  /// Loads or creates <directory>/outbox.key. Safe when several processes open the same fresh
  /// folder at once: the key is written to a temporary file, synced and linked into place, so
  /// the first one wins and all agree. Throws eckid::Error(ECKID_E_STATE), naming the file and
  /// what to do when it is damaged (not 32 bytes) or cannot be read or made.
  explicit Sealer(const std::filesystem::path &directory);

  /// nonce (12 bytes) | ciphertext | tag (16 bytes). Throws ECKID_E_CRYPTO.
  std::string seal(std::string_view plain) const;
  /// The plaintext of seal(); throws ECKID_E_STATE when the blob was altered or the key
  /// changed (the event cannot be processed: it is reported as failed).
  SecureBytes open(std::string_view sealed) const;
  /// Lowercase hex HMAC-SHA-256 of text under the key: equal inputs give equal keys, and
  /// nobody without the key can test a PGN against it.
  std::string keyed_hash(std::string_view text) const;

 private:
  SecureBytes key_;
};

}  // namespace eckid
