// The HTTP endpoint /eck/ws/201703: one request in, one reply out, with fault injection.
// No I/O here apart from the request log.
#pragma once

#include <boost/beast/http.hpp>

#include "options.hpp"
#include "random.hpp"
#include "request_log.hpp"
#include "service.hpp"

namespace eckid::emulator {

inline constexpr std::string_view kEndpointPath = "/eck/ws/201703";

namespace http = boost::beast::http;

// Everything a request may touch, shared by all connections.
struct Context {
  const Options &options;
  Service &service;
  RequestLog &log;
  Random &random;
};

struct Reply {
  bool drop = false;  // close the connection without answering
  http::response<http::string_body> response;
};

Reply answer(Context &context, const http::request<http::string_body> &request);

// A plain-text HTTP error reply.
http::response<http::string_body> plain_reply(http::status status, unsigned version,
                                              std::string text);

}  // namespace eckid::emulator
