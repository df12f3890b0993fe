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
#include "pgn_in_text.hpp"

namespace {

bool is_pgn(std::string_view value, eckid_pgn_kind kind) {
  const std::string text(value);
  return eckid_pgn_validate(text.c_str(), kind, nullptr) == ECKID_OK;
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
        if (fuzz::holds_pupil_pgn(row.error)) std::abort();
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
