// Text encodings the core needs: strict base64 (salts) and lowercase hex (HPgn).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/secure.hpp"

namespace eckid {

/// Decodes standard base64 (RFC 4648 alphabet, '=' padding, length a multiple of 4, no
/// whitespace inside). Returns std::nullopt for anything else, including empty input.
std::optional<SecureBytes> base64_decode(std::string_view text);

/// Lowercase hex of bytes: 2 characters per byte.
std::string hex_lower(std::span<const std::uint8_t> bytes);

}  // namespace eckid
