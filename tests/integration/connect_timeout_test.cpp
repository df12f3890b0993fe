// A connect timeout names the connect timeout: the endpoint is an address whose SYNs vanish,
// in a private network namespace (a veth pair, the peer's MAC fixed so no ARP is needed and
// the peer, without an address, drops every packet). Needs root (CAP_SYS_ADMIN) and `ip`;
// without them the test is skipped (exit status 77) with the reason on stdout.
#include <sched.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "eckid/eckid.h"
#include "integration_support.hpp"

using eckid_it::pki;

namespace {

constexpr int kSkipped = 77;  // SKIP_RETURN_CODE in tests/integration/CMakeLists.txt
constexpr const char *kSilentAddress = "10.9.9.2";

void skip(const std::string &why) {
  std::cout << "SKIPPED: no address that drops SYNs: " << why << std::endl;
  std::exit(kSkipped);
}

// Moves this process into a network namespace where kSilentAddress is routed to a veth peer
// that never answers.
void enter_silent_network() {
  if (unshare(CLONE_NEWNET) != 0) {
    skip(std::string("no private network namespace (") + std::strerror(errno) +
         "); run as root (CAP_SYS_ADMIN), as CI does");
  }
  const char *setup =
      "ip link set lo up && ip link add v0 type veth peer name v1 && "
      "ip addr add 10.9.9.1/24 dev v0 && ip link set v0 up && ip link set v1 up && "
      "ip neigh add 10.9.9.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent";
  if (std::system((std::string(setup) + " >/dev/null 2>&1").c_str()) != 0) {
    skip("the ip command could not set up a veth pair");
  }
}

}  // namespace

TEST_CASE("a connect timeout names connect_timeout_ms, not the request timeout") {
  enter_silent_network();
  const eckid_test::TempDir dir;
  const auto config =
      dir.write("eckid.toml",
                "[service]\nenvironment = \"sandbox\"\nsalt = \"" + eckid_test::sandbox_salt() +
                    "\"\nendpoint = \"https://" + kSilentAddress +
                    ":443/eck/ws/201703\"\nclient_certificate = \"" + pki("client.p12") +
                    "\"\nkey_password_file = \"" + pki("client.p12.pass") + "\"\nca_bundle = \"" +
                    pki("ca.pem") + "\"\nconnect_timeout_ms = 300\nrequest_timeout_ms = 7000\n\n" +
                    "[[school]]\nkey = \"" + eckid_it::kSchoolKey + "\"\noin = \"" +
                    eckid_it::kOin + "\"\nsector = \"" + eckid_test::test_sector() +
                    "\"\nchains = [\"" + eckid_test::test_chain() + "\"]\nenabled = true\n");
  eckid_plugin *plugin = nullptr;
  REQUIRE(eckid_open(config.c_str(), nullptr, &plugin) == ECKID_OK);
  char *version = nullptr;
  const eckid_status status = eckid_ping(plugin, eckid_it::kSchoolKey, &version);
  const std::string message = eckid_last_error();
  eckid_free(version);
  eckid_close(plugin);
  INFO(message);
  CHECK(status == ECKID_E_TIMEOUT);
  CHECK(message.find("within the connect timeout of 300 ms (connect_timeout_ms)") !=
        std::string::npos);
  CHECK(message.find("7000") == std::string::npos);
}
