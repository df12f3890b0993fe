#include "util/datetime.hpp"

namespace eckid {

namespace {

bool leap(int year) noexcept {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) noexcept {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : days[month - 1];
}

// Reads text left to right; every read checks the remaining length.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool done() const noexcept { return at_ == text_.size(); }
  bool take(char c) noexcept {
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  // Exactly n digits as a number, or -1.
  int digits(std::size_t n) noexcept {
    if (text_.size() - at_ < n) return -1;
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = text_[at_ + i];
      if (c < '0' || c > '9') return -1;
      value = value * 10 + (c - '0');
    }
    at_ += n;
    return value;
  }
  // One or more digits, at most max; returns how many were read.
  std::size_t run_of_digits(std::size_t max) noexcept {
    std::size_t n = 0;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9' && n <= max) {
      ++at_;
      ++n;
    }
    return n;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

bool fail(std::string *why, const char *what) {
  if (why != nullptr) *why = what;
  return false;
}

bool read_date(Reader &r, DateTime &t, std::string *why) {
  t.year = r.digits(4);
  if (t.year < 0 || !r.take('-')) return fail(why, "the year is not 4 digits followed by '-'");
  if (t.year == 0) return fail(why, "the year is 0000, not 0001-9999");
  t.month = r.digits(2);
  if (t.month < 0 || !r.take('-')) return fail(why, "the month is not 2 digits followed by '-'");
  if (t.month < 1 || t.month > 12) return fail(why, "the month is not 01-12");
  t.day = r.digits(2);
  if (t.day < 0) return fail(why, "the day is not 2 digits");
  if (t.day < 1 || t.day > days_in_month(t.year, t.month)) {
    return fail(why, "the day does not exist in that month (leap years counted)");
  }
  return true;
}

bool too_long(std::string_view text, std::string *why) {
  if (text.size() <= kMaxDateTimeChars) return false;
  if (why != nullptr) {
    *why = "it is " + std::to_string(text.size()) + " characters long, far more than a date";
  }
  return true;
}

}  // namespace

std::optional<DateTime> parse_calendar_date(std::string_view text, std::string *why) {
  if (too_long(text, why)) return std::nullopt;
  Reader r(text);
  DateTime t;
  if (!read_date(r, t, why)) return std::nullopt;
  if (!r.done()) {
    fail(why, "there is more after YYYY-MM-DD");
    return std::nullopt;
  }
  return t;
}

std::optional<DateTime> parse_xsd_datetime(std::string_view text, std::string *why) {
  if (too_long(text, why)) return std::nullopt;
  Reader r(text);
  DateTime t;
  if (!read_date(r, t, why)) return std::nullopt;
  if (!r.take('T')) {
    fail(why, "the date is not followed by 'T' and a time hh:mm:ss");
    return std::nullopt;
  }
  t.hour = r.digits(2);
  const bool colon1 = r.take(':');
  t.minute = r.digits(2);
  const bool colon2 = r.take(':');
  t.second = r.digits(2);
  if (t.hour < 0 || !colon1 || t.minute < 0 || !colon2 || t.second < 0) {
    fail(why, "the time is not hh:mm:ss");
    return std::nullopt;
  }
  if (t.hour > 23 || t.minute > 59 || t.second > 59) {
    fail(why, "the time is out of range (hour 00-23, minute and second 00-59)");
    return std::nullopt;
  }
  if (r.take('.')) {
    const std::size_t n = r.run_of_digits(9);
    if (n == 0 || n > 9) {
      fail(why, "the fraction of a second is not 1-9 digits");
      return std::nullopt;
    }
  }
  if (r.take('Z')) {
    t.offset_minutes = 0;
  } else if (const bool plus = r.take('+'); plus || r.take('-')) {
    const int hh = r.digits(2);
    const bool colon = r.take(':');
    const int mm = r.digits(2);
    if (hh < 0 || !colon || mm < 0) {
      fail(why, "the time zone is not Z, +hh:mm or -hh:mm");
      return std::nullopt;
    }
    if (mm > 59 || hh > 14 || (hh == 14 && mm != 0)) {
      fail(why, "the time zone is beyond 14:00");
      return std::nullopt;
    }
    t.offset_minutes = (plus ? 1 : -1) * (hh * 60 + mm);
  }
  if (!r.done()) {
    fail(why, "there is more after the time and time zone");
    return std::nullopt;
  }
  return t;
}

std::int64_t unix_seconds(const DateTime &t) noexcept {
  // Days from 1970-01-01 of a Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date
  // Algorithms", days_from_civil).
  const std::int64_t y = t.year - (t.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (t.month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + t.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second -
         static_cast<std::int64_t>(t.offset_minutes.value_or(0)) * 60;
}

}  // namespace eckid
