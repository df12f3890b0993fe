#include "event_file.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include "csv.hpp"

namespace eckid_host {
namespace {

constexpr std::array<std::string_view, 7> kHeader = {"event",   "school",        "pupil_key", "pgn",
                                                     "old_pgn", "target_school", "date"};
constexpr std::size_t kColumns = kHeader.size();

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
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
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const eckid::CsvText csv = eckid::parse_csv(text, {.comments = true});
  // The records (fields trimmed; blanks only: a blank line) and problems, in file order.
  struct Line {
    std::size_t number = 0;
    std::string problem;
    std::vector<std::string> fields;
  };
  std::vector<Line> lines;
  for (const auto &problem : csv.problems) lines.push_back({problem.line, problem.what, {}});
  for (const auto &record : csv.records) {
    Line line{record.line, {}, {}};
    for (const auto &field : record.fields) line.fields.push_back(trim(field));
    if (line.fields.size() > 1 || !line.fields[0].empty()) lines.push_back(std::move(line));
  }
  std::sort(lines.begin(), lines.end(),
            [](const Line &a, const Line &b) { return a.number < b.number; });
  if (lines.empty()) throw std::runtime_error(name + ": empty, expected the header line");
  const Line &header = lines.front();
  if (!header.problem.empty() ||
      !std::equal(header.fields.begin(), header.fields.end(), kHeader.begin(), kHeader.end())) {
    std::string expected;
    for (const auto column : kHeader)
      expected += (expected.empty() ? "" : ",") + std::string(column);
    throw std::runtime_error(name + ":" + std::to_string(header.number) + ": expected the header " +
                             expected);
  }
  std::vector<EventRow> rows;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EventRow row;
    row.line = lines[i].number;
    row.error = lines[i].problem;
    if (row.error.empty()) parse_row(lines[i].fields, quote, row);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace eckid_host
