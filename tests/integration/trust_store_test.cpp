// The plugin trusts ca_bundle and nothing else: not the system's CA store, not a CA that
// CURL_CA_BUNDLE, SSL_CERT_FILE or SSL_CERT_DIR name. Each test case runs in a private mount
// namespace in which /etc/ssl/certs (Debian's libcurl CA path and CA file, OpenSSL's default
// directory) holds only a second CA, the one that certified the server; ca_bundle names the
// test CA. Needs root (CAP_SYS_ADMIN) for the namespace; without it the test is skipped
// (exit status 77, shown by ctest as "Skipped") with the reason on stdout.
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "eckid/eckid.h"
#include "emulator_process.hpp"
#include "integration_support.hpp"

using eckid::emulator_test::Emulator;
using eckid_it::pki;

namespace {

constexpr int kSkipped = 77;  // SKIP_RETURN_CODE in tests/integration/CMakeLists.txt

// Exit status of a shell command.
int run(const std::string &command) {
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// Puts this process into a private mount namespace in which /etc/ssl/certs is a store that
// trusts only other-ca.pem: hashed for CA-path lookups (openssl rehash) and as the
// ca-certificates.crt bundle. Once per process; exits with kSkipped when namespaces are
// not available.
void trust_only_other_ca_in_system_store() {
  static const eckid_test::TempDir store;
  static bool done = false;
  if (done) return;
  const char *system_store = "/etc/ssl/certs";
  if (!std::filesystem::is_directory(system_store) || unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    const std::string why = std::filesystem::is_directory(system_store)
                                ? "no private mount namespace (" +
                                      std::string(std::strerror(errno)) +
                                      "); run as root (CAP_SYS_ADMIN), as CI does"
                                : std::string(system_store) + " does not exist";
    std::cout << "SKIPPED: the system CA store cannot be replaced: " << why << std::endl;
    std::exit(kSkipped);
  }
  std::filesystem::copy_file(pki("other-ca.pem"), store.path() / "other-ca.pem");
  std::filesystem::copy_file(pki("other-ca.pem"), store.path() / "ca-certificates.crt");
  // rehash warns that the bundle repeats other-ca.pem; the exit status tells.
  REQUIRE(run("openssl rehash '" + store.path().string() + "' 2>/dev/null") == 0);
  REQUIRE(mount(store.path().c_str(), system_store, nullptr, MS_BIND, nullptr) == 0);
  // The replaced store does trust the other server, as seen by the openssl command.
  REQUIRE(run("openssl verify -CApath /etc/ssl/certs '" + pki("other-server.pem") +
              "' >/dev/null") == 0);
  REQUIRE(run("openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt '" +
              pki("other-server.pem") + "' >/dev/null") == 0);
  done = true;
}

// A configuration for the emulator at endpoint, trusting the test CA (ca.pem) only.
std::string config_text(const std::string &endpoint) {
  return "[service]\nenvironment = \"sandbox\"\nsalt = \"" + eckid_test::sandbox_salt() +
         "\"\nendpoint = \"" + endpoint + "\"\nclient_certificate = \"" + pki("client.p12") +
         "\"\nkey_password_file = \"" + pki("client.p12.pass") + "\"\nca_bundle = \"" +
         pki("ca.pem") +
         "\"\nconnect_timeout_ms = 2000\nrequest_timeout_ms = 5000\n\n[[school]]\nkey = \"" +
         eckid_it::kSchoolKey + "\"\noin = \"" + eckid_it::kOin + "\"\nsector = \"" +
         eckid_test::test_sector() + "\"\nchains = [\"" + eckid_test::test_chain() +
         "\"]\nenabled = true\n";
}

// eckid_ping of the test school through a plugin opened on the emulator at endpoint.
eckid_status ping(const std::string &endpoint) {
  const eckid_test::TempDir dir;
  const auto config = dir.write("eckid.toml", config_text(endpoint));
  eckid_plugin *plugin = nullptr;
  REQUIRE(eckid_open(config.c_str(), nullptr, &plugin) == ECKID_OK);
  char *version = nullptr;
  const eckid_status status = eckid_ping(plugin, eckid_it::kSchoolKey, &version);
  eckid_free(version);
  eckid_close(plugin);
  return status;
}

// An emulator whose server certificate is by the other CA.
Emulator other_ca_server() {
  return Emulator({"--cert", pki("other-server.pem"), "--key", pki("other-server.key")});
}

}  // namespace

TEST_CASE("a server certified by a CA of the system store but not in ca_bundle is refused") {
  trust_only_other_ca_in_system_store();
  SECTION("the system store alone") {}
  SECTION("and CURL_CA_BUNDLE, SSL_CERT_FILE and SSL_CERT_DIR naming that CA") {
    setenv("CURL_CA_BUNDLE", pki("other-ca.pem").c_str(), 1);
    setenv("SSL_CERT_FILE", pki("other-ca.pem").c_str(), 1);
    setenv("SSL_CERT_DIR", "/etc/ssl/certs", 1);
  }
  {
    const Emulator emulator = other_ca_server();
    CHECK(ping(emulator.url()) == ECKID_E_TLS);
    CHECK(emulator.log_lines().empty());  // no request got through
  }
  // The configured CA still works in the same surroundings.
  const Emulator emulator;
  CHECK(ping(emulator.url()) == ECKID_OK);
  unsetenv("CURL_CA_BUNDLE");
  unsetenv("SSL_CERT_FILE");
  unsetenv("SSL_CERT_DIR");
}

TEST_CASE("eckid doctor refuses a server certified by a CA of the system store") {
  trust_only_other_ca_in_system_store();
  const Emulator emulator = other_ca_server();
  const eckid_test::TempDir dir;
  const auto config = dir.write("eckid.toml", config_text(emulator.url()));
  const std::string output = (dir.path() / "doctor.out").string();
  const int status = run(std::string(ECKID_CLI_BINARY) + " doctor --config '" + config.string() +
                         "' >'" + output + "' 2>&1");
  std::ifstream in(output);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  INFO(text);
  CHECK(status == 1);
  CHECK(text.find("FAIL school 99ZZ ping: TLS with " + emulator.url()) != std::string::npos);
  CHECK(text.find("[status " + std::to_string(ECKID_E_TLS) + "]") != std::string::npos);
}
