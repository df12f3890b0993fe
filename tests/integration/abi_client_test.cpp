// The plugin's Nummervoorziening client through the public C ABI (libeckid.so) against
// nv-emulator over mutual TLS: configuration, TLS refusals and every fault's own status.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "eckid/eckid.h"
#include "emulator_process.hpp"
#include "integration_support.hpp"

using eckid::emulator_test::Emulator;
using eckid_it::pki;

namespace {

// [service] lines naming the client certificate and its key password.
const std::string kP12 = "client_certificate = \"" + pki("client.p12") +
                         "\"\nkey_password_file = \"" + pki("client.p12.pass") + "\"\n";

std::string read_first_line(const std::string &path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// A configuration with one enabled school, talking to `endpoint`.
std::string config_text(const std::string &endpoint, const std::string &identity = kP12,
                        const std::string &ca_bundle = pki("ca.pem"),
                        const std::string &extra_service = "") {
  return "[service]\nenvironment = \"sandbox\"\nsalt = \"" + eckid_test::sandbox_salt() +
         "\"\nendpoint = \"" + endpoint + "\"\n" + identity + "ca_bundle = \"" + ca_bundle +
         "\"\nconnect_timeout_ms = 2000\n" +
         (extra_service.find("request_timeout_ms") == std::string::npos
              ? "request_timeout_ms = 5000\n"
              : "") +
         extra_service + "\n[[school]]\nkey = \"" + eckid_it::kSchoolKey + "\"\noin = \"" +
         eckid_it::kOin + "\"\nsector = \"" + eckid_test::test_sector() + "\"\nchains = [\"" +
         eckid_test::test_chain() + "\"]\nenabled = true\n";
}

// An opened plugin for one configuration file in a temp dir; closed at the end.
class Plugin {
 public:
  explicit Plugin(const std::string &config) {
    path_ = dir_.write("eckid.toml", config).string();
    eckid_open_options options ECKID_OPEN_OPTIONS_INIT;
    options.log = [](eckid_log_level level, const char *message, void *self) {
      if (level >= ECKID_LOG_WARN) static_cast<Plugin *>(self)->warnings_.emplace_back(message);
    };
    options.log_payload = this;
    status_ = eckid_open(path_.c_str(), &options, &handle_);
    if (status_ != ECKID_OK) message_ = eckid_last_error();
  }
  ~Plugin() { eckid_close(handle_); }
  Plugin(const Plugin &) = delete;
  Plugin &operator=(const Plugin &) = delete;

  eckid_status open_status() const { return status_; }
  const std::string &open_message() const { return message_; }
  eckid_plugin *get() const { return handle_; }
  const eckid_test::TempDir &dir() const { return dir_; }
  // Log lines at WARN or above so far.
  const std::vector<std::string> &warnings() const { return warnings_; }

  eckid_status ping(std::string *version = nullptr) const {
    char *v = nullptr;
    const eckid_status s = eckid_ping(handle_, eckid_it::kSchoolKey, &v);
    if (version != nullptr && v != nullptr) *version = v;
    eckid_free(v);
    return s;
  }

 private:
  eckid_test::TempDir dir_;
  std::string path_;
  eckid_plugin *handle_ = nullptr;
  eckid_status status_ = ECKID_E_INTERNAL;
  std::string message_;
  std::vector<std::string> warnings_;
};

// The ids of a catalog, released afterwards.
std::vector<std::string> ids(eckid_catalog *catalog) {
  std::vector<std::string> out;
  for (std::size_t i = 0; catalog != nullptr && i < catalog->count; ++i) {
    out.emplace_back(catalog->entries[i]->id);
  }
  eckid_free(catalog);
  return out;
}

}  // namespace

TEST_CASE("ping, chains and sectors over mutual TLS with each kind of client certificate") {
  Emulator emulator;
  std::string identity;
  SECTION("PKCS#12 with key_password_file") {
    identity = kP12;
  }
  SECTION("PEM pair without password") {
    identity = "client_certificate = \"" + pki("client.pem") + "\"\nclient_key = \"" +
               pki("client.key") + "\"\n";
  }
  SECTION("encrypted PEM key with key_password_file") {
    identity = "client_certificate = \"" + pki("client.pem") + "\"\nclient_key = \"" +
               pki("client-encrypted.key") + "\"\nkey_password_file = \"" +
               pki("client-encrypted.key.pass") + "\"\n";
  }
  SECTION("encrypted PEM key with key_password_env") {
    const std::string password = read_first_line(pki("client-encrypted.key.pass"));
    REQUIRE(password.size() == 32);
    REQUIRE(setenv("ECKID_IT_KEY_PASSWORD", password.c_str(), 1) == 0);
    identity = "client_certificate = \"" + pki("client.pem") + "\"\nclient_key = \"" +
               pki("client-encrypted.key") + "\"\nkey_password_env = \"ECKID_IT_KEY_PASSWORD\"\n";
  }
  Plugin plugin(config_text(emulator.url(), identity));
  REQUIRE(plugin.open_status() == ECKID_OK);

  std::string version;
  CHECK(plugin.ping(&version) == ECKID_OK);
  CHECK(version == eckid_it::kEmulatorVersion);

  eckid_catalog *chains = nullptr;
  REQUIRE(eckid_retrieve_chains(plugin.get(), eckid_it::kSchoolKey, &chains) == ECKID_OK);
  REQUIRE(chains != nullptr);
  REQUIRE(chains->count == 1);
  CHECK(std::string(chains->entries[0]->name) == "Testketen");
  CHECK(std::string(chains->entries[0]->last_edited) == "2017-03-01T00:00:00Z");
  CHECK(ids(chains) == std::vector<std::string>{eckid_test::test_chain()});

  eckid_catalog *sectors = nullptr;
  REQUIRE(eckid_retrieve_sectors(plugin.get(), eckid_it::kSchoolKey, &sectors) == ECKID_OK);
  CHECK(ids(sectors) ==
        std::vector<std::string>{eckid_test::test_sector(), eckid_it::kSecondSector});

  // The emulator saw the school's OIN in wsa:From for every request.
  const auto lines = emulator.log_lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].ends_with(" ping 0000000700099ZZ12345 ok"));
  CHECK(lines[1].ends_with(" retrieveChains 0000000700099ZZ12345 ok"));
  CHECK(lines[2].ends_with(" retrieveSectors 0000000700099ZZ12345 ok"));
}

