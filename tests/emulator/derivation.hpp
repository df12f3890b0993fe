// Deterministic stand-ins for the service's pseudonyms: HMAC-SHA-512 under a secret.
#pragma once

#include <string>
#include <string_view>

namespace eckid::emulator {

inline constexpr std::string_view kStampseudonymPrefix = "https://ketenid.nl/sppilot/";
inline constexpr std::string_view kEckIdPrefix = "https://ketenid.nl/pilot/";

// "https://ketenid.nl/sppilot/" + hex(HMAC-SHA-512(secret, "stampseudonym|" + hpgn)).
std::string derive_stampseudonym(std::string_view secret, std::string_view hpgn);

// "https://ketenid.nl/pilot/" +
// hex(HMAC-SHA-512(secret, "eckid|" + stampseudonym + "|" + chain + "|" + sector)).
std::string derive_eckid(std::string_view secret, std::string_view stampseudonym,
                         std::string_view chain, std::string_view sector);

// True for an HPgn: 64 lowercase hexadecimal characters.
bool is_hpgn(std::string_view text);

// True for a stampseudonym of the shape this emulator hands out.
bool is_stampseudonym(std::string_view text);

}  // namespace eckid::emulator
