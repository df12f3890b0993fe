// `eckid doctor` against nv-emulator: the binary as an administrator runs it, its lines and
// its exit status.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "emulator_process.hpp"
#include "test_support.hpp"

namespace {

constexpr const char *kOin = "0000000700099ZZ12345";
constexpr const char *kUnknownChain =
    "http://purl.edustandaard.nl/begrippenkader/00000000-0000-4000-8000-000000000000";

struct Run {
  int status = -1;
  std::string output;
};

// Runs `eckid doctor --config FILE` and collects stdout.
Run doctor(const std::filesystem::path &config) {
  const std::string command =
      std::string(ECKID_CLI_BINARY) + " doctor --config '" + config.string() + "' 2>&1";
  Run run;
  FILE *pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    run.output.append(buffer.data(), n);
  }
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return run;
}

// One enabled school talking to the emulator; PKI files copied next to the file.
const std::string kP12 =
    "client_certificate = \"client.p12\"\nkey_password_file = \"client.p12.pass\"\n";

std::filesystem::path write_config(const eckid_test::TempDir &dir, const std::string &endpoint,
                                   const std::string &chain, const std::string &ca = "ca.pem",
                                   const std::string &identity = kP12) {
  dir.add_pki();
  return dir.write("eckid.toml",
                   "[service]\nenvironment = \"sandbox\"\nsalt = \"" + eckid_test::sandbox_salt() +
                       "\"\nendpoint = \"" + endpoint + "\"\n" + identity + "ca_bundle = \"" + ca +
                       "\"\nconnect_timeout_ms = 2000\nrequest_timeout_ms = 5000\n\n[[school]]\n" +
                       "key = \"99ZZ\"\noin = \"" + kOin + "\"\nsector = \"" +
                       eckid_test::test_sector() + "\"\nchains = [\"" + chain +
                       "\"]\nenabled = true\n");
}

}  // namespace

TEST_CASE("doctor: a good configuration passes every check") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const Run run = doctor(write_config(dir, emulator.url(), eckid_test::test_chain()));
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(run.output.find("OK   config: ") != std::string::npos);
  CHECK(run.output.find("OK   certificate: ") != std::string::npos);
  CHECK(run.output.find("OK   school 99ZZ ping: service available, nv-emulator") !=
        std::string::npos);
  CHECK(run.output.find("OK   school 99ZZ sector: " + eckid_test::test_sector()) !=
        std::string::npos);
  CHECK(run.output.find("OK   school 99ZZ chain: " + eckid_test::test_chain()) !=
        std::string::npos);
  CHECK(run.output.find("FAIL") == std::string::npos);
}

TEST_CASE("doctor: a certificate expiring within 60 days is a warning, not a failure") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const std::string pki = ECKID_TEST_PKI_DIR;
  const std::string out = dir.path().string();
  // The test client key, certified by the test CA for 30 days only.
  const std::string make = "openssl req -new -key " + pki + "/client.key -subj /CN=soon -out " +
                           out + "/soon.csr && openssl x509 -req -in " + out + "/soon.csr -CA " +
                           pki + "/ca.pem -CAkey " + pki + "/ca.key -CAcreateserial -CAserial " +
                           out + "/ca.srl -sha256 -days 30 -out " + out + "/soon.pem 2>/dev/null";
  REQUIRE(std::system(make.c_str()) == 0);
  const Run run = doctor(
      write_config(dir, emulator.url(), eckid_test::test_chain(), "ca.pem",
                   "client_certificate = \"soon.pem\"\nclient_key = \"" + pki + "/client.key\"\n"));
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(run.output.find("WARN certificate: ") != std::string::npos);
  CHECK(run.output.find("OK   certificate: ") == std::string::npos);
  CHECK(run.output.find("OK   school 99ZZ ping: ") != std::string::npos);
}

TEST_CASE("doctor: an unknown chain fails with exit status 1") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const Run run = doctor(write_config(dir, emulator.url(), kUnknownChain));
  INFO(run.output);
  CHECK(run.status == 1);
  CHECK(run.output.find("FAIL school 99ZZ chain: " + std::string(kUnknownChain) +
                        " is not in the service's list") != std::string::npos);
  CHECK(run.output.find("OK   school 99ZZ sector: ") != std::string::npos);
}

TEST_CASE("doctor: a CA that did not sign the server fails the ping") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  dir.add_pki({"other-ca.pem"});
  const Run run =
      doctor(write_config(dir, emulator.url(), eckid_test::test_chain(), "other-ca.pem"));
  INFO(run.output);
  CHECK(run.status == 1);
  CHECK(run.output.find("FAIL school 99ZZ ping: ") != std::string::npos);
  CHECK(emulator.log_lines().empty());
}

TEST_CASE("doctor: a configuration that does not open fails at once") {
  eckid_test::TempDir dir;
  const Run run = doctor(dir.write("eckid.toml", "[service]\nenvironment = \"nowhere\"\n"));
  INFO(run.output);
  CHECK(run.status == 1);
  CHECK(run.output.rfind("FAIL config: ", 0) == 0);
}
