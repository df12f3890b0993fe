#include "operations.hpp"

#include <charconv>
#include <functional>
#include <map>
#include <set>

#include "derivation.hpp"
#include "fault.hpp"
#include "xsd_time.hpp"

namespace eckid::emulator {
namespace {

// Fills the body of the response; the request element is given.
using Handler = std::function<void(Service &, const RequestInfo &, pugi::xml_node request,
                                   pugi::xml_node body)>;

std::string checked_hpgn(pugi::xml_node parent, std::string_view name) {
  std::string hpgn = required_text(parent, name);
  if (!is_hpgn(hpgn)) {
    throw client_fault("InvalidHpgn", "invalid " + std::string(name) +
                                          ": expected 64 lowercase hexadecimal characters");
  }
  return hpgn;
}

// The xsd:int index of a batch item (XML Schema Part 2, 3.3.17: optional sign, leading zeros
// allowed, surrounding whitespace collapsed); unique within the batch.
int checked_index(pugi::xml_node item, std::set<int> &seen) {
  const std::string text = required_text(item, "index");
  std::string_view digits = trim_xml_space(text);
  const bool plus = digits.starts_with('+');
  if (plus) {
    digits.remove_prefix(1);  // from_chars takes '-' but not '+'
  }
  int index = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (digits.empty() || (plus && digits.front() == '-') || error != std::errc{} ||
      end != digits.data() + digits.size()) {
    throw client_fault("InvalidIndex", "batch item index must be an xsd:int");
  }
  if (!seen.insert(index).second) {
    throw client_fault("DuplicateIndex", "batch item indices must be unique");
  }
  return index;
}

std::vector<pugi::xml_node> batch_items(pugi::xml_node request, std::string_view name) {
  auto items = eck_children(request, name);
  if (items.empty()) {
    throw client_fault("EmptyBatch", "a batch needs at least one <" + std::string(name) + ">");
  }
  return items;
}

void add_entries(pugi::xml_node response, std::string_view name,
                 const std::vector<Entry> &entries) {
  for (const auto &entry : entries) {
    auto node = add_eck(response, name);
    add_eck(node, "id", entry.id);
    add_eck(node, "name", entry.name);
    add_eck(node, "description", entry.description);
    add_eck(node, "lastEdited", entry.last_edited);
  }
}

void ping(Service &service, const RequestInfo &, pugi::xml_node request, pugi::xml_node body) {
  check_sequence(request, {});
  auto response = add_eck(body, "pingResponse");
  add_eck(response, "available", service.available() ? "true" : "false");
  add_eck(response, "applicationVersion", kApplicationVersion);
  add_eck(response, "systemTime", format_xsd_datetime(service.system_time()));
}

void retrieve_stampseudonym(Service &service, const RequestInfo &, pugi::xml_node request,
                            pugi::xml_node body) {
  check_sequence(request, {{"hpgn"}});
  const auto hpgn = checked_hpgn(request, "hpgn");
  add_eck(add_eck(body, "retrieveStampseudonymResponse"), "stampseudonym",
          service.stampseudonym(hpgn));
}

void retrieve_eckid(Service &service, const RequestInfo &, pugi::xml_node request,
                    pugi::xml_node body) {
  check_sequence(request, {{"stampseudonym"}, {"chainId"}, {"sectorId"}});
  const auto eckid =
      service.eckid(required_text(request, "stampseudonym"), required_text(request, "chainId"),
                    required_text(request, "sectorId"));
  add_eck(add_eck(body, "retrieveEckIdResponse"), "eckId", eckid);
}

void submit_stampseudonym_batch(Service &service, const RequestInfo &info, pugi::xml_node request,
                                pugi::xml_node body) {
  check_sequence(request, {{"hpgnList", true}});
  BatchResult result;
  std::set<int> seen;
  for (const auto item : batch_items(request, "hpgnList")) {
    check_sequence(item, {{"index"}, {"hPgn"}});
    const int index = checked_index(item, seen);
    const auto hpgn = required_text(item, "hPgn");
    if (const std::string *refusal = service.refusal(hpgn)) {
      result.failed.emplace_back(index, *refusal);
    } else if (is_hpgn(hpgn)) {
      result.success.emplace_back(index, service.stampseudonym(hpgn));
    } else {
      result.failed.emplace_back(index,
                                 "invalid hPgn: expected 64 lowercase hexadecimal characters");
    }
  }
  add_eck(add_eck(body, "submitBatchResponse"), "batchIdentifier",
          service.submit_batch(info.oin, std::move(result)));
}

void submit_eckid_batch(Service &service, const RequestInfo &info, pugi::xml_node request,
                        pugi::xml_node body) {
  check_sequence(request, {{"stampseudonymList", true}, {"chainId"}, {"sectorId"}});
  const auto items = batch_items(request, "stampseudonymList");
  const auto chain = required_text(request, "chainId");
  const auto sector = required_text(request, "sectorId");
  service.check_chain_and_sector(chain, sector);
  BatchResult result;
  std::set<int> seen;
  for (const auto item : items) {
    check_sequence(item, {{"index"}, {"stampseudonym"}});
    const int index = checked_index(item, seen);
    const auto stampseudonym = required_text(item, "stampseudonym");
    if (const std::string *refusal = service.refusal(stampseudonym)) {
      result.failed.emplace_back(index, *refusal);
    } else if (service.accepts_stampseudonym(stampseudonym)) {
      result.success.emplace_back(index, service.eckid(stampseudonym, chain, sector));
    } else {
      result.failed.emplace_back(index, "invalid stampseudonym");
    }
  }
  add_eck(add_eck(body, "submitBatchResponse"), "batchIdentifier",
          service.submit_batch(info.oin, std::move(result)));
}

void retrieve_batch(Service &service, const RequestInfo &info, pugi::xml_node request,
                    pugi::xml_node body) {
  check_sequence(request, {{"batchIdentifier"}});
  const auto result = service.retrieve_batch(info.oin, required_text(request, "batchIdentifier"));
  auto response = add_eck(body, "retrieveBatchResponse");
  for (const auto &[index, value] : result.success) {
    auto item = add_eck(response, "success");
    add_eck(item, "index", std::to_string(index));
    add_eck(item, "value", value);
  }
  for (const auto &[index, message] : result.failed) {
    auto item = add_eck(response, "failed");
    add_eck(item, "index", std::to_string(index));
    add_eck(item, "errorMessage", message);
  }
}

void replace_stampseudonym(Service &service, const RequestInfo &, pugi::xml_node request,
                           pugi::xml_node body) {
  check_sequence(request, {{"hpgnOld"}, {"hpgnNew"}, {"effectiveDate"}});
  const auto hpgn_old = checked_hpgn(request, "hpgnOld");
  const auto hpgn_new = checked_hpgn(request, "hpgnNew");
  std::optional<Clock::time_point> effective;
  if (const auto text = optional_text(request, "effectiveDate")) {
    effective = parse_xsd_datetime(*text);
    if (!effective) {
      throw client_fault("InvalidDate", "effectiveDate must be an xsd:dateTime");
    }
  }
  add_eck(add_eck(body, "replaceStampseudonymResponse"), "stampseudonym",
          service.replace(hpgn_old, hpgn_new, effective));
}

void retrieve_chains(Service &service, const RequestInfo &, pugi::xml_node request,
                     pugi::xml_node body) {
  check_sequence(request, {});
  add_entries(add_eck(body, "retrieveChainsResponse"), "chain", service.chains());
}

void retrieve_sectors(Service &service, const RequestInfo &, pugi::xml_node request,
                      pugi::xml_node body) {
  check_sequence(request, {});
  add_entries(add_eck(body, "retrieveSectorsResponse"), "sector", service.sectors());
}

const std::map<std::string, Handler, std::less<>> &handlers() {
  static const std::map<std::string, Handler, std::less<>> table = {
      {"ping", ping},
      {"retrieveStampseudonym", retrieve_stampseudonym},
      {"retrieveEckId", retrieve_eckid},
      {"submitStampseudonymBatch", submit_stampseudonym_batch},
      {"submitEckIdBatch", submit_eckid_batch},
      {"retrieveBatch", retrieve_batch},
      {"replaceStampseudonym", replace_stampseudonym},
      {"retrieveChains", retrieve_chains},
      {"retrieveSectors", retrieve_sectors},
  };
  return table;
}

}  // namespace

std::string handle_operation(Service &service, const RequestInfo &info, pugi::xml_node request,
                             std::string_view response_message_id) {
  const auto handler = handlers().find(info.operation);
  if (handler == handlers().end()) {
    throw client_fault("UnknownOperation", "unknown operation: " + info.operation);
  }
  return build_response(info, response_message_id, [&](pugi::xml_node body) {
    handler->second(service, info, request, body);
  });
}

}  // namespace eckid::emulator
