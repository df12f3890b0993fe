// Every configuration mistake is reported with the file, the key and what is expected.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

using eckid_test::minimal_config;

namespace {
const std::filesystem::path kFile = "/etc/eckid/school.toml";

// The ECKID_E_CONFIG message for text, or "" when it parses.
std::string error_of(const std::string &text) {
  std::vector<std::string> warnings;
  try {
    eckid::parse_config(text, kFile, warnings);
    return "";
  } catch (const eckid::Error &e) {
    CHECK(e.status() == ECKID_E_CONFIG);
    return e.what();
  }
}

std::string replace(std::string text, const std::string &from, const std::string &to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("a minimal configuration parses with defaults", "[config]") {
  std::vector<std::string> warnings;
  const auto c = eckid::parse_config(minimal_config(), kFile, warnings);
  CHECK(warnings.empty());
  CHECK(c.service.environment == eckid::Environment::sandbox);
  CHECK(c.service.endpoint == "https://service-s.ketenid.nl/eck/ws/201703");
  CHECK(c.service.salt.size() == 16);
  CHECK(c.service.client.certificate == "/etc/eckid/client.p12");  // relative to the file
  CHECK(c.service.ca_bundle == "/etc/eckid/ca.pem");
  REQUIRE(c.schools.size() == 1);
  CHECK(c.schools[0].oin == "0000000700099ZZ12345");
  CHECK(c.schools[0].enabled);
  CHECK(c.find_school("99ZZ") == &c.schools[0]);
  CHECK(c.find_school("nope") == nullptr);
}

TEST_CASE("unknown keys are warnings with file and line", "[config]") {
  std::vector<std::string> warnings;
  eckid::parse_config(minimal_config("colour = \"blue\""), kFile, warnings);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::StartsWith("/etc/eckid/school.toml:7:"));
  CHECK_THAT(warnings[0], Catch::Contains("[service] colour: unknown key"));
}

TEST_CASE("a school without 'enabled' is disabled with a warning", "[config]") {
  std::vector<std::string> warnings;
  const auto c =
      eckid::parse_config(replace(minimal_config(), "enabled = true\n", ""), kFile, warnings);
  CHECK_FALSE(c.schools[0].enabled);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("stays disabled"));
}

TEST_CASE("start date decides whether a school is active", "[config]") {
  std::vector<std::string> warnings;
  const auto c =
      eckid::parse_config(minimal_config("", "start_date = 2026-08-01\n"), kFile, warnings);
  const auto &s = c.schools[0];
  CHECK(s.active_on({2026, 8, 1}));
  CHECK_FALSE(s.active_on({2026, 7, 31}));
  CHECK_THAT(error_of(minimal_config("", "start_date = \"2026-08-01\"\n")),
             Catch::Contains("start_date: expected a date without quotes"));
}

TEST_CASE("missing salt refuses to open", "[config]") {
  const std::string e =
      error_of(replace(minimal_config(), "salt = \"rktYml0MIp9TC9u6Ny6uqw==\"\n", ""));
  CHECK_THAT(e, Catch::StartsWith("/etc/eckid/school.toml:"));
  CHECK_THAT(e, Catch::Contains("[service] salt: missing"));
}

TEST_CASE("salt that is not base64", "[config]") {
  const std::string e =
      error_of(replace(minimal_config(), "rktYml0MIp9TC9u6Ny6uqw==", "not base64!"));
  CHECK_THAT(e, Catch::Contains("[service] salt: the salt is not base64"));
  CHECK(e.find("not base64!") == std::string::npos);  // the secret is not echoed
}

TEST_CASE("salt from a file, relative to the configuration", "[config]") {
  eckid_test::TempDir dir;
  dir.write("salt", "rktYml0MIp9TC9u6Ny6uqw==\n");
  const std::string text =
      replace(minimal_config(), "salt = \"rktYml0MIp9TC9u6Ny6uqw==\"", "salt_file = \"salt\"");
  std::vector<std::string> warnings;
  const auto c = eckid::parse_config(text, dir.path() / "c.toml", warnings);
  CHECK(c.service.salt.size() == 16);
  CHECK_THAT(error_of(replace(text, "\"salt\"", "\"/nonexistent/salt\"")),
             Catch::Contains("salt_file: cannot read /nonexistent/salt"));
  CHECK_THAT(error_of(minimal_config("salt_file = \"x\"")),
             Catch::Contains("either salt or salt_file"));
}

