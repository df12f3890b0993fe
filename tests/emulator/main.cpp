// nv-emulator: a local stand-in for the Nummervoorziening, for tests. See README.md.
#include <exception>
#include <iostream>

#include "options.hpp"
#include "random.hpp"
#include "request_log.hpp"
#include "server.hpp"
#include "service.hpp"

int main(int argc, char **argv) {
  using namespace eckid::emulator;
  try {
    Options options;
    if (parse_command_line(argc, argv, options) == Command::help) {
      std::cout << usage();
      return 0;
    }
    Random random(options.seed);
    RequestLog log(options.log_file, options.hpgn_log_file);
    Service service(options, random);
    Context context{options, service, log, random};
    serve(context);
    return 0;
  } catch (const std::exception &error) {
    std::cerr << "nv-emulator: " << error.what() << '\n';
    return 1;
  }
}
