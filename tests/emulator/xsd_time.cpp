#include "xsd_time.hpp"

#include <charconv>
#include <cstdio>

namespace eckid::emulator {
namespace {

// Reads exactly `digits` decimal digits at `pos`, then advances past them.
std::optional<int> read_digits(std::string_view text, std::size_t &pos, std::size_t digits) {
  if (pos + digits > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool expect(std::string_view text, std::size_t &pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<Clock::time_point> parse_xsd_datetime(std::string_view text) {
  using namespace std::chrono;
  // XML Schema Part 2, 3.2.7: whitespace is collapsed, so it may surround the value.
  const auto first = text.find_first_not_of(" \t\r\n");
  text = first == std::string_view::npos
             ? std::string_view{}
             : text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  std::size_t pos = 0;
  const auto y = read_digits(text, pos, 4);
  const bool dash1 = expect(text, pos, '-');
  const auto mo = read_digits(text, pos, 2);
  const bool dash2 = expect(text, pos, '-');
  const auto d = read_digits(text, pos, 2);
  const bool tee = expect(text, pos, 'T');
  const auto h = read_digits(text, pos, 2);
  const bool colon1 = expect(text, pos, ':');
  const auto mi = read_digits(text, pos, 2);
  const bool colon2 = expect(text, pos, ':');
  const auto s = read_digits(text, pos, 2);
  if (!y || !mo || !d || !h || !mi || !s || !dash1 || !dash2 || !tee || !colon1 || !colon2 ||
      *h > 24 || *mi > 59 || *s > 59) {
    return std::nullopt;
  }
  const bool end_of_day = *h == 24;  // 3.2.7: 24:00:00 is the first instant of the next day
  if (end_of_day && (*mi != 0 || *s != 0)) {
    return std::nullopt;
  }
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  auto result =
      time_point_cast<Clock::duration>(sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s});
  if (expect(text, pos, '.')) {
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;  // fractions are ignored beyond their syntax
    }
    if (end_of_day && text.substr(start, pos - start).find_first_not_of('0') != std::string::npos) {
      return std::nullopt;
    }
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '+' ? 1 : -1;
    const auto oh = read_digits(text, pos, 2);
    const bool colon = expect(text, pos, ':');
    const auto om = read_digits(text, pos, 2);
    if (!oh || !colon || !om || *om > 59 || *oh * 60 + *om > 14 * 60) {  // 3.2.7.3: +-14:00
      return std::nullopt;
    }
    result -= sign * (hours{*oh} + minutes{*om});
  } else {
    expect(text, pos, 'Z');
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  return result;
}

std::string format_xsd_datetime(Clock::time_point time) {
  using namespace std::chrono;
  const auto day_start = floor<days>(time);
  const year_month_day date{day_start};
  const hh_mm_ss clock{floor<milliseconds>(time - day_start)};
  char buffer[40];
  std::snprintf(
      buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
  return buffer;
}

}  // namespace eckid::emulator