TEST_CASE("OIN must have 20 characters", "[config]") {
  const std::string e = error_of(replace(minimal_config(), "0000000700099ZZ12345", "00000007000"));
  CHECK_THAT(e, Catch::Contains("[[school]] '99ZZ' oin: '00000007000' has 11 characters"));
}

TEST_CASE("OIN is digits and upper-case letters, lower case gets an upper-case hint", "[config]") {
  CHECK(error_of(replace(minimal_config(), "0000000700099ZZ12345", "0000000700099zz12345")) ==
        "/etc/eckid/school.toml:10: [[school]] '99ZZ' oin: '0000000700099zz12345' has lower-case "
        "letters; an OIN is digits and upper-case letters: write it in upper case, "
        "'0000000700099ZZ12345'");
  CHECK_THAT(error_of(replace(minimal_config(), "0000000700099ZZ12345", "0000000700099-Z12345")),
             Catch::Contains("oin: '0000000700099-Z12345' has '-' at position 14; an OIN has only "
                             "digits 0-9 and upper-case letters A-Z"));
  CHECK_THAT(error_of(replace(minimal_config(), "0000000700099ZZ12345", "0000000700099 Z12345")),
             Catch::Contains("has a space or control character at position 14"));
}

TEST_CASE("sector and chain ids are purl.edustandaard.nl begrippenkader URIs", "[config]") {
  const std::string sector = eckid_test::test_sector();
  const std::string https = replace(sector, "http://", "https://");
  CHECK_THAT(error_of(replace(minimal_config(), sector, https)),
             Catch::Contains("sector: '" + https + "' is not of the form") &&
                 Catch::Contains("use http://, not https://"));
  CHECK_THAT(error_of(replace(minimal_config(), sector, "PO")),
             Catch::Contains("sector: 'PO' is not of the form"));
  const std::string chain = eckid_test::test_chain();
  CHECK_THAT(error_of(replace(minimal_config(), chain, chain + "x")), Catch::Contains("chains: '"));
  CHECK_THAT(error_of(replace(minimal_config(), "[\"" + chain + "\"]", "[]")),
             Catch::Contains("chains: expected a non-empty list"));
}

TEST_CASE("two schools with the same key", "[config]") {
  std::string school = minimal_config().substr(minimal_config().find("[[school]]"));
  CHECK_THAT(error_of(minimal_config() + school),
             Catch::Contains("two schools have the key '99ZZ'"));
}

TEST_CASE("service table problems", "[config]") {
  CHECK_THAT(error_of("[[school]]\nkey = \"x\"\n"), Catch::Contains("[service]: missing table"));
  CHECK_THAT(error_of(replace(minimal_config(), "\"sandbox\"", "\"test\"")),
             Catch::Contains("environment: 'test' is not one of"));
  CHECK_THAT(error_of(minimal_config("endpoint = \"http://127.0.0.1/eck\"")),
             Catch::Contains("endpoint: expected an https:// URL"));
  CHECK_THAT(error_of(replace(minimal_config(), "ca_bundle = \"ca.pem\"\n", "")),
             Catch::Contains("ca_bundle: missing"));
  CHECK_THAT(error_of(replace(minimal_config(), "client_certificate = \"client.p12\"\n", "")),
             Catch::Contains("client_certificate: missing"));
  CHECK_THAT(error_of(minimal_config("request_timeout_ms = 5")),
             Catch::Contains("request_timeout_ms: expected a whole number of milliseconds"));
  CHECK_THAT(error_of(minimal_config("key_password_env = \"B\"")),
             Catch::Contains("either key_password_file or key_password_env"));
  CHECK_THAT(error_of("[service\n"), Catch::Contains(":1: not valid TOML"));
}

TEST_CASE("no schools", "[config]") {
  const std::string text = minimal_config().substr(0, minimal_config().find("[[school]]"));
  CHECK_THAT(error_of(text), Catch::Contains("at least one [[school]]"));
}

TEST_CASE("an unreadable file names the path", "[config]") {
  std::vector<std::string> warnings;
  CHECK_THROWS_WITH(eckid::load_config("/nonexistent/eckid.toml", warnings),
                    Catch::Contains("/nonexistent/eckid.toml: cannot read"));
}

