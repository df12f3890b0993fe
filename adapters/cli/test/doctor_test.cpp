// `eckid doctor` against nv-emulator: the binary as an administrator runs it, its lines and
// its exit status. Expected certificate facts come from the openssl command, not our code.
#include <sys/wait.h>

#include <eckid/eckid.h>
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
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

// Runs a shell command and collects its stdout.
Run shell(const std::string &command) {
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

// Runs `eckid doctor --config FILE`, stdout and stderr together.
Run doctor(const std::filesystem::path &config) {
  return shell(std::string(ECKID_CLI_BINARY) + " doctor --config '" + config.string() + "' 2>&1");
}

// One field of `openssl x509 -noout -<field>` ("subject", "serial", "enddate", ...), without
// its "name=" prefix; dates as "YYYY-MM-DD hh:mm:ssZ".
std::string x509_field(const std::filesystem::path &pem, const std::string &field) {
  const Run run =
      shell("openssl x509 -in '" + pem.string() + "' -noout -" + field + " -dateopt iso_8601");
  REQUIRE(run.status == 0);
  const auto eq = run.output.find('=');
  const auto end = run.output.find('\n');
  REQUIRE(eq != std::string::npos);
  return run.output.substr(eq + 1, end - eq - 1);
}

// Calendar days (UTC) from today to the date "YYYY-MM-DD...".
long days_until(const std::string &date) {
  using namespace std::chrono;
  const year_month_day day{year{std::stoi(date.substr(0, 4))},
                           month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                           std::chrono::day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
  return (sys_days(day) - floor<days>(system_clock::now())).count();
}

bool has(const Run &run, const std::string &text) {
  return run.output.find(text) != std::string::npos;
}

// One enabled school talking to the emulator; PKI files copied next to the file.
const std::string kP12 =
    "client_certificate = \"client.p12\"\nkey_password_file = \"client.p12.pass\"\n";

std::string pki(const char *name) {
  return std::string(ECKID_TEST_PKI_DIR) + "/" + name;
}

// A PEM pair of the build-time test PKI.
std::string pem_pair(const char *certificate, const char *key) {
  return "client_certificate = \"" + pki(certificate) + "\"\nclient_key = \"" + pki(key) + "\"\n";
}

std::filesystem::path write_config(const eckid_test::TempDir &dir, const std::string &endpoint,
                                   const std::string &chain, const std::string &ca = "ca.pem",
                                   const std::string &identity = kP12,
                                   const std::string &salt_and_environment = "") {
  dir.add_pki();
  const std::string salt = salt_and_environment.empty() ? "environment = \"sandbox\"\nsalt = \"" +
                                                              eckid_test::sandbox_salt() + "\"\n"
                                                        : salt_and_environment;
  return dir.write("eckid.toml", "[service]\n" + salt + "endpoint = \"" + endpoint + "\"\n" +
                                     identity + "ca_bundle = \"" + ca +
                                     "\"\nconnect_timeout_ms = 2000\nrequest_timeout_ms = 5000\n\n"
                                     "[[school]]\nkey = \"99ZZ\"\noin = \"" +
                                     kOin + "\"\nsector = \"" + eckid_test::test_sector() +
                                     "\"\nchains = [\"" + chain + "\"]\nenabled = true\n");
}

// The doctor on a fresh emulator, with the client certificate settings `identity`.
Run doctor_with(const std::string &identity) {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  return doctor(write_config(dir, emulator.url(), eckid_test::test_chain(), "ca.pem", identity));
}

}  // namespace

TEST_CASE("doctor: a good configuration passes every check") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const Run run = doctor(write_config(dir, emulator.url(), eckid_test::test_chain()));
  INFO(run.output);
  CHECK(run.status == 0);
  const std::string cert = pki("client.pem");  // the certificate inside client.p12
  CHECK(has(run, "OK   certificate: " + (dir.path() / "client.p12").string() +
                     " (PKCS#12) readable: subject \"" + x509_field(cert, "subject") +
                     "\", serial " + x509_field(cert, "serial") + ", issuer \"" +
                     x509_field(cert, "issuer") + "\""));
  CHECK(has(run, "OK   certificate key: the private key in " +
                     (dir.path() / "client.p12").string() + " belongs to the certificate"));
  const std::string until = x509_field(cert, "enddate");
  CHECK(has(run, "OK   certificate validity: valid until " + until.substr(0, 10) + " (" +
                     std::to_string(days_until(until)) + " days)\n"));
  const Run salt_bytes =
      shell("printf %s '" + eckid_test::sandbox_salt() + "' | openssl base64 -d -A | wc -c");
  CHECK(
      has(run, "OK   salt: base64, " + std::to_string(std::stoi(salt_bytes.output)) + " bytes\n"));
  CHECK(has(run, "OK   salt environment: the public sandbox salt, for environment sandbox"));
  const std::string state = (dir.path() / "state").string();
  CHECK(has(run, "OK   state: " + state + " does not exist yet; made at first open"));
  CHECK(has(run,
            "OK   state database: " + state + "/eckid.db does not exist yet; made at first open"));
  CHECK(has(run, "OK   config: "));
  CHECK(has(run, "OK   school 99ZZ ping: service available, nv-emulator"));
  CHECK(has(run, "OK   school 99ZZ sector: " + eckid_test::test_sector()));
  CHECK(has(run, "OK   school 99ZZ chain: " + eckid_test::test_chain()));
  CHECK_FALSE(has(run, "FAIL"));
  CHECK_FALSE(has(run, "WARN"));
  // Secrets stay out of the output.
  CHECK_FALSE(has(run, eckid_test::sandbox_salt()));
  const Run password = shell("cat '" + pki("client.p12.pass") + "'");
  CHECK_FALSE(has(run, password.output.substr(0, password.output.find('\n'))));
}

