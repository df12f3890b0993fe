// The doctor's output: one line per check, "OK   <check>: <detail>", "WARN ..." or "FAIL ...".
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace eckid_cli {

/// Writes check lines to an output stream (not owned; must outlive the Report) and remembers
/// whether any check failed. Not thread-safe.
struct Report {
  std::ostream &out;
  bool failed = false;

  /// One line; verdict is "OK", "WARN" or "FAIL" (a FAIL sets failed).
  void line(std::string_view verdict, const std::string &check, const std::string &detail) {
    out << verdict << std::string(5 - verdict.size(), ' ') << check << ": " << detail << '\n';
    if (verdict == "FAIL") failed = true;
  }
};

}  // namespace eckid_cli
