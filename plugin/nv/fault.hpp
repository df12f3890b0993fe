// A SOAP fault from the Nummervoorziening, kept whole so callers can act on its actor
// (spec "Transport": batch state is signalled in the faultactor).
#pragma once

#include <string>

#include "util/error.hpp"

namespace eckid::nv {

/// The SOAP 1.1 fault fields of an answer (faultcode, faultstring, faultactor).
struct FaultDetail {
  std::string code;
  std::string string;
  std::string actor;
};

/// Thrown when the service answers with a fault. status() is ECKID_E_SOAP_FAULT, or
/// ECKID_E_NOT_AUTHORISED for a fault in answer to ping.
class ServiceFault : public Error {
 public:
  ServiceFault(eckid_status status, const std::string &message, FaultDetail detail)
      : Error(status, message), detail_(std::move(detail)) {}
  const FaultDetail &detail() const noexcept { return detail_; }

 private:
  FaultDetail detail_;
};

}  // namespace eckid::nv