TEST_CASE("doctor: a certificate expiring within 60 days is a warning, not a failure") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const std::string out = dir.path().string();
  // The test client key, certified by the test CA for 30 days only.
  const std::string make = "openssl req -new -key " + pki("client.key") + " -subj /CN=soon -out " +
                           out + "/soon.csr && openssl x509 -req -in " + out + "/soon.csr -CA " +
                           pki("ca.pem") + " -CAkey " + pki("ca.key") +
                           " -CAcreateserial -CAserial " + out + "/ca.srl -sha256 -days 30 -out " +
                           out + "/soon.pem 2>/dev/null";
  REQUIRE(std::system(make.c_str()) == 0);
  const Run run = doctor(write_config(
      dir, emulator.url(), eckid_test::test_chain(), "ca.pem",
      "client_certificate = \"soon.pem\"\nclient_key = \"" + pki("client.key") + "\"\n"));
  INFO(run.output);
  CHECK(run.status == 0);
  const std::string until = x509_field(dir.path() / "soon.pem", "enddate");
  CHECK(has(run, "WARN certificate validity: valid until " + until.substr(0, 10) + " (" +
                     std::to_string(days_until(until)) +
                     " days): expires within 60 days; renew it now\n"));
  CHECK(has(run, "OK   certificate: " + out + "/soon.pem (PEM) readable: subject \"CN = soon\""));
  CHECK(has(run, "OK   certificate key: "));
  CHECK(has(run, "OK   school 99ZZ ping: "));
  CHECK_FALSE(has(run, "FAIL"));
}

TEST_CASE("doctor: an expired certificate fails, and the other checks still run") {
  const Run run = doctor_with(pem_pair("client-expired.pem", "client.key"));
  INFO(run.output);
  CHECK(run.status == 1);
  const std::string until = x509_field(pki("client-expired.pem"), "enddate");
  CHECK(has(run, "FAIL certificate validity: expired on " + until.substr(0, 10) + " (" +
                     std::to_string(-days_until(until)) + " days ago): the service refuses it"));
  CHECK(has(run, "OK   certificate key: "));
  CHECK(has(run, "OK   salt: "));
  CHECK(has(run, "school 99ZZ ping: "));
}

