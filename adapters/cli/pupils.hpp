// The pupil list of `eckid import` (format in README.md): header pupil_key,pgn,kind, one
// pupil or staff member per row.
#pragma once

#include <eckid/eckid.h>

#include <cstddef>
#include <string>
#include <vector>

#include "csv.hpp"

namespace eckid_cli {

/// One readable row. The PGN is only passed to the plugin, never printed.
struct PupilRow {
  std::size_t line = 0;
  std::string pupil_key;
  std::string pgn;
  eckid_pgn_kind kind = ECKID_PGN_PUPIL;
};

/// The rows of a pupil list and the rows that could not be read.
struct PupilList {
  std::vector<PupilRow> rows;
  std::vector<eckid::CsvProblem> problems;  ///< by line; never holding a PGN
  std::size_t rows_read = 0;                ///< data rows, readable or not (not the header)
};

/// Reads the pupil list at path. Rows with the wrong number of fields, an empty pupil key
/// or an unknown kind are problems; the PGN is not checked here (the plugin does).
/// Surrounding spaces of a field are ignored; an empty kind means pupil. Throws
/// std::runtime_error, with a message that says what to do, when the file cannot be read
/// or its first line is not the header.
PupilList read_pupils(const std::string &path);

/// read_pupils() on text already read (tests/fuzz); `name` stands for the file in messages.
/// The text holds PGNs and is cleared as soon as it is parsed. Same errors as read_pupils().
PupilList parse_pupils(std::string text, const std::string &name);

/// Overwrites the PGNs of the rows in memory (after the plugin has them).
void forget_pgns(std::vector<PupilRow> &rows);

/// A pupil or school key (or any CSV cell) for a message: "'KEY'", or a placeholder when the
/// key is or holds a PGN (eckid_pgn_validate), e.g. when a list's columns are mixed up: a PGN
/// is never printed, not even as a key. The plugin's rule, eckid::mask::quoted (mask.hpp).
std::string quoted_key(const std::string &key);

}  // namespace eckid_cli
