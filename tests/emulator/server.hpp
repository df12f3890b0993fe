// HTTPS with mutual TLS on 127.0.0.1: Boost.Beast over Boost.Asio SSL.
#pragma once

#include "endpoint.hpp"

namespace eckid::emulator {

// Listens, prints the "listening" line to stdout and serves until SIGINT or SIGTERM.
// Throws on setup errors (certificates, port).
void serve(Context &context);

}  // namespace eckid::emulator