TEST_CASE("doctor: a certificate that is not valid yet fails") {
  const Run run = doctor_with(pem_pair("client-future.pem", "client.key"));
  INFO(run.output);
  CHECK(run.status == 1);
  const std::string from = x509_field(pki("client-future.pem"), "startdate");
  const std::string until = x509_field(pki("client-future.pem"), "enddate");
  CHECK(has(run, "FAIL certificate validity: not valid before " + from.substr(0, 10) +
                     " (valid until " + until.substr(0, 10) + ")"));
}

TEST_CASE("doctor: a key that does not match the certificate fails, then the open failure") {
  const Run run = doctor_with(pem_pair("client.pem", "other-client.key"));
  INFO(run.output);
  CHECK(run.status == 1);
  CHECK(has(run, "FAIL certificate key: the private key in " + pki("other-client.key") +
                     " does not belong to the certificate in " + pki("client.pem")));
  CHECK(has(run, "OK   certificate: " + pki("client.pem") + " (PEM) readable"));
  CHECK(has(run, "OK   certificate validity: valid until "));
  CHECK(has(run, "OK   salt: "));
  // The plugin refuses the same pair: reported after the doctor's own lines.
  const auto key_line = run.output.find("FAIL certificate key: ");
  const auto open_line = run.output.find("FAIL config: ");
  CHECK(open_line != std::string::npos);
  CHECK(key_line < open_line);
  CHECK(has(run, "[status " + std::to_string(ECKID_E_CREDENTIALS) + "]"));
  CHECK(has(run, "ping, sectors and chains are not checked"));
  CHECK_FALSE(has(run, "school 99ZZ ping"));
}

TEST_CASE("doctor: an unreadable certificate or a wrong password names the file") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  SECTION("missing file") {
    const Run run = doctor(write_config(dir, emulator.url(), eckid_test::test_chain(), "ca.pem",
                                        "client_certificate = \"missing.p12\"\n"));
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(has(run, "FAIL certificate: cannot read " + (dir.path() / "missing.p12").string() +
                       " (client_certificate): No such file or directory; check the path"));
    CHECK_FALSE(has(run, "certificate key: "));
    CHECK(has(run, "OK   salt: "));
    CHECK(has(run, "FAIL config: "));
  }
  SECTION("wrong PKCS#12 password") {
    dir.write("wrong.pass", "not-the-password\n");
    const Run run = doctor(
        write_config(dir, emulator.url(), eckid_test::test_chain(), "ca.pem",
                     "client_certificate = \"client.p12\"\nkey_password_file = \"wrong.pass\"\n"));
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(has(run, "FAIL certificate: cannot open the PKCS#12 file " +
                       (dir.path() / "client.p12").string() + ": wrong or missing key password"));
    CHECK_FALSE(has(run, "not-the-password"));
  }
  SECTION("password variable not set, then set") {
    const std::string identity =
        "client_certificate = \"client.p12\"\nkey_password_env = \"ECKID_DOCTOR_TEST_PASSWORD\"\n";
    unsetenv("ECKID_DOCTOR_TEST_PASSWORD");
    const auto config =
        write_config(dir, emulator.url(), eckid_test::test_chain(), "ca.pem", identity);
    const Run unset = doctor(config);
    INFO(unset.output);
    CHECK(unset.status == 1);
    CHECK(has(unset,
              "FAIL certificate: the environment variable ECKID_DOCTOR_TEST_PASSWORD "
              "(key_password_env) is not set"));
    const Run password = shell("head -n 1 '" + pki("client.p12.pass") + "'");
    const std::string text = password.output.substr(0, password.output.find('\n'));
    setenv("ECKID_DOCTOR_TEST_PASSWORD", text.c_str(), 1);
    const Run set = doctor(config);
    unsetenv("ECKID_DOCTOR_TEST_PASSWORD");
    INFO(set.output);
    CHECK(set.status == 0);
    CHECK(has(set, "OK   certificate: " + (dir.path() / "client.p12").string() + " (PKCS#12)"));
    CHECK_FALSE(has(set, text));
  }
}

