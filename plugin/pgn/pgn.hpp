// PGN (persoonsgebonden nummer) validation: spec "The three tiers", 1.
#pragma once

#include <string>
#include <string_view>

#include "eckid/eckid.h"

namespace eckid {

/// Longest staff PGN accepted, in bytes: a BRIN (4), one space, and an e-mail address of at
/// most 254 bytes (RFC 5321's 256-byte path less its angle brackets).
inline constexpr std::size_t kMaxStaffPgnBytes = 4 + 1 + 254;

/// Checks a PGN and tells what it is. Pupil: 9 digits, a BSN (11-check) or an
/// onderwijsnummer ("10" prefix, check remainder 5). Staff: "<BRIN> <e-mail>" (the reference
/// clients' staff input): a BRIN of 2 digits and 2 letters, exactly one space, an e-mail
/// address (one "@" with text on both sides); printable ASCII, upper or lower case, no
/// leading or trailing whitespace, at most kMaxStaffPgnBytes.
/// Throws eckid::Error(ECKID_E_INVALID_PGN) with a reason that never contains the PGN, or
/// ECKID_E_INVALID_ARGUMENT for an unknown kind. Thread-safe, no allocation on success.
eckid_pgn_type validate_pgn(std::string_view pgn, eckid_pgn_kind kind);

/// A host's pupil or school key for a message: "'KEY'", or a placeholder when the key is or
/// holds a PGN (a BSN, onderwijsnummer or staff PGN used as key, or columns mixed up), so that a
/// PGN never reaches a message or log line through a key. The rule is mask::quoted
/// (pgn/mask.hpp), shared with the hosts. Thread-safe.
std::string quoted_key(std::string_view key);

/// Any other host-supplied value (a date, ...) for a message, by the same rule as quoted_key;
/// `noun` names it in the placeholder ("date", "value"). Thread-safe.
std::string quoted_value(std::string_view value, std::string_view noun);

}  // namespace eckid