TEST_CASE("concurrent calls on one handle share the transport safely") {
  Emulator emulator;
  Plugin plugin(config_text(emulator.url()));
  REQUIRE(plugin.open_status() == ECKID_OK);
  constexpr int kThreads = 4;
  constexpr int kCalls = 10;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        eckid_catalog *sectors = nullptr;
        if (plugin.ping() != ECKID_OK) ++failures[t];
        if (eckid_retrieve_sectors(plugin.get(), eckid_it::kSchoolKey, &sectors) != ECKID_OK ||
            sectors == nullptr || sectors->count != 2) {
          ++failures[t];
        }
        eckid_free(sectors);
      }
    });
  }
  for (auto &thread : threads) thread.join();
  CHECK(failures == std::vector<int>(kThreads, 0));
  CHECK(emulator.log_lines().size() == 2 * kThreads * kCalls);
}

TEST_CASE("an unknown school key is refused before anything is sent") {
  Emulator emulator;
  Plugin plugin(config_text(emulator.url()));
  REQUIRE(plugin.open_status() == ECKID_OK);
  CHECK(eckid_ping(plugin.get(), "NOPE", nullptr) == ECKID_E_UNKNOWN_SCHOOL);
  CHECK(emulator.log_lines().empty());
}

TEST_CASE("a wrong key password fails at open, naming the password") {
  eckid_test::TempDir dir;
  const auto wrong = dir.write("wrong.pass", "not-the-password\n").string();
  std::string identity;
  SECTION("PKCS#12") {
    identity = "client_certificate = \"" + pki("client.p12") + "\"\nkey_password_file = \"" +
               wrong + "\"\n";
  }
  SECTION("encrypted PEM key") {
    identity = "client_certificate = \"" + pki("client.pem") + "\"\nclient_key = \"" +
               pki("client-encrypted.key") + "\"\nkey_password_file = \"" + wrong + "\"\n";
  }
  // Nothing needs to listen: the credentials are checked before any request.
  Plugin plugin(config_text("https://127.0.0.1:9/eck/ws/201703", identity));
  CHECK(plugin.open_status() == ECKID_E_CREDENTIALS);
  CHECK(plugin.get() == nullptr);
  CHECK(plugin.open_message().find("password") != std::string::npos);
}

