// PGN (persoonsgebonden nummer) validation: spec "The three tiers", 1.
#pragma once

#include <string>
#include <string_view>

#include "eckid/eckid.h"

namespace eckid {

/// Longest staff PGN accepted, in bytes.
inline constexpr std::size_t kMaxStaffPgnBytes = 256;

/// Checks a PGN and tells what it is. Pupil: 9 digits, a BSN (11-check) or an
/// onderwijsnummer ("10" prefix, check remainder 5). Staff: non-empty printable ASCII.
/// Throws eckid::Error(ECKID_E_INVALID_PGN) with a reason that never contains the PGN, or
/// ECKID_E_INVALID_ARGUMENT for an unknown kind. Thread-safe, no allocation on success.
eckid_pgn_type validate_pgn(std::string_view pgn, eckid_pgn_kind kind);

/// A host's pupil key for a message: "'KEY'", or a placeholder when the key has the form of a
/// pupil PGN (a BSN or onderwijsnummer used as key, or columns mixed up), so that a PGN never
/// reaches a message or log line through a key. Thread-safe.
std::string quoted_key(std::string_view key);

}  // namespace eckid
