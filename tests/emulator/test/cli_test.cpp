// The command line: help, and refusal of bad options before listening.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace {

int exit_code(const std::string &arguments) {
  const std::string command = "'" NV_EMULATOR_PATH "' " + arguments + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("nv-emulator command line") {
  CHECK(exit_code("--help") == 0);
  CHECK(exit_code("") == 1);  // --ca, --cert and --key are required
  CHECK(exit_code("--ca a --cert b --key c --bogus 1") == 1);
  CHECK(exit_code("--ca a --cert b --key c --http503-share 1.5") == 1);
  CHECK(exit_code("--ca a --cert b --key c --port 70000") == 1);
  CHECK(exit_code("--ca a --cert b --key c --answer-mode sideways") == 1);
  CHECK(exit_code("--ca /nonexistent --cert /nonexistent --key /nonexistent") == 1);
}
