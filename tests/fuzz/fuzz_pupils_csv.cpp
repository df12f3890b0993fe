// libFuzzer target: the pupil list of `eckid import` (common/csv: parse_csv, then adapters/cli:
// parse_pupils) on any text. Checks the readers' promises (csv.hpp, pupils.hpp): CSV records
// and problems come in line order, every field of a record is UTF-8, a pupil row has a
// non-empty key and a known kind, and no problem message holds a valid pupil PGN.
#include <eckid/eckid.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "csv.hpp"
#include "pgn_in_text.hpp"
#include "pupils.hpp"
#include "utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);

  const eckid::CsvText csv = eckid::parse_csv(text);
  std::size_t last = 0;
  for (const auto &record : csv.records) {
    if (record.line <= last) std::abort();
    last = record.line;
    for (const auto &field : record.fields) {
      if (!eckid::is_valid_utf8(field)) std::abort();
    }
  }
  for (const auto &problem : csv.problems) {
    if (problem.line == 0 || fuzz::holds_pupil_pgn(problem.what)) std::abort();
  }

  try {
    const eckid_cli::PupilList list = eckid_cli::parse_pupils(text, "pupils.csv");
    if (list.rows.size() + list.problems.size() != list.rows_read) std::abort();
    for (const auto &row : list.rows) {
      if (row.pupil_key.empty()) std::abort();
      if (row.kind != ECKID_PGN_PUPIL && row.kind != ECKID_PGN_STAFF) std::abort();
    }
    for (const auto &problem : list.problems) {
      if (fuzz::holds_pupil_pgn(problem.what)) std::abort();
    }
  } catch (const std::runtime_error &e) {
    // No header: the documented refusal, which must not quote a PGN either.
    if (fuzz::holds_pupil_pgn(e.what())) std::abort();
  }
  return 0;
}