TEST_CASE("[hash] engine and memory budget", "[config][hash]") {
  std::vector<std::string> warnings;
  const auto defaults = eckid::parse_config(minimal_config(), kFile, warnings);
  CHECK(defaults.hash.engine == eckid::HashConfig::Engine::fast);
  CHECK(defaults.hash.memory_budget_mib == 512);
  const auto reference = eckid::parse_config(
      minimal_config("", "[hash]\nengine = \"openssl\"\nmemory_budget_mib = 128\n"), kFile,
      warnings);
  CHECK(reference.hash.engine == eckid::HashConfig::Engine::openssl);
  CHECK(reference.hash.memory_budget_mib == 128);
  CHECK(warnings.empty());
  CHECK_THAT(error_of(minimal_config("", "[hash]\nengine = \"turbo\"\n")),
             Catch::Contains("[hash] engine: expected \"fast\" or \"openssl\""));
  // Below one scrypt lane (128*r*N bytes = 128 MiB) nothing can be hashed: refused at open.
  CHECK_THAT(error_of(minimal_config("", "[hash]\nmemory_budget_mib = 127\n")),
             Catch::Contains("[hash] memory_budget_mib: expected") && Catch::Contains("from 128"));
}

TEST_CASE("[state] on PostgreSQL: url, schema and where the password comes from",
          "[config][state]") {
  std::vector<std::string> warnings;
  const auto sqlite = eckid::parse_config(minimal_config(), kFile, warnings);
  CHECK(sqlite.state.url.empty());
  CHECK(sqlite.state.directory == "/etc/eckid/state");
  const auto pg = eckid::parse_config(
      minimal_config("",
                     "[state]\nurl = \"postgresql://eckid@db:5432/sis\"\nschema = "
                     "\"eckid_2\"\npassword_file = \"pg.pass\"\n"),
      kFile, warnings);
  CHECK(warnings.empty());
  CHECK(pg.state.url == "postgresql://eckid@db:5432/sis");
  CHECK(pg.state.schema == "eckid_2");
  CHECK(pg.state.password_file == "/etc/eckid/pg.pass");  // relative to the file
  CHECK(eckid::parse_config(minimal_config("", "[state]\nurl = \"host=db\"\n"), kFile, warnings)
            .state.schema == "eckid");
  for (const char *bad : {"\"Eckid\"", "\"1st\"", "\"a-b\"", "\"\""}) {
    INFO(bad);
    CHECK_THAT(error_of(minimal_config(
                   "", "[state]\nurl = \"host=db\"\nschema = " + std::string(bad) + "\n")),
               Catch::Contains("[state] schema: expected a PostgreSQL schema name"));
  }
  CHECK_THAT(error_of(minimal_config("",
                                     "[state]\nurl = \"host=db\"\npassword_file = "
                                     "\"p\"\npassword_env = \"P\"\n")),
             Catch::Contains("[state] password_env: set either password_file or password_env"));
  // Keys that mean something only with PostgreSQL are not silently ignored with SQLite.
  CHECK_THAT(error_of(minimal_config("", "[state]\nschema = \"eckid\"\n")),
             Catch::Contains("[state] schema: only for PostgreSQL: set [state] url too"));
}

TEST_CASE("[onboarding] batch size and polling policy", "[config][onboarding]") {
  std::vector<std::string> warnings;
  const auto defaults = eckid::parse_config(minimal_config(), kFile, warnings);
  CHECK(defaults.onboarding.batch_size == 1000);
  CHECK(defaults.onboarding.poll_delay_ms == 30'000);
  CHECK(defaults.onboarding.max_polls == 40);
  const auto set = eckid::parse_config(
      minimal_config("",
                     "[onboarding]\nbatch_size = 250\npoll_delay_ms = 500\nmax_polls = 3\n"
                     "hash_workers = 2\nblocked_delay_ms = 100\nblocked_delay_max_ms = 800\n"
                     "max_blocked = 2\n"),
      kFile, warnings);
  CHECK(warnings.empty());
  CHECK(set.onboarding.batch_size == 250);
  CHECK(set.onboarding.poll_delay_ms == 500);
  CHECK(set.onboarding.max_polls == 3);
  CHECK(set.onboarding.hash_workers == 2);
  CHECK(set.onboarding.blocked_delay_ms == 100);
  CHECK(set.onboarding.blocked_delay_max_ms == 800);
  CHECK(set.onboarding.max_blocked == 2);
  CHECK_THAT(error_of(minimal_config("", "[onboarding]\nbatch_size = 0\n")),
             Catch::Contains("[onboarding] batch_size: expected"));
  eckid::parse_config(minimal_config("", "[onboarding]\nbatchsize = 5\n"), kFile, warnings);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("[onboarding] batchsize: unknown key"));
}

