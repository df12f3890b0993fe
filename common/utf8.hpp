// UTF-8 validation (RFC 3629), for the plugin (service answers), the emulator (requests) and the
// administrator's tool (pupil lists).
#pragma once

#include <string_view>

namespace eckid {

/// True when `text` is well-formed UTF-8 (RFC 3629, 3 and 4): no overlong forms, no surrogates
/// (U+D800..U+DFFF), nothing past U+10FFFF, no truncated sequence. The empty string is valid.
/// Pure and thread-safe.
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace eckid
