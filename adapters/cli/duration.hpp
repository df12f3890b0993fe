// Durations as the administrator writes them (--max-wait) and reads them back in messages.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace eckid_cli {

/// A duration as --max-wait takes it: a whole number with the unit ms, s, m or h ("90s",
/// "30m", "2h"; "0" alone is zero). nullopt for anything else (no unit, a sign, a fraction,
/// an overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// "1 h 30 min", "45 s", "250 ms": a duration as the administrator gave it (exact, unlike
/// format_duration()'s rounded estimate).
std::string spoken_duration(std::chrono::milliseconds d);

}  // namespace eckid_cli
