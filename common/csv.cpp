#include "csv.hpp"

#include <optional>

#include "utf8.hpp"

namespace eckid {

namespace {

// Reads one record from pos; on success moves pos and line past it.
struct RecordReader {
  std::string_view text;
  std::size_t pos = 0;
  std::size_t line = 1;

  // The record's fields, or a problem (pos then at the end of the offending line).
  std::optional<std::string> read(std::vector<std::string> &fields, bool &blank) {
    const std::size_t start = pos;
    const std::size_t start_line = line;
    std::string field;
    bool in_quotes = false;
    bool was_quoted = false;  // the current field started with a quote
    while (pos < text.size()) {
      const char c = text[pos];
      if (in_quotes) {
        if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          pos += 2;
          continue;
        }
        if (c == '"') {
          in_quotes = false;
        } else {
          if (c == '\n') ++line;
          field += c;
        }
        ++pos;
        continue;
      }
      if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
        ++pos;
        continue;
      }
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') {
        ++pos;
        continue;
      }
      if (c == '\n') {
        ++pos;
        ++line;
        break;
      }
      if (c == '"' && field.empty() && !was_quoted) {
        in_quotes = was_quoted = true;
        ++pos;
        continue;
      }
      if (was_quoted) return skip_line("text after a closing quote (quote the whole field)");
      if (c == '"') {
        return skip_line(
            "a quote inside an unquoted field (quote the field and write the "
            "quote twice)");
      }
      field += c;
      ++pos;
    }
    if (in_quotes) {
      // Never closed: the record is the one line it started on; go on after it.
      pos = text.find('\n', start);
      pos = pos == std::string_view::npos ? text.size() : pos + 1;
      line = start_line + 1;
      return "a quoted field is not closed (a quote is missing)";
    }
    fields.push_back(std::move(field));
    blank = fields.size() == 1 && fields[0].empty() && !was_quoted;
    return std::nullopt;
  }

  std::string skip_line(const char *what) {
    const std::size_t end = text.find('\n', pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line;
    return what;
  }
};

}  // namespace

CsvText parse_csv(std::string_view text, CsvOptions options) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvText out;
  RecordReader reader{text};
  while (reader.pos < text.size()) {
    const std::size_t line = reader.line;
    if (options.comments) {
      const std::size_t first = text.find_first_not_of(" \t", reader.pos);
      if (first != std::string_view::npos && text[first] == '#') {
        reader.skip_line("");
        continue;
      }
    }
    std::vector<std::string> fields;
    bool blank = false;
    if (auto problem = reader.read(fields, blank)) {
      out.problems.push_back({line, std::move(*problem)});
      continue;
    }
    if (blank) continue;
    bool utf8 = true;
    for (const auto &f : fields) utf8 = utf8 && is_valid_utf8(f);
    if (!utf8) {
      out.problems.push_back({line, "not UTF-8 text (save the file as UTF-8)"});
      continue;
    }
    out.records.push_back({line, std::move(fields)});
  }
  return out;
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

}  // namespace eckid
