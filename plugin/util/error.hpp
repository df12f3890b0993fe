// The one exception type of the core. The C boundary (boundary.cpp) turns it into an
// eckid_status plus the thread's last-error message; nothing else crosses the ABI.
#pragma once

#include <stdexcept>
#include <string>

#include "eckid/eckid.h"

namespace eckid {

/// A failure with its public status and a message for an administrator. The message names
/// what was wrong and what to do, and never contains a PGN.
class Error : public std::runtime_error {
 public:
  Error(eckid_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  eckid_status status() const noexcept { return status_; }

 private:
  eckid_status status_;
};

}  // namespace eckid