TEST_CASE("a salt file larger than a salt is refused without reading it all", "[config]") {
  // /dev/zero never ends: read whole, it would hang and fill memory.
  const std::string text =
      replace(minimal_config(), "salt = \"rktYml0MIp9TC9u6Ny6uqw==\"", "salt_file = \"/dev/zero\"");
  CHECK_THAT(error_of(text), Catch::Contains("[service] salt_file: /dev/zero is larger than 4096 "
                                             "bytes"));
}

TEST_CASE("every problem of a configuration is reported at once, with line and key", "[config]") {
  std::string text = replace(minimal_config(), "\"sandbox\"", "\"test\"");  // line 2
  text = replace(text, "0000000700099ZZ12345", "00000007000");              // line 10
  text = replace(text, "chains = [", "chainz = [");  // line 12; [[school]] is line 8
  const auto source = eckid::ConfigSource::of_text(kFile, text);
  const eckid::ConfigReading reading = eckid::read_config(source);
  CHECK_FALSE(reading.usable());
  std::vector<std::string> errors;
  for (const auto &p : reading.problems) {
    CHECK(p.file == kFile.string());
    const bool error = p.severity == eckid::ConfigProblem::Severity::error;
    errors.push_back(p.key + "@" + std::to_string(p.line) + (error ? "" : " w"));
  }
  CHECK(errors == std::vector<std::string>{"service.environment@2", "school[0].oin@10",
                                           "school[0].chains@8", "school[0].chainz@12 w"});
  // The school with an error is not listed; load_config names the first and counts the rest.
  CHECK(reading.config.schools.empty());
  CHECK_THAT(error_of(text), Catch::StartsWith("/etc/eckid/school.toml:2: [service] environment: "
                                               "'test' is not one of") &&
                                 Catch::EndsWith("(and 2 more problem(s): `eckid doctor` lists "
                                                 "them all)"));
}

TEST_CASE("a host's schools and defaults are read as if the file held them", "[config]") {
  const std::string service_only = minimal_config().substr(0, minimal_config().find("[[school]]"));
  eckid::SchoolSettings good{"01AB",
                             "0000000700001AB00000",
                             eckid_test::test_sector(),
                             {eckid_test::test_chain()},
                             true,
                             "2026-08-01"};
  eckid::SchoolSettings bad{"02CD", "0000000700002cd00000", "PO", {}, false, "1 August"};
  eckid::ConfigSource source{.path = kFile,
                             .text = service_only + "[outbox]\nshutdown_wait_ms = 2000\n",
                             .defaults = "[outbox]\ndeadline_ms = 5000\nshutdown_wait_ms = 1000\n",
                             .schools = {good, bad}};
  const eckid::ConfigReading reading = eckid::read_config(source);
  // The defaults fill what the file does not set; the file's own value wins.
  CHECK(reading.config.outbox.deadline_ms == 5000);
  CHECK(reading.config.outbox.shutdown_wait_ms == 2000);
  REQUIRE(reading.config.schools.size() == 1);
  const eckid::SchoolConfig &school = reading.config.schools[0];
  CHECK(school.key == "01AB");
  CHECK(school.enabled);
  CHECK(school.start_date == eckid::Date{2026, 8, 1});
  std::vector<std::string> keys;
  for (const auto &p : reading.problems) {
    CHECK(p.file == "host settings");
    CHECK(p.line == 0);
    keys.push_back(p.key);
  }
  CHECK(keys == std::vector<std::string>{"school[1].oin", "school[1].sector", "school[1].chains",
                                         "school[1].start_date"});
  CHECK_THAT(reading.problems[0].message, Catch::Contains("write it in upper case"));
  CHECK_THAT(reading.problems[3].message,
             Catch::Contains("start_date: expected a date that exists, written YYYY-MM-DD"));
  // Defaults that are no TOML are reported as the host's.
  source.defaults = "[outbox\n";
  const eckid::ConfigReading broken = eckid::read_config(source);
  REQUIRE(broken.problems.size() == 1);
  CHECK(broken.problems[0].file == "host defaults");
  CHECK_THAT(broken.problems[0].message, Catch::StartsWith("not valid TOML"));
}
