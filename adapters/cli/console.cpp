#include "console.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace eckid_cli {

namespace {

// Columns of the terminal on stderr (80 when unknown).
std::size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

Console::Console(bool bar) : bar_(bar) {}

void Console::clear_bar() {
  if (!bar_shown_) return;
  std::fputs("\r\x1b[K", stderr);  // carriage return, erase to the end of the line
  std::fflush(stderr);
  bar_shown_ = false;
}

void Console::report(const std::string &line) {
  const std::lock_guard lock(mutex_);
  clear_bar();
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

void Console::note(const std::string &line) {
  const std::lock_guard lock(mutex_);
  clear_bar();
  std::fputs((line + "\n").c_str(), stderr);
  std::fflush(stderr);
}

void Console::draw_bar(const std::string &text) {
  if (!bar_) return;
  const std::lock_guard lock(mutex_);
  // One column less than the width: a full line would wrap and break the redraw.
  const std::size_t width = terminal_width() - 1;
  std::fputs(("\r" + text.substr(0, width) + "\x1b[K").c_str(), stderr);
  std::fflush(stderr);
  bar_shown_ = true;
}

void Console::end_bar() {
  const std::lock_guard lock(mutex_);
  if (bar_shown_) std::fputs("\n", stderr);
  std::fflush(stderr);
  bar_shown_ = false;
}

}  // namespace eckid_cli
