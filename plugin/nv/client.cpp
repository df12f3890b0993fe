#include "nv/client.hpp"

#include <cstdio>
#include <ctime>

#include "util/datetime.hpp"
#include "util/error.hpp"

namespace eckid::nv {

namespace {

constexpr std::int64_t kClockSkewWarnSeconds = 5 * 60;

bool is_hex_lower(std::string_view s) noexcept {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool is_pseudonym_uri(std::string_view text) noexcept {
  constexpr std::string_view prefix = "https://ketenid.nl/";
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  const auto slash = text.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  for (char c : text.substr(0, slash)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  const std::string_view hex = text.substr(slash + 1);
  return hex.size() == 128 && is_hex_lower(hex);
}

Client::Client(const ServiceConfig &service, std::shared_ptr<const Credentials> credentials,
               const Logger &logger)
    : Client(std::make_unique<Transport>(service, std::move(credentials)), logger) {}

Client::Client(std::unique_ptr<const Poster> transport, const Logger &logger)
    : transport_(std::move(transport)), logger_(logger) {}

Response Client::call(const Request &request, std::string_view element,
                      eckid_status fault_status) const {
  const HttpAnswer answer = transport_->post(soap_action(request.operation()), request.serialize());
  return Response(answer, request.operation(), element, fault_status);
}

PingResult Client::ping(std::string_view oin) const {
  Request request("ping", endpoint(), oin);
  const Response response = call(request, "pingResponse", ECKID_E_NOT_AUTHORISED);
  PingResult r;
  const std::string available = response.text(response.payload(), "available");
  r.available = available == "true" || available == "1";
  r.application_version = response.text(response.payload(), "applicationVersion");
  r.system_time = response.text(response.payload(), "systemTime");
  if (const auto server = parse_xsd_datetime(r.system_time)) {
    const std::int64_t skew = unix_seconds(*server) - static_cast<std::int64_t>(std::time(nullptr));
    if (skew > kClockSkewWarnSeconds || skew < -kClockSkewWarnSeconds) {
      logger_.warn("the Nummervoorziening's clock differs from this host's by " +
                   std::to_string(skew) + " s; check the host's time synchronisation (NTP)");
    }
  }
  return r;
}

std::string Client::pseudonym(const Response &response, std::string_view element) const {
  std::string value = response.text(response.payload(), element);
  if (!is_pseudonym_uri(value)) {
    throw Error(ECKID_E_BAD_RESPONSE,
                "the Nummervoorziening returned a " + std::string(element) +
                    " that is not https://ketenid.nl/<segment>/<128 lowercase hex>; refused");
  }
  return value;
}

std::string Client::retrieve_stampseudonym(std::string_view oin, std::string_view hpgn) const {
  Request request("retrieveStampseudonym", endpoint(), oin);
  request.add(request.payload(), "hpgn", hpgn);
  return pseudonym(call(request, "retrieveStampseudonymResponse"), "stampseudonym");
}

std::string Client::retrieve_eckid(std::string_view oin, std::string_view stampseudonym,
                                   std::string_view chain, std::string_view sector) const {
  Request request("retrieveEckId", endpoint(), oin);
  request.add(request.payload(), "stampseudonym", stampseudonym);
  request.add(request.payload(), "chainId", chain);
  request.add(request.payload(), "sectorId", sector);
  return pseudonym(call(request, "retrieveEckIdResponse"), "eckId");
}

std::string Client::replace_stampseudonym(std::string_view oin, std::string_view hpgn_old,
                                          std::string_view hpgn_new,
                                          const std::optional<std::string> &effective_date) const {
  Request request("replaceStampseudonym", endpoint(), oin);
  request.add(request.payload(), "hpgnOld", hpgn_old);
  request.add(request.payload(), "hpgnNew", hpgn_new);
  if (effective_date) request.add(request.payload(), "effectiveDate", *effective_date);
  return pseudonym(call(request, "replaceStampseudonymResponse"), "stampseudonym");
}

std::vector<CatalogEntry> Client::catalog(std::string_view oin, const char *operation,
                                          const char *item) const {
  Request request(operation, endpoint(), oin);
  const Response response = call(request, std::string(operation) + "Response");
  std::vector<CatalogEntry> entries;
  for (pugi::xml_node n = response.payload().first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element || xml::local_name(n) != item) continue;
    entries.push_back({response.text(n, "id"), response.text(n, "name"),
                       response.text(n, "description"), response.text(n, "lastEdited")});
  }
  return entries;
}

std::vector<CatalogEntry> Client::retrieve_chains(std::string_view oin) const {
  return catalog(oin, "retrieveChains", "chain");
}

std::vector<CatalogEntry> Client::retrieve_sectors(std::string_view oin) const {
  return catalog(oin, "retrieveSectors", "sector");
}

}  // namespace eckid::nv
