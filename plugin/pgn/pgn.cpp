#include "pgn/pgn.hpp"

#include <string>

#include "util/error.hpp"

namespace eckid {

namespace {

[[noreturn]] void invalid(const std::string &why) {
  throw Error(ECKID_E_INVALID_PGN, "invalid PGN: " + why);
}

eckid_pgn_type validate_pupil(std::string_view pgn) {
  if (pgn.size() != 9) {
    invalid("a pupil's BSN or onderwijsnummer has exactly 9 digits, this one has " +
            std::to_string(pgn.size()) +
            " characters (keep leading zeros; remove spaces and dots)");
  }
  // S = 9*d1 + 8*d2 + ... + 2*d8 - d9 (the "11-proef").
  int sum = 0;
  bool all_zero = true;
  for (std::size_t i = 0; i < 9; ++i) {
    const char c = pgn[i];
    if (c < '0' || c > '9') {
      invalid("character " + std::to_string(i + 1) +
              " is not a digit; a BSN or onderwijsnummer is 9 digits only");
    }
    const int d = c - '0';
    all_zero = all_zero && d == 0;
    sum += (i < 8) ? static_cast<int>(9 - i) * d : -d;
  }
  const int rest = ((sum % 11) + 11) % 11;
  if (rest == 0 && !all_zero) return ECKID_PGN_TYPE_BSN;
  if (rest == 5 && pgn.starts_with("10")) return ECKID_PGN_TYPE_ONDERWIJSNUMMER;
  invalid(
      "fails the BSN 11-check and is not an onderwijsnummer (starts with 10, check remainder "
      "5); look for a typing error in the source record");
}

eckid_pgn_type validate_staff(std::string_view pgn) {
  if (pgn.empty()) invalid("a staff PGN must not be empty");
  if (pgn.size() > kMaxStaffPgnBytes) {
    invalid("a staff PGN is at most " + std::to_string(kMaxStaffPgnBytes) + " bytes, this one " +
            std::to_string(pgn.size()));
  }
  for (std::size_t i = 0; i < pgn.size(); ++i) {
    const auto c = static_cast<unsigned char>(pgn[i]);
    if (c < 0x21 || c > 0x7e) {
      invalid("character " + std::to_string(i + 1) +
              " of the staff PGN is a space, a control character or not ASCII; a staff PGN is "
              "printable ASCII");
    }
  }
  return ECKID_PGN_TYPE_STAFF;
}

}  // namespace

eckid_pgn_type validate_pgn(std::string_view pgn, eckid_pgn_kind kind) {
  switch (kind) {
    case ECKID_PGN_PUPIL:
      return validate_pupil(pgn);
    case ECKID_PGN_STAFF:
      return validate_staff(pgn);
  }
  throw Error(ECKID_E_INVALID_ARGUMENT,
              "unknown PGN kind; pass ECKID_PGN_PUPIL or ECKID_PGN_STAFF");
}

std::string quoted_key(std::string_view key) {
  try {
    validate_pgn(key, ECKID_PGN_PUPIL);
    return "(a key in the form of a BSN or onderwijsnummer, not shown)";
  } catch (const Error &) {
    return "'" + std::string(key) + "'";
  }
}

}  // namespace eckid
