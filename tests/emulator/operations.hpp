// The WSDL's operations: request element in, response envelope out.
#pragma once

#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "service.hpp"
#include "soap.hpp"

namespace eckid::emulator {

inline constexpr std::string_view kApplicationVersion = "nv-emulator 0.1.0";

// Runs the operation named in `info` on `request`; returns the response envelope.
// Throws Fault.
std::string handle_operation(Service &service, const RequestInfo &info, pugi::xml_node request,
                             std::string_view response_message_id);

}  // namespace eckid::emulator
