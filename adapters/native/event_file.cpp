#include "event_file.hpp"

#include <fstream>
#include <stdexcept>
#include <string_view>

namespace eckid_host {
namespace {

constexpr std::string_view kHeader = "event,school,pupil_key,pgn,old_pgn,target_school,date";
constexpr std::size_t kColumns = 7;

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

// The row's event, or a reason in `row.error`.
void parse_row(const std::vector<std::string> &f, const QuoteFn &quote, EventRow &row) {
  if (f.size() != kColumns) {
    row.error =
        "expected " + std::to_string(kColumns) + " columns, found " + std::to_string(f.size());
    return;
  }
  EnrolmentEvent &e = row.event;
  if (f[0] == "created") {
    e.kind = EventKind::created;
  } else if (f[0] == "transferred") {
    e.kind = EventKind::transferred;
  } else if (f[0] == "pgn_changed") {
    e.kind = EventKind::pgn_changed;
  } else {
    row.error =
        "unknown event " + quote(f[0], "value") + " (expected created, transferred or pgn_changed)";
    return;
  }
  e.school = f[1];
  e.pupil_key = f[2];
  e.pgn = f[3];
  e.old_pgn = f[4];
  e.target_school = f[5];
  e.date = f[6];
  if (e.school.empty() || e.pupil_key.empty() || e.pgn.empty()) {
    row.error = std::string(to_string(e.kind)) + " needs school, pupil_key and pgn";
  } else if (e.kind == EventKind::transferred && e.target_school.empty()) {
    row.error = "transferred needs target_school";
  } else if (e.kind == EventKind::pgn_changed && e.old_pgn.empty()) {
    row.error = "pgn_changed needs old_pgn";
  }
}

}  // namespace

const char *to_string(EventKind kind) {
  switch (kind) {
    case EventKind::created:
      return "created";
    case EventKind::transferred:
      return "transferred";
    case EventKind::pgn_changed:
      return "pgn_changed";
  }
  return "?";
}

std::vector<EventRow> read_event_file(const std::filesystem::path &path, const QuoteFn &quote) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the enrolment file " + path.string());
  return read_events(in, path.string(), quote);
}

std::vector<EventRow> read_events(std::istream &in, const std::string &name, const QuoteFn &quote) {
  std::string text;
  std::size_t line = 0;
  bool header = false;
  std::vector<EventRow> rows;
  while (std::getline(in, text)) {
    ++line;
    const std::string trimmed = trim(text);
    if (trimmed.empty() || trimmed.starts_with('#')) continue;
    if (!header) {
      if (trimmed != kHeader) {
        throw std::runtime_error(name + ":" + std::to_string(line) + ": expected the header " +
                                 std::string(kHeader));
      }
      header = true;
      continue;
    }
    EventRow row;
    row.line = line;
    parse_row(split(trimmed), quote, row);
    rows.push_back(std::move(row));
  }
  if (!header) throw std::runtime_error(name + ": empty, expected the header line");
  return rows;
}

}  // namespace eckid_host
