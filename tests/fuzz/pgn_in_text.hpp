// Shared by the CSV fuzz targets: whether a text holds a pupil PGN (a message must never).
#pragma once

#include <string>

#include <eckid/eckid.h>

namespace fuzz {

// True when some run of 9 digits in `text` is a valid BSN or onderwijsnummer (only digit runs
// are passed to the plugin: a refusal throws inside it, which is slow under the sanitizers).
inline bool holds_pupil_pgn(const std::string &text) {
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

}  // namespace fuzz
