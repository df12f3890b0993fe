// The one rule for showing a host-supplied value (a pupil or school key, an event name, a
// date, any CSV cell) in a message, log line or output: a value that is, or holds, a personal
// number is never shown (team rule: a PGN never appears in a log, error message or output).
// Header-only and free of the core, so that the plugin (with validate_pgn) and the hosts and
// CLI (with eckid_pgn_validate of the C ABI) apply the same rule with the same PGN check.
#pragma once

#include <string>
#include <string_view>

#include "eckid/eckid.h"

namespace eckid::mask {

/// Digits in a pupil PGN (a BSN or onderwijsnummer: spec "The three tiers", 1).
inline constexpr std::size_t kPupilPgnDigits = 9;

/// `value` for a message: "'VALUE'", or a placeholder that names `noun` ("key", "value",
/// "date", ...) when the value
///  - is a pupil or staff PGN as a whole (is_pgn(value, kind)), or
///  - holds a pupil PGN: any nine digits in a row that pass is_pgn, or
///  - holds an '@' (an e-mail address, the personal part of a staff PGN "<BRIN> <e-mail>").
/// is_pgn(std::string_view, eckid_pgn_kind) -> bool is the PGN check (validate_pgn in the
/// plugin, eckid_pgn_validate in a host). Thread-safe when is_pgn is.
template <class IsPgn>
std::string quoted(std::string_view value, std::string_view noun, IsPgn &&is_pgn) {
  const std::string a = "(a " + std::string(noun);
  if (is_pgn(value, ECKID_PGN_PUPIL))
    return a + " in the form of a BSN or onderwijsnummer, not shown)";
  if (is_pgn(value, ECKID_PGN_STAFF)) return a + " in the form of a staff PGN, not shown)";
  if (value.find('@') != std::string_view::npos) {
    return a + " with an e-mail address in it, not shown)";
  }
  std::size_t run = 0;  // digits in a row ending at i
  for (std::size_t i = 0; i < value.size(); ++i) {
    run = value[i] >= '0' && value[i] <= '9' ? run + 1 : 0;
    if (run >= kPupilPgnDigits &&
        is_pgn(value.substr(i + 1 - kPupilPgnDigits, kPupilPgnDigits), ECKID_PGN_PUPIL)) {
      return a + " with a BSN or onderwijsnummer in it, not shown)";
    }
  }
  return "'" + std::string(value) + "'";
}

}  // namespace eckid::mask
