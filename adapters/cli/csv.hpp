// CSV as RFC 4180 describes it: comma-separated fields, double quotes around a field that
// holds a comma, quote or line break, a quote inside written twice. Used for the pupil list
// `eckid import` reads and the ECK iD table it writes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace eckid_cli {

/// One record and the line of the file it starts on (1-based).
struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

/// A record that could not be read, by line; `what` never quotes the record's text.
struct CsvProblem {
  std::size_t line = 0;
  std::string what;
};

/// The records of a file and the problems of those that could not be read.
struct CsvText {
  std::vector<CsvRecord> records;
  std::vector<CsvProblem> problems;
};

/// Parses CSV text. A leading UTF-8 byte order mark is skipped; lines end with LF or CRLF;
/// blank lines are skipped. A record with a quote in the wrong place, a quoted field that is
/// never closed, or bytes that are not UTF-8 becomes a problem and reading goes on with the
/// next line. Fields are returned as written (no trimming).
CsvText parse_csv(std::string_view text);

/// The field as it goes into a CSV file: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view value);

/// Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates or values past
/// U+10FFFF).
bool is_utf8(std::string_view text);

}  // namespace eckid_cli
