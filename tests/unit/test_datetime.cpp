// Dates of events (engine/engine.hpp, util/datetime.hpp): every part of an xsd:dateTime
// (XML Schema Part 2, 3.2.7) and of a calendar date is checked before anything is stored.
// Expected days per month from the Gregorian calendar, worked out by hand.
#include <catch2/catch.hpp>
#include <string>

#include "engine/engine.hpp"
#include "util/datetime.hpp"
#include "util/error.hpp"

namespace {
// The message of the ECKID_E_INVALID_ARGUMENT thrown for an effective date, or "" when valid.
std::string refusal(const std::string &text) {
  try {
    eckid::effective_datetime(text);
    return "";
  } catch (const eckid::Error &e) {
    CHECK(e.status() == ECKID_E_INVALID_ARGUMENT);
    return e.what();
  }
}
}  // namespace

TEST_CASE("effective dates that exist are accepted", "[datetime]") {
  CHECK(eckid::effective_datetime("2026-08-01") == "2026-08-01T00:00:00Z");
  CHECK(eckid::effective_datetime("2024-02-29") == "2024-02-29T00:00:00Z");  // leap year
  CHECK(eckid::effective_datetime("2000-02-29") == "2000-02-29T00:00:00Z");  // 400 rule
  CHECK(eckid::effective_datetime("2026-12-31T23:59:59Z") == "2026-12-31T23:59:59Z");
  CHECK(eckid::effective_datetime("2026-08-01T08:30:00.125+02:00") ==
        "2026-08-01T08:30:00.125+02:00");
  CHECK(eckid::effective_datetime("2026-08-01T00:00:00-14:00") == "2026-08-01T00:00:00-14:00");
  CHECK(eckid::effective_datetime("2026-08-01T00:00:00") == "2026-08-01T00:00:00");
}

TEST_CASE("an effective date that does not exist names the field and the part", "[datetime]") {
  CHECK_THAT(refusal("2025-13-45"), Catch::Contains("effective_date '2025-13-45'") &&
                                        Catch::Contains("month is not 01-12"));
  CHECK_THAT(refusal("2025-00-10"), Catch::Contains("month"));
  CHECK_THAT(refusal("2025-02-29"), Catch::Contains("day does not exist"));  // not a leap year
  CHECK_THAT(refusal("1900-02-29"), Catch::Contains("day does not exist"));  // 100 rule
  CHECK_THAT(refusal("2025-04-31"), Catch::Contains("day does not exist"));
  CHECK_THAT(refusal("2025-04-00"), Catch::Contains("day does not exist"));
  CHECK_THAT(refusal("0000-01-01"), Catch::Contains("year"));
  CHECK_THAT(refusal("2025-1-01"), Catch::Contains("month is not 2 digits"));
  CHECK_THAT(refusal("2025-01-01T24:00:00Z"), Catch::Contains("hour 00-23"));
  CHECK_THAT(refusal("2025-01-01T12:60:00Z"), Catch::Contains("out of range"));
  CHECK_THAT(refusal("2025-01-01T12:00:60Z"), Catch::Contains("out of range"));
  CHECK_THAT(refusal("2025-01-01T12:00Z"), Catch::Contains("not hh:mm:ss"));
  CHECK_THAT(refusal("2025-01-01T12:00:00.Z"), Catch::Contains("fraction"));
  CHECK_THAT(refusal("2025-01-01T12:00:00.1234567890Z"), Catch::Contains("fraction"));
  CHECK_THAT(refusal("2025-01-01T12:00:00+15:00"), Catch::Contains("beyond 14:00"));
  CHECK_THAT(refusal("2025-01-01T12:00:00+14:30"), Catch::Contains("beyond 14:00"));
  CHECK_THAT(refusal("2025-01-01T12:00:00+01:60"), Catch::Contains("beyond 14:00"));
  CHECK_THAT(refusal("2025-01-01T12:00:00+0100"), Catch::Contains("time zone"));
  CHECK_THAT(refusal("2025-01-01T12:00:00Zjunk"), Catch::Contains("more after"));
  CHECK_THAT(refusal("2025-01-01 12:00:00"), Catch::Contains("more after YYYY-MM-DD"));
  CHECK_THAT(refusal(""), Catch::Contains("year"));
}

TEST_CASE("a very long date is refused without being repeated or scanned", "[datetime]") {
  const std::string text = "2025-01-01T00:00:00." + std::string(100000, '1') + "Z";
  const std::string why = refusal(text);
  CHECK_THAT(why, Catch::Contains("100021 characters long"));
  CHECK(why.size() < 400);
}

TEST_CASE("enrolment dates are calendar dates, checked in full", "[datetime]") {
  CHECK_NOTHROW(eckid::check_calendar_date("enrolment_date", "2024-02-29"));
  try {
    eckid::check_calendar_date("enrolment_date", "2025-02-29");
    FAIL("accepted");
  } catch (const eckid::Error &e) {
    CHECK(e.status() == ECKID_E_INVALID_ARGUMENT);
    CHECK_THAT(e.what(), Catch::StartsWith("enrolment_date '2025-02-29'"));
  }
  CHECK_THROWS_AS(eckid::check_calendar_date("date", "2025-02-01T00:00:00Z"), eckid::Error);
}

TEST_CASE("an xsd:dateTime in Unix seconds, zone applied", "[datetime]") {
  // 2026-08-01T00:00:00Z: 20666 days after 1970-01-01 (56 years with 14 leap days, then 212
  // days of 2026 before August) = 1785542400.
  const auto t = eckid::parse_xsd_datetime("2026-08-01T02:00:00+02:00");
  REQUIRE(t);
  CHECK(eckid::unix_seconds(*t) == 1785542400);
  CHECK(eckid::unix_seconds(*eckid::parse_xsd_datetime("1970-01-01T00:00:00Z")) == 0);
}
