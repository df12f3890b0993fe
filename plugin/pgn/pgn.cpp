#include "pgn/pgn.hpp"

#include "pgn/mask.hpp"

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

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Staff: "<BRIN> <e-mail>" (spec "The three tiers", 1: the reference clients' staff input).
eckid_pgn_type validate_staff(std::string_view pgn) {
  static const std::string form =
      "; a staff PGN is the school's BRIN, one space and the staff member's e-mail address, "
      "like 00AA name@school.nl";
  if (pgn.empty()) invalid("a staff PGN must not be empty" + form);
  if (pgn.size() > kMaxStaffPgnBytes) {
    invalid("a staff PGN is at most " + std::to_string(kMaxStaffPgnBytes) + " bytes, this one " +
            std::to_string(pgn.size()) + form);
  }
  const auto blank = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  if (blank(pgn.front()) || blank(pgn.back())) {
    invalid(std::string("the staff PGN ") + (blank(pgn.front()) ? "starts" : "ends") +
            " with a space or a line break; remove it in the source record (the space is only "
            "between the BRIN and the e-mail address)");
  }
  std::size_t spaces = 0;
  for (std::size_t i = 0; i < pgn.size(); ++i) {
    const auto c = static_cast<unsigned char>(pgn[i]);
    if (c > 0x7e) {
      invalid("character " + std::to_string(i + 1) +
              " of the staff PGN is not ASCII; the BRIN and the e-mail address are plain ASCII");
    }
    if (c < 0x20 || c == 0x7f) {
      invalid("character " + std::to_string(i + 1) +
              " of the staff PGN is a control character (a tab or line break?)" + form);
    }
    spaces += c == ' ' ? 1 : 0;
  }
  if (spaces != 1) {
    invalid("the staff PGN has " + std::to_string(spaces) + " spaces, not one" + form);
  }
  const std::size_t space = pgn.find(' ');
  const std::string_view brin = pgn.substr(0, space);
  if (brin.size() != 4 || !is_digit(brin[0]) || !is_digit(brin[1]) || !is_letter(brin[2]) ||
      !is_letter(brin[3])) {
    invalid("the part before the space is not a BRIN (2 digits and 2 letters, like 00AA)" + form);
  }
  const std::string_view email = pgn.substr(space + 1);
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos) {
    invalid("the part after the space is not an e-mail address (one @ with text on both sides)" +
            form);
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

namespace {
bool is_pgn(std::string_view value, eckid_pgn_kind kind) {
  try {
    validate_pgn(value, kind);
    return true;
  } catch (const Error &) {
    return false;
  }
}
}  // namespace

std::string quoted_key(std::string_view key) {
  return mask::quoted(key, "key", is_pgn);
}

std::string quoted_value(std::string_view value, std::string_view noun) {
  return mask::quoted(value, noun, is_pgn);
}

}  // namespace eckid
