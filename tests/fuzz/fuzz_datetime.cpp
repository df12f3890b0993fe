// libFuzzer target: the plugin's date readers (plugin/util/datetime). Checks, for any text,
// the ranges parse_xsd_datetime() and parse_calendar_date() promise (datetime.hpp), that a
// calendar date is exactly a date-time's date part, and that an accepted value is printed
// back to an equal value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/datetime.hpp"

namespace {

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in(int y, int m) {
  constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

void check_ranges(const eckid::DateTime &t) {
  if (t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > days_in(t.year, t.month) || t.hour < 0 || t.hour > 23 || t.minute < 0 ||
      t.minute > 59 || t.second < 0 || t.second > 59) {
    std::abort();
  }
  if (t.offset_minutes && (*t.offset_minutes < -14 * 60 || *t.offset_minutes > 14 * 60)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  std::string why;
  if (const auto t = eckid::parse_xsd_datetime(text, &why)) {
    check_ranges(*t);
    // Printed back without fraction and zone, it reads as the same fields, and the zone
    // moves the instant by exactly its offset (unix_seconds counts a zone-less time as UTC).
    char again[40];
    std::snprintf(again, sizeof again, "%04d-%02d-%02dT%02d:%02d:%02d", t->year, t->month, t->day,
                  t->hour, t->minute, t->second);
    const auto u = eckid::parse_xsd_datetime(again);
    if (!u || u->year != t->year || u->month != t->month || u->day != t->day ||
        u->hour != t->hour || u->minute != t->minute || u->second != t->second ||
        u->offset_minutes) {
      std::abort();
    }
    const std::int64_t offset = t->offset_minutes ? *t->offset_minutes * 60 : 0;
    if (eckid::unix_seconds(*u) - offset != eckid::unix_seconds(*t)) std::abort();
  } else if (why.empty()) {
    std::abort();  // a refusal always says which part is wrong
  }
  why.clear();
  if (const auto d = eckid::parse_calendar_date(text, &why)) {
    check_ranges(*d);
    if (d->hour != 0 || d->minute != 0 || d->second != 0 || d->offset_minutes) std::abort();
    // "YYYY-MM-DD" is a date exactly when "YYYY-MM-DDT00:00:00" is a date-time.
    if (!eckid::parse_xsd_datetime(std::string(text) + "T00:00:00")) std::abort();
  } else if (why.empty()) {
    std::abort();
  }
  return 0;
}
