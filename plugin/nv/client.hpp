// The Nummervoorziening client: one method per WSDL operation (spec "Operations").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "log/logger.hpp"
#include "nv/credentials.hpp"
#include "nv/soap.hpp"
#include "nv/transport.hpp"

namespace eckid::nv {

/// The answer to ping (WSDL PingResponse).
struct PingResult {
  bool available = false;
  std::string application_version;
  std::string system_time;  // xsd:dateTime as sent
};

/// A chain or sector as listed by the service (WSDL types Chain, Sector).
struct CatalogEntry {
  std::string id, name, description, last_edited;
};

/// True when text is a pseudonym URI https://ketenid.nl/<segment>/<128 lowercase hex> (the
/// shape of a stampseudonym and of an ECK iD; spec "The three tiers", 2 and 3).
bool is_pseudonym_uri(std::string_view text) noexcept;

/// Calls the service for one school at a time: every request carries that school's OIN in
/// wsa:From. All methods throw eckid::Error with the statuses of Transport::post() and
/// Response (ServiceFault for a fault). Thread-safe: const methods, shared transport.
class Client {
 public:
  /// Loads nothing itself: credentials are loaded (and checked) by the caller.
  Client(const ServiceConfig &service, std::shared_ptr<const Credentials> credentials,
         const Logger &logger);

  /// ping. A fault means "not authorised" (ECKID_E_NOT_AUTHORISED). A systemTime more than
  /// 5 minutes from the local clock is logged as a warning.
  PingResult ping(std::string_view oin) const;

  /// retrieveStampseudonym(hpgn): the stampseudonym URI for a 64-hex HPgn.
  std::string retrieve_stampseudonym(std::string_view oin, std::string_view hpgn) const;

  /// retrieveEckId(stampseudonym, chainId, sectorId): the ECK iD URI, kept whole.
  std::string retrieve_eckid(std::string_view oin, std::string_view stampseudonym,
                             std::string_view chain, std::string_view sector) const;

  /// replaceStampseudonym(hpgnOld, hpgnNew[, effectiveDate]) — hpgnOld first (WSDL order).
  /// effective_date is an xsd:dateTime. Returns the stampseudonym the new HPgn resolves to.
  std::string replace_stampseudonym(std::string_view oin, std::string_view hpgn_old,
                                    std::string_view hpgn_new,
                                    const std::optional<std::string> &effective_date) const;

  /// retrieveChains / retrieveSectors.
  std::vector<CatalogEntry> retrieve_chains(std::string_view oin) const;
  std::vector<CatalogEntry> retrieve_sectors(std::string_view oin) const;

  /// Sends a built request and parses the answer whose body holds `element`. Faults throw
  /// ServiceFault with fault_status. Used by every operation (and the batch operations).
  Response call(const Request &request, std::string_view element,
                eckid_status fault_status = ECKID_E_SOAP_FAULT) const;

  const std::string &endpoint() const noexcept { return transport_.endpoint(); }

 private:
  std::vector<CatalogEntry> catalog(std::string_view oin, const char *operation,
                                    const char *item) const;
  std::string pseudonym(const Response &response, std::string_view element) const;

  Transport transport_;
  Logger logger_;
};

}  // namespace eckid::nv
