// Output of the administrator's tool: report lines on stdout, progress and notes on stderr,
// and on a terminal a one-line progress bar that other lines do not break up.
#pragma once

#include <mutex>
#include <string>

namespace eckid_cli {

/// Thread-safe (plugin log lines arrive from plugin threads).
class Console {
 public:
  /// bar: stderr is a terminal, so progress is a bar redrawn in place.
  explicit Console(bool bar);

  /// Whether progress is drawn as a bar (stderr is a terminal).
  bool bar() const { return bar_; }

  /// A line of the run's report, on stdout.
  void report(const std::string &line);

  /// A line on stderr: a progress line, a plugin log line or an error.
  void note(const std::string &line);

  /// Draws the progress bar on stderr in place of the previous one, cut to the terminal's
  /// width. Ignored when bar() is false.
  void draw_bar(const std::string &text);

  /// Leaves the bar as it is and moves on to a new line.
  void end_bar();

 private:
  void clear_bar();

  std::mutex mutex_;
  const bool bar_;
  bool bar_shown_ = false;
};

}  // namespace eckid_cli
