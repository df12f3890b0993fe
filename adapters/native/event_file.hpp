// The enrolment event file: CSV with the header
// event,school,pupil_key,pgn,old_pgn,target_school,date (README "The enrolment file").
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace eckid_host {

/// The three enrolment events.
enum class EventKind { created, transferred, pgn_changed };

/// Name of an event as written in the file ("created", ...).
const char *to_string(EventKind kind);

/// One event. For transferred, `school` is the from-school and `target_school` the
/// to-school; for pgn_changed, `old_pgn` is the old PGN and `pgn` the new one.
struct EnrolmentEvent {
  EventKind kind = EventKind::created;
  std::string school;
  std::string pupil_key;
  std::string pgn;
  std::string old_pgn;
  std::string target_school;
  std::string date;  // "YYYY-MM-DD" or empty
};

/// One data row: its line number and either an event or why the row was not read. The
/// reason shows a cell only through QuoteFn (a cell may hold a PGN).
struct EventRow {
  std::size_t line = 0;
  std::string error;  // empty: `event` is valid
  EnrolmentEvent event;
};

/// How a cell is shown in a reason: quote(value, noun) gives "'VALUE'" or a placeholder naming
/// `noun` when the value is or holds a PGN (eckid_host::quoted, the plugin's masking rule).
using QuoteFn = std::function<std::string(std::string_view value, std::string_view noun)>;

/// Reads an enrolment file: CSV as RFC 4180 says (eckid::parse_csv, common/csv.hpp), so a
/// quoted field may hold a comma, a doubled quote or a line break. Blank lines and lines
/// starting with '#' are skipped; fields are trimmed of spaces and tabs; a row that is not
/// CSV (a stray or unclosed quote, not UTF-8) gets the reader's reason; cells reach a reason
/// only through `quote`. Rows are in file order, each with the line it starts on. Throws
/// std::runtime_error when the file cannot be read or the header is wrong.
std::vector<EventRow> read_event_file(const std::filesystem::path &path, const QuoteFn &quote);

/// read_event_file() on an open stream (tests/fuzz); `name` stands for the file in messages.
/// Throws std::runtime_error when the header is wrong.
std::vector<EventRow> read_events(std::istream &in, const std::string &name, const QuoteFn &quote);

}  // namespace eckid_host
