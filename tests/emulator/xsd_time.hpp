// xsd:dateTime reading and writing (UTC).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace eckid::emulator {

using Clock = std::chrono::system_clock;

// Parses "YYYY-MM-DDThh:mm:ss[.fff][Z|(+|-)hh:mm]"; no zone means UTC.
std::optional<Clock::time_point> parse_xsd_datetime(std::string_view text);

// Formats as "YYYY-MM-DDThh:mm:ss.mmmZ".
std::string format_xsd_datetime(Clock::time_point time);

}  // namespace eckid::emulator