TEST_CASE("TLS refusals: wrong client CA, wrong server host name, wrong CA bundle") {
  SECTION("client certificate from another CA") {
    Emulator emulator;
    Plugin plugin(config_text(emulator.url(), "client_certificate = \"" + pki("other-client.pem") +
                                                  "\"\nclient_key = \"" + pki("other-client.key") +
                                                  "\"\n"));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_TLS);
    CHECK(emulator.log_lines().empty());
  }
  SECTION("server certificate for another host name") {
    Emulator emulator({"--cert", pki("wrong-host.pem"), "--key", pki("wrong-host.key")});
    Plugin plugin(config_text(emulator.url()));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_TLS);
    CHECK(std::string(eckid_last_error()).find("TLS") != std::string::npos);
    CHECK(emulator.log_lines().empty());
  }
  SECTION("CA bundle of another CA") {
    Emulator emulator;
    Plugin plugin(config_text(emulator.url(), kP12, pki("other-ca.pem")));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_TLS);
    CHECK(emulator.log_lines().empty());
  }
}

TEST_CASE("ping answered with a fault is ECKID_E_NOT_AUTHORISED with the fault's fields") {
  Emulator emulator({"--allowed-oins", eckid_it::kOtherOin});
  Plugin plugin(config_text(emulator.url()));
  REQUIRE(plugin.open_status() == ECKID_OK);
  CHECK(plugin.ping() == ECKID_E_NOT_AUTHORISED);
  const char *code = nullptr;
  const char *string = nullptr;
  const char *actor = nullptr;
  REQUIRE(eckid_last_fault(&code, &string, &actor) == ECKID_OK);
  CHECK(std::string(code) == "soapenv:Client");
  CHECK(std::string(string).find("not authorised") != std::string::npos);
  CHECK(std::string(actor).empty());
  CHECK(std::string(eckid_last_error()).find("OIN") != std::string::npos);

  // Other operations report the same refusal as a plain SOAP fault.
  eckid_catalog *chains = nullptr;
  CHECK(eckid_retrieve_chains(plugin.get(), eckid_it::kSchoolKey, &chains) == ECKID_E_SOAP_FAULT);
  CHECK(chains == nullptr);
  REQUIRE(eckid_last_fault(&code, nullptr, nullptr) == ECKID_OK);
  CHECK(std::string(code) == "soapenv:Client");

  const auto lines = emulator.log_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].ends_with(" ping 0000000700099ZZ12345 fault:OinNotAllowed"));

  // A later call that ends otherwise clears the fault.
  CHECK(eckid_ping(plugin.get(), "NOPE", nullptr) == ECKID_E_UNKNOWN_SCHOOL);
  CHECK(eckid_last_fault(&code, nullptr, nullptr) == ECKID_E_INVALID_ARGUMENT);
}

