#include "pupils.hpp"

#include <string.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "mask.hpp"

namespace eckid_cli {

namespace {

constexpr const char *kHeaderHelp =
    "the first line must be the header pupil_key,pgn,kind (kind may be left out, other "
    "columns are ignored); see 'eckid import --help'";

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1));
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  return s;
}

// Column positions from the header; throws when it is not pupil_key,pgn[,kind].
struct Columns {
  std::size_t count = 0;
  std::optional<std::size_t> key, pgn, kind;

  explicit Columns(const eckid::CsvRecord &header) {
    count = header.fields.size();
    for (std::size_t i = 0; i < count; ++i) {
      const std::string name = lowercase(trimmed(header.fields[i]));
      std::optional<std::size_t> *slot = name == "pupil_key" ? &key
                                         : name == "pgn"     ? &pgn
                                         : name == "kind"    ? &kind
                                                             : nullptr;
      if (slot == nullptr) continue;  // another column of the school system's export
      if (slot->has_value()) {
        // Never echo the line: a file without a header starts with a PGN.
        throw std::runtime_error("line " + std::to_string(header.line) + ": the column " + name +
                                 " appears twice; " + kHeaderHelp);
      }
      *slot = i;
    }
    if (!key || !pgn) {
      const bool semicolons = count == 1 && header.fields[0].find(';') != std::string::npos;
      throw std::runtime_error("line " + std::to_string(header.line) + ": " +
                               (semicolons ? "the fields are separated by ';'; use ',' - " : "") +
                               kHeaderHelp);
    }
  }
};

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read the pupil list " + path + ": " + strerror(errno) +
                             "; check the path and its permissions");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

PupilList read_pupils(const std::string &path) {
  return parse_pupils(read_file(path), path);
}

PupilList parse_pupils(std::string text, const std::string &name) {
  eckid::CsvText csv = eckid::parse_csv(text);
  explicit_bzero(text.data(), text.size());
  PupilList list;
  if (csv.records.empty() ||
      (!csv.problems.empty() && csv.problems.front().line < csv.records.front().line)) {
    throw std::runtime_error(name + ": " + kHeaderHelp);
  }
  const Columns columns(csv.records.front());
  list.problems = std::move(csv.problems);
  list.rows_read = csv.records.size() - 1 + list.problems.size();
  for (std::size_t r = 1; r < csv.records.size(); ++r) {
    eckid::CsvRecord &record = csv.records[r];
    const auto problem = [&](std::string what) {
      list.problems.push_back({record.line, std::move(what)});
    };
    if (record.fields.size() != columns.count) {
      problem("expected " + std::to_string(columns.count) + " fields, found " +
              std::to_string(record.fields.size()));
    } else {
      PupilRow row{record.line, trimmed(record.fields[*columns.key]),
                   trimmed(record.fields[*columns.pgn]), ECKID_PGN_PUPIL};
      const std::string kind = columns.kind ? lowercase(trimmed(record.fields[*columns.kind])) : "";
      if (row.pupil_key.empty()) {
        problem("the pupil key is empty");
      } else if (kind != "" && kind != "pupil" && kind != "staff") {
        // Neither the kind nor a key in the form of a PGN is shown: with shifted columns
        // either could be a PGN.
        problem("pupil " + quoted_key(row.pupil_key) +
                ": unknown kind (expected pupil, staff or empty)");
      } else {
        row.kind = kind == "staff" ? ECKID_PGN_STAFF : ECKID_PGN_PUPIL;
        list.rows.push_back(std::move(row));
      }
    }
    for (auto &field : record.fields) explicit_bzero(field.data(), field.size());
  }
  std::sort(list.problems.begin(), list.problems.end(),
            [](const eckid::CsvProblem &a, const eckid::CsvProblem &b) { return a.line < b.line; });
  return list;
}

void forget_pgns(std::vector<PupilRow> &rows) {
  for (auto &row : rows) {
    explicit_bzero(row.pgn.data(), row.pgn.size());
    row.pgn.clear();
  }
}

std::string quoted_key(const std::string &key) {
  return eckid::mask::quoted(key, "key", [](std::string_view value, eckid_pgn_kind kind) {
    return eckid_pgn_validate(std::string(value).c_str(), kind, nullptr) == ECKID_OK;
  });
}

}  // namespace eckid_cli
