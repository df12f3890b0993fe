#include "duration.hpp"

namespace eckid_cli {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  const long long n = std::stoll(std::string(text.substr(0, digits)));
  const std::string_view unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  if (unit == "h") return std::chrono::hours(n);
  return std::nullopt;
}

std::string spoken_duration(std::chrono::milliseconds d) {
  const long long ms = d.count();
  if (ms % 1000 != 0) return std::to_string(ms) + " ms";
  const long long s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + " h";
  if (s % 3600 >= 60) out += (out.empty() ? "" : " ") + std::to_string(s % 3600 / 60) + " min";
  if (s % 60 != 0 || s == 0) out += (out.empty() ? "" : " ") + std::to_string(s % 60) + " s";
  return out;
}

}  // namespace eckid_cli
