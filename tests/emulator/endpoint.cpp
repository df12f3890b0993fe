#include "endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "fault.hpp"
#include "operations.hpp"
#include "soap.hpp"
#include "xml_ns.hpp"

namespace eckid::emulator {
namespace {

http::response<http::string_body> xml_reply(http::status status, unsigned version,
                                            std::string body) {
  http::response<http::string_body> response{status, version};
  response.set(http::field::server, "nv-emulator");
  response.set(http::field::content_type, "text/xml; charset=utf-8");
  response.body() = std::move(body);
  return response;
}

// Injected HTTP-level faults, decided by one roll: dropped, HTTP 500 or HTTP 503.
std::optional<std::string> injected(Context &context) {
  const auto &faults = context.options.faults;
  if (faults.drop_share + faults.http500_share + faults.http503_share <= 0.0) {
    return std::nullopt;
  }
  const double roll = context.random.uniform();
  if (roll < faults.drop_share) {
    return "dropped";
  }
  if (roll < faults.drop_share + faults.http500_share) {
    return "http500";
  }
  if (roll < faults.drop_share + faults.http500_share + faults.http503_share) {
    return "http503";
  }
  return std::nullopt;
}

// Refuses an OIN outside --allowed-oins, as the real service refuses an unknown school.
void check_oin(const Options &options, const RequestInfo &info) {
  if (options.allowed_oins && !options.allowed_oins->contains(info.oin)) {
    throw client_fault("OinNotAllowed",
                       "not authorised: OIN " + info.oin + " is not allowed to use this service");
  }
}

// SOAP 1.1, 6.1: a request's body has the media type text/xml (parameters such as charset
// allowed; media types are case-insensitive, RFC 9110 8.3.1).
bool is_text_xml(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  media = std::string(trim_xml_space(media));
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return media == "text/xml";
}

// Spoils a successful answer as --answer-mode asks.
std::string spoiled(AnswerMode mode, std::string body) {
  const auto after_declaration = body.starts_with("<?xml") ? body.find("?>") + 2 : 0;
  switch (mode) {
    case AnswerMode::normal:
      break;
    case AnswerMode::doctype:
      body.insert(after_declaration, "<!DOCTYPE Envelope [<!ENTITY e \"entity\">]>");
      break;
    case AnswerMode::bad_utf8:
      body.insert(after_declaration, "<!-- \xC3\x28 \xFF -->");
      break;
    case AnswerMode::huge:
      body.insert(after_declaration, "<!--" + std::string(kHugeAnswerBytes, ' ') + "-->");
      break;
    case AnswerMode::bad_eckid:
      for (auto at = body.find("https://ketenid.nl/"); at != std::string::npos;
           at = body.find("https://ketenid.nl/", at + 1)) {
        const auto end = body.find('<', at);
        if (end != std::string::npos && end > at) {
          body.erase(end - 1, 1);
        }
      }
      break;
    case AnswerMode::malformed:
      body.resize(body.size() / 2);
      break;
  }
  return body;
}

// Every HPgn in a request (hPgn of a batch item, hpgn, hpgnOld, hpgnNew), for --hpgn-log.
std::vector<std::string> hpgns_in(pugi::xml_node element) {
  std::vector<std::string> found;
  for (auto child = element.first_child(); child; child = child.next_sibling()) {
    const std::string_view name = xml::local_name(child);
    if (name == "hPgn" || name == "hpgn" || name == "hpgnOld" || name == "hpgnNew") {
      found.emplace_back(child.text().get());
    } else {
      auto nested = hpgns_in(child);
      found.insert(found.end(), nested.begin(), nested.end());
    }
  }
  return found;
}

}  // namespace

http::response<http::string_body> plain_reply(http::status status, unsigned version,
                                              std::string text) {
  http::response<http::string_body> response{status, version};
  response.set(http::field::server, "nv-emulator");
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::move(text) + "\n";
  return response;
}

Reply answer(Context &context, const http::request<http::string_body> &request) {
  Reply reply;
  const auto version = request.version();
  const std::string_view target = request.target();
  if (target.substr(0, target.find('?')) != kEndpointPath) {
    context.log.write("", "", "http404");
    reply.response = plain_reply(http::status::not_found, version, "not found");
  } else if (request.method() != http::verb::post) {
    context.log.write("", "", "http405");
    reply.response = plain_reply(http::status::method_not_allowed, version, "use POST");
    reply.response.set(http::field::allow, "POST");
  } else if (!is_text_xml(request[http::field::content_type])) {
    context.log.write("", "", "http415");
    reply.response = plain_reply(http::status::unsupported_media_type, version,
                                 "a SOAP 1.1 request has Content-Type text/xml");
  } else {
    RequestInfo info;
    std::string outcome = "ok";
    const auto response_id = context.random.uuid();
    pugi::xml_document doc;
    try {
      const auto soap_action = request.find("SOAPAction");
      const auto element = parse_request(
          doc, request.body(),
          soap_action == request.end() ? std::nullopt
                                       : std::optional<std::string_view>(soap_action->value()),
          info);
      if (context.log.logs_hpgns()) {
        context.log.write_hpgns(info.operation, hpgns_in(element));
      }
      check_oin(context.options, info);
      if (const auto fault = injected(context)) {
        outcome = *fault;
      } else {
        reply.response =
            xml_reply(http::status::ok, version,
                      spoiled(context.options.answer_mode,
                              handle_operation(context.service, info, element, response_id)));
      }
    } catch (const Fault &fault) {
      outcome = "fault:" + fault.reason;
      reply.response =
          xml_reply(http::status::internal_server_error, version,
                    build_fault(info, response_id, fault.code, fault.what(), fault.actor));
    } catch (const std::exception &) {
      outcome = "fault:InternalError";
      reply.response = xml_reply(http::status::internal_server_error, version,
                                 build_fault(info, response_id, kServer, "internal error", ""));
    }
    if (outcome == "dropped") {
      reply.drop = true;
    } else if (outcome == "http500") {
      reply.response =
          plain_reply(http::status::internal_server_error, version, "injected server error");
    } else if (outcome == "http503") {
      reply.response =
          plain_reply(http::status::service_unavailable, version, "injected: service unavailable");
      reply.response.set(http::field::retry_after, "1");
    }
    context.log.write(info.operation, info.oin, outcome);
  }
  reply.response.keep_alive(request.keep_alive());
  reply.response.prepare_payload();
  return reply;
}

}  // namespace eckid::emulator