TEST_CASE("doctor: the salt is checked for base64, length and environment") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const auto config = [&](const std::string &service) {
    return write_config(dir, emulator.url(), eckid_test::test_chain(), "ca.pem", kP12, service);
  };
  SECTION("not base64") {
    const Run run = doctor(config("environment = \"sandbox\"\nsalt = \"not base64!\"\n"));
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(has(run, "FAIL salt: " + (dir.path() / "eckid.toml").string() +
                       ":3: [service] salt: the salt is not base64"));
    CHECK(has(run, "OK   certificate: "));
  }
  SECTION("too short") {
    // 8 bytes, 64 bits.
    const Run run = doctor(config("environment = \"sandbox\"\nsalt = \"AAECAwQFBgc=\"\n"));
    INFO(run.output);
    CHECK(has(run, "WARN salt: only 8 bytes (at least 16 expected)"));
    CHECK(has(run,
              "WARN salt environment: environment is sandbox but the salt is not the "
              "public sandbox salt"));
    CHECK(run.status == 0);
  }
  SECTION("the sandbox salt in production") {
    const Run run = doctor(config("environment = \"production\"\nsalt_file = \"salt\"\n"));
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(has(run, "FAIL salt: " + (dir.path() / "eckid.toml").string() +
                       ":3: [service] salt_file: cannot read " + (dir.path() / "salt").string() +
                       "; check the path"));
    dir.write("salt", eckid_test::sandbox_salt() + "\n");
    const Run again = doctor(dir.path() / "eckid.toml");
    INFO(again.output);
    CHECK(again.status == 1);
    CHECK(has(again, "OK   salt: base64, "));
    CHECK(has(again,
              "FAIL salt environment: the public sandbox salt is configured for "
              "environment production"));
    CHECK(has(again, "OK   school 99ZZ ping: "));
  }
  SECTION("another salt in acceptance") {
    const Run run =
        doctor(config("environment = \"acceptance\"\nsalt = \"AAECAwQFBgcICQoLDA0ODw==\"\n"));
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(has(run, "OK   salt: base64, 16 bytes"));
    CHECK(has(run,
              "OK   salt environment: not the sandbox salt, as expected for environment "
              "acceptance"));
  }
}

TEST_CASE("doctor: an unknown chain fails with exit status 1") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const Run run = doctor(write_config(dir, emulator.url(), kUnknownChain));
  INFO(run.output);
  CHECK(run.status == 1);
  CHECK(has(run, "FAIL school 99ZZ chain: " + std::string(kUnknownChain) +
                     " is not in the service's list"));
  CHECK(has(run, "OK   school 99ZZ sector: "));
}

TEST_CASE("doctor: a warning raised by a school's ping is shown on that school's ping line") {
  // The emulator's clock two hours ahead: the plugin warns during the ping (eckid.h, eckid_ping).
  eckid::emulator_test::Emulator emulator({"--clock-offset-s", "7200"});
  eckid_test::TempDir dir;
  const Run run = doctor(write_config(dir, emulator.url(), eckid_test::test_chain()));
  INFO(run.output);
  CHECK(run.status == 0);  // a warning, not a failure
  const auto ok = run.output.find("OK   school 99ZZ ping: service available");
  const auto warn = run.output.find(
      "WARN school 99ZZ ping: the Nummervoorziening's clock differs from this host's by 7");
  const auto sector = run.output.find("OK   school 99ZZ sector: ");
  REQUIRE(warn != std::string::npos);
  CHECK(ok < warn);
  CHECK(warn < sector);
  CHECK_FALSE(has(run, "WARN config"));
}

TEST_CASE("doctor: a CA that did not sign the server fails the ping") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  dir.add_pki({"other-ca.pem"});
  const Run run =
      doctor(write_config(dir, emulator.url(), eckid_test::test_chain(), "other-ca.pem"));
  INFO(run.output);
  CHECK(run.status == 1);
  CHECK(has(run, "FAIL school 99ZZ ping: "));
  CHECK(emulator.log_lines().empty());
}

