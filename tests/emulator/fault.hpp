// A SOAP 1.1 fault raised while handling a request.
#pragma once

#include <stdexcept>
#include <string>

namespace eckid::emulator {

inline constexpr const char *kClient = "soapenv:Client";
inline constexpr const char *kServer = "soapenv:Server";

// Batch states, sent as faultactor exactly as the service does (spec "Transport" table, from the
// public .NET reference client EckID/Operations/RetrieveBatchOperation.cs; README.md "Faults").
inline constexpr const char *kNotFinished = "NotFinishedException";
inline constexpr const char *kTemporaryBlocked = "TemporaryBlockedException";
inline constexpr const char *kContentAlreadyRetrieved = "ContentAlreadyRetrievedException";
inline constexpr const char *kContentRemoved = "ContentRemovedException";
// The daily batch limit: its actor text is not published (spec "Transport"), so its fault has
// no faultactor; the faultstring names the limit. This is only the request log's reason token.
inline constexpr const char *kDailyLimitReason = "DailyLimit";

struct Fault : std::runtime_error {
  // `reason` is a short token for the request log; `actor`, when set, goes into faultactor
  // and is also the reason.
  Fault(std::string fault_code, std::string fault_reason, const std::string &message,
        std::string fault_actor = {})
      : std::runtime_error(message),
        code(std::move(fault_code)),
        reason(std::move(fault_reason)),
        actor(std::move(fault_actor)) {}

  std::string code;
  std::string reason;
  std::string actor;
};

// A fault caused by the request: faultcode soapenv:Client, no faultactor.
inline Fault client_fault(std::string reason, const std::string &message) {
  return Fault(kClient, std::move(reason), message);
}

// A service or batch state: the actor is the reason too.
inline Fault state_fault(std::string code, const std::string &actor, const std::string &message) {
  return Fault(std::move(code), actor, message, actor);
}

}  // namespace eckid::emulator
