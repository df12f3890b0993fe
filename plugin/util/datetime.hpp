// The plugin's one reader of dates and times: xsd:dateTime (the WSDL's replaceStampseudonym
// effectiveDate and ping systemTime) and calendar dates "YYYY-MM-DD" (enrolment dates).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eckid {

/// A date and time as read by parse_xsd_datetime() or parse_calendar_date().
struct DateTime {
  int year = 0, month = 0, day = 0;      // 0001-9999, 1-12, 1-28..31
  int hour = 0, minute = 0, second = 0;  // 0-23, 0-59, 0-59
  std::optional<int> offset_minutes;     // east of UTC; nullopt when no time zone was given
};

/// Longest text either parser reads; anything longer is refused without being scanned.
inline constexpr std::size_t kMaxDateTimeChars = 64;

/// Reads an xsd:dateTime (XML Schema Part 2, 3.2.7) "YYYY-MM-DDThh:mm:ss[.f+][Z|(+|-)hh:mm]" and
/// checks every part: year 0001-9999, month 01-12, a day that exists in that month (leap years
/// by the Gregorian rule), hour 00-23, minute and second 00-59, a fraction of 1-9 digits, a time
/// zone of at most 14:00 with minutes 00-59. On failure returns nullopt and, when `why` is
/// given, stores which part is wrong (without repeating the text). One pass over at most
/// kMaxDateTimeChars characters, no regex. Thread-safe.
std::optional<DateTime> parse_xsd_datetime(std::string_view text, std::string *why = nullptr);

/// Reads a calendar date "YYYY-MM-DD", checked as the date part of parse_xsd_datetime(). The
/// time is 00:00:00 without a zone. Failure as parse_xsd_datetime(). Thread-safe.
std::optional<DateTime> parse_calendar_date(std::string_view text, std::string *why = nullptr);

/// Seconds since 1970-01-01T00:00:00Z; a time without a zone counts as UTC.
std::int64_t unix_seconds(const DateTime &t) noexcept;

}  // namespace eckid
