// libFuzzer target: eckid_pgn_validate() against an independent reading of the spec
// (shared/spec/nummervoorziening.md, "The three tiers", 1), written here from the spec text
// and not from plugin/pgn:
//   - a BSN is 9 digits passing the 11-check: 9·d1 + 8·d2 + ... + 2·d8 − 1·d9 ≡ 0 (mod 11);
//   - an onderwijsnummer is 9 digits starting with "10" whose weighted sum is 5 (mod 11); the
//     spec does not repeat the weights, so they are the 11-check's (as python-stdnum's
//     stdnum.nl.onderwijsnummer has it), and no number is both;
//   - the PGN is a string: leading zeros count, nothing is trimmed.
// Where the spec is silent the ABI's choice is allowed: "000000000" passes the 11-check but is
// no BSN (eckid.h, eckid_pgn_validate).
// For the pupil kind the two must agree on every input (and on the type, where only one rule
// holds). For the staff kind ("<BRIN> <e-mail>") the spec fixes only the shape, so only what
// it implies is checked: an accepted staff PGN has a space after a non-empty BRIN, an '@' in
// the address after it, fits ECKID_MAX_PGN_BYTES, and is typed staff.
#include <eckid/eckid.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

enum class Reference { none, bsn, onderwijsnummer };

Reference reference_pupil(std::string_view s) {
  if (s.size() != 9) return Reference::none;
  int sum = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    if (s[i] < '0' || s[i] > '9') return Reference::none;
    const int d = s[i] - '0';
    sum += i == 8 ? -d : (9 - static_cast<int>(i)) * d;  // 9, 8, ..., 2, then -1
  }
  const int rest = ((sum % 11) + 11) % 11;
  if (rest == 0) return Reference::bsn;
  if (rest == 5 && s.starts_with("10")) return Reference::onderwijsnummer;
  return Reference::none;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  // A C string: what the C ABI sees ends at the first NUL.
  const std::string pgn(reinterpret_cast<const char *>(data), size);
  const std::string_view seen(pgn.c_str());

  eckid_pgn_type type = ECKID_PGN_TYPE_STAFF;
  const eckid_status pupil = eckid_pgn_validate(pgn.c_str(), ECKID_PGN_PUPIL, &type);
  const Reference expected = reference_pupil(seen);
  if (pupil != ECKID_OK && pupil != ECKID_E_INVALID_PGN) std::abort();
  if (seen == "000000000") {
    if (pupil == ECKID_OK) std::abort();
  } else if ((pupil == ECKID_OK) != (expected != Reference::none)) {
    std::abort();
  }
  if (pupil == ECKID_OK &&
      type != (expected == Reference::bsn ? ECKID_PGN_TYPE_BSN : ECKID_PGN_TYPE_ONDERWIJSNUMMER)) {
    std::abort();
  }

  const eckid_status staff = eckid_pgn_validate(pgn.c_str(), ECKID_PGN_STAFF, &type);
  if (staff != ECKID_OK && staff != ECKID_E_INVALID_PGN) std::abort();
  if (staff == ECKID_OK) {
    const auto space = seen.find(' ');
    if (space == 0 || space == std::string_view::npos) std::abort();
    if (seen.find('@', space + 1) == std::string_view::npos) std::abort();
    if (seen.size() > ECKID_MAX_PGN_BYTES) std::abort();
    if (type != ECKID_PGN_TYPE_STAFF) std::abort();
  }
  return 0;
}
