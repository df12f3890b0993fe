// libFuzzer target: eckid-host's enrolment file reader (adapters/native/event_file) on any
// text, with the host's masking rule (eckid::mask::quoted over eckid_pgn_validate) for the
// cells a reason may show. Checks the reader's promises (event_file.hpp): a row has a reason
// or the fields its event needs, line numbers rise, and no reason holds a valid pupil PGN.
#include <eckid/eckid.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "event_file.hpp"
#include "mask.hpp"

namespace {

bool is_pgn(std::string_view value, eckid_pgn_kind kind) {
  const std::string text(value);
  return eckid_pgn_validate(text.c_str(), kind, nullptr) == ECKID_OK;
}

// True when some run of 9 digits in `text` is a valid BSN or onderwijsnummer (only digit runs
// are passed to the plugin: a refusal throws inside it, which is slow under the sanitizers).
bool holds_pupil_pgn(const std::string &text) {
  std::size_t run = 0;  // digits in a row ending at i
  for (std::size_t i = 0; i < text.size(); ++i) {
    run = text[i] >= '0' && text[i] <= '9' ? run + 1 : 0;
    if (run >= 9 &&
        eckid_pgn_validate(text.substr(i - 8, 9).c_str(), ECKID_PGN_PUPIL, nullptr) == ECKID_OK) {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char *>(data), size));
  const eckid_host::QuoteFn quote = [](std::string_view value, std::string_view noun) {
    return eckid::mask::quoted(value, noun, is_pgn);
  };
  try {
    std::size_t last_line = 0;
    for (const auto &row : eckid_host::read_events(in, "events.csv", quote)) {
      if (row.line <= last_line) std::abort();
      last_line = row.line;
      if (!row.error.empty()) {
        if (holds_pupil_pgn(row.error)) std::abort();
        continue;
      }
      const auto &e = row.event;
      if (e.school.empty() || e.pupil_key.empty() || e.pgn.empty()) std::abort();
      if (e.kind == eckid_host::EventKind::transferred && e.target_school.empty()) std::abort();
      if (e.kind == eckid_host::EventKind::pgn_changed && e.old_pgn.empty()) std::abort();
    }
  } catch (const std::runtime_error &) {
    // A wrong or missing header: the documented refusal.
  }
  return 0;
}
