#include "eckid_table.hpp"

#include "pupils.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "csv.hpp"
#include "plugin.hpp"

namespace eckid_cli {

namespace {

using Result = std::unique_ptr<eckid_result, decltype(&eckid_free)>;

// The row of one pupil, or a problem.
std::string table_line(eckid_plugin *plugin, const School &school, const TableRow &row,
                       std::string &problem) {
  eckid_result *raw = nullptr;
  const eckid_status status =
      eckid_pupil_lookup(plugin, school.key.c_str(), row.pupil_key.c_str(), &raw);
  const Result result(raw, &eckid_free);
  const std::string who =
      "line " + std::to_string(row.line) + ": pupil " + quoted_key(row.pupil_key);
  if (status != ECKID_OK) {
    problem = who + ": no ECK iD in the table: " + failure(status);
    return {};
  }
  std::string line = eckid::csv_field(row.pupil_key);
  for (const auto &chain : school.chains) {
    std::string eckid;
    for (std::size_t i = 0; i < result->count; ++i) {
      if (chain == result->eckids[i]->chain) eckid = result->eckids[i]->eckid;
    }
    if (eckid.empty()) problem = who + ": no ECK iD recorded for chain " + chain;
    line += "," + eckid::csv_field(eckid);
  }
  return line + "\n";
}

void write_all(int fd, const std::string &text, const std::string &temporary) {
  for (std::size_t at = 0; at < text.size();) {
    const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      std::remove(temporary.c_str());
      throw std::runtime_error("cannot write " + temporary + ": " + why +
                               "; free space or choose another place with --output");
    }
    at += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string default_table_path(const std::string &pupils_path) {
  std::filesystem::path path(pupils_path);
  if (path.extension() == ".csv" || path.extension() == ".CSV") path.replace_extension();
  return path.string() + ".eckid.csv";
}

TableWritten write_eckid_table(eckid_plugin *plugin, const School &school,
                               const std::vector<TableRow> &rows, const std::string &path) {
  TableWritten written;
  std::string text = "pupil_key";
  for (const auto &chain : school.chains) text += "," + eckid::csv_field(chain);
  text += "\n";
  for (const auto &row : rows) {
    std::string problem;
    const std::string line = table_line(plugin, school, row, problem);
    if (!problem.empty()) {
      written.problems.push_back(problem);
      continue;
    }
    text += line;
    ++written.rows;
  }
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + temporary + ": " + std::strerror(errno) +
                             "; check the folder's permissions or choose another place with "
                             "--output");
  }
  write_all(fd, text, temporary);
  const bool synced = ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": " + why +
                             "; check the folder or choose another place with --output");
  }
  // The rename itself lasts once the folder is synced.
  std::string folder = std::filesystem::path(path).parent_path().string();
  const int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return written;
}

}  // namespace eckid_cli
