// The output of `eckid import`: a CSV table pupil_key, one ECK iD column per chain of the
// school, filled from the plugin's state database. Never a PGN.
#pragma once

#include <eckid/eckid.h>

#include <cstddef>
#include <string>
#include <vector>

#include "schools.hpp"

namespace eckid_cli {

/// A pupil that belongs in the table: its line in the pupil list (for messages) and key.
struct TableRow {
  std::size_t line = 0;
  std::string pupil_key;
};

/// What writing the table came to.
struct TableWritten {
  std::size_t rows = 0;               ///< pupils written
  std::vector<std::string> problems;  ///< "line N: pupil 'K': ..." for pupils left out
};

/// PUPILS.eckid.csv beside the pupil list (PUPILS.csv -> PUPILS.eckid.csv).
std::string default_table_path(const std::string &pupils_path);

/// Writes the table to path: the header pupil_key,<chain>..., then one row per pupil in the
/// given order with the ECK iDs eckid_pupil_lookup() returns for the school, each in its
/// chain's column. A pupil without a record is a problem and left out. The file is written
/// beside path under a temporary name, synced and renamed over path, so that path holds
/// either the old or the whole new table. Throws std::runtime_error (saying what to do)
/// when it cannot be written; path is then unchanged.
TableWritten write_eckid_table(eckid_plugin *plugin, const School &school,
                               const std::vector<TableRow> &rows, const std::string &path);

}  // namespace eckid_cli
