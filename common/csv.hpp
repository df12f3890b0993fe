// CSV as RFC 4180 describes it: comma-separated fields, double quotes around a field that
// holds a comma, quote or line break, a quote inside written twice. The one reader and writer of
// the administrator's tool (the pupil list `eckid import` reads, the ECK iD table it writes) and
// the reference host (its enrolment file and pupil table).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace eckid {

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

/// What a format adds to RFC 4180.
struct CsvOptions {
  /// A line whose first character other than space or tab is '#' is a comment and skipped
  /// (only where a record starts: a '#' inside a quoted field is text).
  bool comments = false;
};

/// Parses CSV text. A leading UTF-8 byte order mark is skipped; lines end with LF or CRLF;
/// empty lines are skipped. A record with a quote in the wrong place, a quoted field that is
/// never closed, or bytes that are not UTF-8 (eckid::is_valid_utf8) becomes a problem and
/// reading goes on with the next line. Fields are returned as written (no trimming; a quote
/// after leading spaces is a quote inside an unquoted field). Records and problems are each in
/// file order. Pure and thread-safe.
CsvText parse_csv(std::string_view text, CsvOptions options = {});

/// The field as it goes into a CSV file: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view value);

}  // namespace eckid