TEST_CASE("available = false is ECKID_E_SERVICE_DOWN") {
  Emulator emulator({"--unavailable"});
  Plugin plugin(config_text(emulator.url()));
  REQUIRE(plugin.open_status() == ECKID_OK);
  CHECK(plugin.ping() == ECKID_E_SERVICE_DOWN);
  CHECK(eckid_last_fault(nullptr, nullptr, nullptr) == ECKID_E_INVALID_ARGUMENT);
}

TEST_CASE("each injected transport fault has its own status") {
  SECTION("HTTP 503") {
    Emulator emulator({"--http503-share", "1"});
    Plugin plugin(config_text(emulator.url()));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_HTTP);
    CHECK(std::string(eckid_last_error()).find("503") != std::string::npos);
  }
  SECTION("HTTP 500 without a SOAP fault") {
    Emulator emulator({"--http500-share", "1"});
    Plugin plugin(config_text(emulator.url()));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_HTTP);
  }
  SECTION("dropped connection") {
    Emulator emulator({"--drop-share", "1"});
    Plugin plugin(config_text(emulator.url()));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_CONNECT);
    CHECK(emulator.log_lines().at(0).ends_with(" dropped"));
  }
  SECTION("nothing listening on the port") {
    std::string url;
    {
      Emulator emulator;
      url = emulator.url();
    }  // stopped: the port is free again
    Plugin plugin(config_text(url));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_CONNECT);
  }
}

TEST_CASE("latency above request_timeout_ms is ECKID_E_TIMEOUT within about the timeout") {
  Emulator emulator({"--latency-ms", "4000"});
  Plugin plugin(config_text(emulator.url(), kP12, pki("ca.pem"), "request_timeout_ms = 700\n"));
  REQUIRE(plugin.open_status() == ECKID_OK);
  const auto start = std::chrono::steady_clock::now();
  CHECK(plugin.ping() == ECKID_E_TIMEOUT);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed >= std::chrono::milliseconds(650));
  CHECK(elapsed < std::chrono::milliseconds(2500));
}

TEST_CASE("spoiled answers are refused with a clear status") {
  SECTION("larger than max_response_bytes") {
    Emulator emulator({"--answer-mode", "huge"});
    Plugin plugin(config_text(emulator.url(), kP12, pki("ca.pem"), "max_response_bytes = 65536\n"));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_E_RESPONSE_TOO_LARGE);
  }
  SECTION("a normal answer fits the smallest bound") {
    Emulator emulator;
    Plugin plugin(config_text(emulator.url(), kP12, pki("ca.pem"), "max_response_bytes = 4096\n"));
    REQUIRE(plugin.open_status() == ECKID_OK);
    CHECK(plugin.ping() == ECKID_OK);
  }
  for (const char *mode : {"doctype", "bad-utf8", "malformed"}) {
    DYNAMIC_SECTION("answer mode " << mode) {
      Emulator emulator({"--answer-mode", mode});
      Plugin plugin(config_text(emulator.url()));
      REQUIRE(plugin.open_status() == ECKID_OK);
      CHECK(plugin.ping() == ECKID_E_BAD_RESPONSE);
      eckid_catalog *chains = nullptr;
      CHECK(eckid_retrieve_chains(plugin.get(), eckid_it::kSchoolKey, &chains) ==
            ECKID_E_BAD_RESPONSE);
      CHECK(chains == nullptr);
    }
  }
}

TEST_CASE("a server clock more than 5 minutes off is a warning, not an error") {
  const std::string offset = GENERATE("0", "-120", "900", "-900");
  Emulator emulator({"--clock-offset-s", offset});
  Plugin plugin(config_text(emulator.url()));
  REQUIRE(plugin.open_status() == ECKID_OK);
  const auto before = plugin.warnings().size();
  CHECK(plugin.ping() == ECKID_OK);
  const bool far_off = offset == "900" || offset == "-900";
  const auto &warnings = plugin.warnings();
  REQUIRE(warnings.size() == before + (far_off ? 1 : 0));
  if (far_off) CHECK(warnings.back().find("clock") != std::string::npos);
}
