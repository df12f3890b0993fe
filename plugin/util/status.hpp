// The one table of the public statuses (eckid.h eckid_status): each one's stable name
// (eckid_status_name()) and English description (eckid_strerror()). A new status gets one
// line here; the ABI test checks every constant of eckid.h against this table's names.
#pragma once

#include <array>

#include "eckid/eckid.h"

namespace eckid {

struct StatusText {
  eckid_status status;
  /// The constant's name without ECKID_ / ECKID_E_, lowercased: stable, never changed.
  const char *name;
  /// A fixed English description.
  const char *description;
};

inline constexpr std::array kStatusTexts = {
    StatusText{ECKID_OK, "ok", "success"},
    StatusText{ECKID_E_INVALID_ARGUMENT, "invalid_argument", "invalid argument"},
    StatusText{ECKID_E_VERSION, "version", "unsupported struct version"},
    StatusText{ECKID_E_NOMEM, "nomem", "out of memory"},
    StatusText{ECKID_E_CONFIG, "config", "configuration error"},
    StatusText{ECKID_E_INVALID_PGN, "invalid_pgn", "invalid PGN"},
    StatusText{ECKID_E_BUFFER_TOO_SMALL, "buffer_too_small", "buffer too small"},
    StatusText{ECKID_E_UNKNOWN_SCHOOL, "unknown_school", "unknown school"},
    StatusText{ECKID_E_NOT_ENABLED, "not_enabled", "school not enabled"},
    StatusText{ECKID_E_CRYPTO, "crypto", "cryptographic failure"},
    StatusText{ECKID_E_INVALID_HANDLE, "invalid_handle", "invalid or closed plugin handle"},
    StatusText{ECKID_E_INTERNAL, "internal", "internal error"},
    StatusText{ECKID_E_SOAP_FAULT, "soap_fault", "the service answered with a SOAP fault"},
    StatusText{ECKID_E_HTTP, "http", "HTTP error from the service"},
    StatusText{ECKID_E_TIMEOUT, "timeout", "the service did not answer in time"},
    StatusText{ECKID_E_TLS, "tls", "TLS failure"},
    StatusText{ECKID_E_CONNECT, "connect", "cannot connect to the service"},
    StatusText{ECKID_E_NOT_AUTHORISED, "not_authorised",
               "not authorised by the service (certificate or OIN)"},
    StatusText{ECKID_E_SERVICE_DOWN, "service_down", "the service reports itself unavailable"},
    StatusText{ECKID_E_BAD_RESPONSE, "bad_response", "unusable answer from the service"},
    StatusText{ECKID_E_RESPONSE_TOO_LARGE, "response_too_large",
               "answer from the service too large"},
    StatusText{ECKID_E_CREDENTIALS, "credentials", "client certificate or key unusable"},
    StatusText{ECKID_E_PUPIL_CONFLICT, "pupil_conflict",
               "the pupil's record disagrees with the event"},
    StatusText{ECKID_E_NOT_FOUND, "not_found", "not found"},
    StatusText{ECKID_E_STATE, "state", "state database error"},
    StatusText{ECKID_QUEUED, "queued",
               "queued: the result follows through the callback or eckid_poll()"},
    StatusText{ECKID_E_DUPLICATE_PGN, "duplicate_pgn",
               "another pupil is recorded with the same PGN"},
};

/// The table's entry for a status value, or nullptr for one this library does not know.
constexpr const StatusText *status_text(int status) noexcept {
  for (const StatusText &s : kStatusTexts) {
    if (static_cast<int>(s.status) == status) return &s;
  }
  return nullptr;
}

}  // namespace eckid
