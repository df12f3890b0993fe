// xsd:dateTime reading and writing (UTC).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace eckid::emulator {

using Clock = std::chrono::system_clock;

// Parses an xsd:dateTime (XML Schema Part 2, 3.2.7) with a four-digit year:
// "YYYY-MM-DDThh:mm:ss[.f+][Z|(+|-)hh:mm]", surrounding whitespace allowed, 24:00:00 as the
// next day's start, offsets within +-14:00; fractions are read but dropped. No zone means
// UTC (the spec is silent on untimezoned values). nullopt for anything else.
std::optional<Clock::time_point> parse_xsd_datetime(std::string_view text);

// Formats as "YYYY-MM-DDThh:mm:ss.mmmZ".
std::string format_xsd_datetime(Clock::time_point time);

}  // namespace eckid::emulator