TEST_CASE("doctor: a configuration that does not open fails, after the file checks") {
  eckid_test::TempDir dir;
  const Run run = doctor(dir.write("eckid.toml", "[service]\nenvironment = \"nowhere\"\n"));
  INFO(run.output);
  CHECK(run.status == 1);
  const std::string file = (dir.path() / "eckid.toml").string();
  CHECK(run.output.rfind("FAIL config: " + file + ":2: [service] environment: 'nowhere' is not",
                         0) == 0);
  CHECK(has(run, "FAIL certificate: " + file + ":1: [service] client_certificate: missing"));
  CHECK(has(run, "FAIL salt: " + file + ":1: [service] salt: missing"));
  CHECK(has(run, "FAIL config: "));
  CHECK(has(run, "ping, sectors and chains are not checked"));
}

TEST_CASE("doctor: a file that is not TOML fails with its line") {
  eckid_test::TempDir dir;
  const Run run = doctor(dir.write("eckid.toml", "[service]\nenvironment = \n"));
  INFO(run.output);
  CHECK(run.status == 1);
  CHECK(run.output.rfind(
            "FAIL config: " + (dir.path() / "eckid.toml").string() + ":2: not valid TOML: ", 0) ==
        0);
}

TEST_CASE("doctor: a key, PKCS#12 or password file every user can read is a WARN with the fix") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const std::string p12 = (dir.path() / "client.p12").string();
  const std::string pass = (dir.path() / "client.p12.pass").string();
  const std::string key = (dir.path() / "client.key").string();
  SECTION("owner only: no warning") {
    const Run run = doctor(write_config(dir, emulator.url(), eckid_test::test_chain()));
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK_FALSE(has(run, "chmod 600"));
  }
  SECTION("PKCS#12 and password file mode 644") {
    const auto config = write_config(dir, emulator.url(), eckid_test::test_chain());
    REQUIRE(shell("chmod 644 '" + p12 + "' '" + pass + "'").status == 0);
    const Run run = doctor(config);
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(has(run, "WARN config: the PKCS#12 file " + p12 +
                       " is readable by every user of this computer; restrict it (chmod 600 " +
                       p12 + ")"));
    CHECK(has(run, "WARN config: the key password file " + pass + " is readable by every user"));
  }
  SECTION("a PEM key mode 604") {
    dir.add_pki({"client.pem", "client.key"});
    REQUIRE(shell("chmod 604 '" + key + "'").status == 0);
    const Run run =
        doctor(write_config(dir, emulator.url(), eckid_test::test_chain(), "ca.pem",
                            "client_certificate = \"client.pem\"\nclient_key = \"" + key + "\"\n"));
    INFO(run.output);
    CHECK(has(run, "WARN config: the private key file " + key + " is readable by every user"));
    CHECK_FALSE(has(run, "client.pem is readable"));
  }
}

TEST_CASE("doctor: the state folder and database are checked before the plugin opens them") {
  eckid::emulator_test::Emulator emulator;
  eckid_test::TempDir dir;
  const auto config = write_config(dir, emulator.url(), eckid_test::test_chain());
  REQUIRE(doctor(config).status == 0);  // the plugin made the folder and database at its open
  const std::string state = (dir.path() / "state").string();
  SECTION("made by the plugin, with this library's schema") {
    const Run run = doctor(config);
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(has(run, "OK   state: " + state + " is readable and writable by user "));
    CHECK(has(run, "OK   state database: " + state + "/eckid.db has schema version "));
  }
  SECTION("a folder other users may read: one WARN, not repeated when the plugin opens") {
    REQUIRE(shell("chmod 750 '" + state + "'").status == 0);
    const Run run = doctor(config);
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(has(run, "WARN state: the state directory " + state +
                       " is readable by other users; restrict it (chmod 700)\n"));
    CHECK_FALSE(has(run, "WARN config: the state directory"));
  }
  SECTION("a schema made by a newer eckid fails before the plugin refuses it") {
    // With Python's sqlite3 module (python3 is a test dependency), not with our code.
    REQUIRE(shell("python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("
                  "\"PRAGMA user_version = 1000\")' '" +
                  state + "/eckid.db'")
                .status == 0);
    const Run run = doctor(config);
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(has(run, "FAIL state database: " + state +
                       "/eckid.db has schema version 1000, made by a newer eckid"));
    CHECK(has(run, "; upgrade libeckid\n"));
    CHECK(has(run, "ping, sectors and chains are not checked"));
  }
}
