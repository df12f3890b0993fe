// PGN (persoonsgebonden nummer) validation: spec "The three tiers", 1.
#pragma once

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

}  // namespace eckid
