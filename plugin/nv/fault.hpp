// A SOAP fault from the Nummervoorziening, kept whole so callers can act on its actor
// (spec "Transport": batch state is signalled in the faultactor).
#pragma once

#include <string>
#include <string_view>

#include "util/error.hpp"

namespace eckid::nv {

/// The SOAP 1.1 fault fields of an answer (faultcode, faultstring, faultactor).
struct FaultDetail {
  std::string code;
  std::string string;
  std::string actor;
};

/// The faultactor texts of the batch states, exactly as the service sends them: spec
/// "Transport" table, taken from the public .NET reference client
/// (EckID/Operations/RetrieveBatchOperation.cs), which compares them exactly. Not finished and
/// temporary blocked: wait and ask again; content already retrieved and content removed: the
/// result is gone. The daily batch limit has no published actor: see names_daily_limit()
/// in nv/batch.hpp.
inline constexpr std::string_view kNotFinished = "NotFinishedException";
inline constexpr std::string_view kTemporaryBlocked = "TemporaryBlockedException";
inline constexpr std::string_view kContentAlreadyRetrieved = "ContentAlreadyRetrievedException";
inline constexpr std::string_view kContentRemoved = "ContentRemovedException";

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
