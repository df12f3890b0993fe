// The C ABI under misuse: nothing throws, nothing aborts, every mistake is a status.
#include <eckid/eckid.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "abi_c11.h"
#include "test_support.hpp"

namespace {
struct Captured {
  std::vector<std::pair<eckid_log_level, std::string>> lines;
};
void capture(eckid_log_level level, const char *message, void *payload) {
  static_cast<Captured *>(payload)->lines.emplace_back(level, message);
}
}  // namespace

TEST_CASE("the C11 translation unit works", "[abi]") {
  CHECK(abi_c11_smoke() == 0);
}

TEST_CASE("version queries", "[abi]") {
  CHECK(eckid_abi_version() == ECKID_ABI_VERSION);
  CHECK(std::string(eckid_version()).find('.') != std::string::npos);
}

TEST_CASE("strerror and last error are never NULL", "[abi]") {
  for (int s = -1; s < 40; ++s) REQUIRE(eckid_strerror(s) != nullptr);
  CHECK(std::string(eckid_strerror(9999)) == "unknown status");
  REQUIRE(eckid_last_error() != nullptr);
  eckid_pgn_validate("123456782", ECKID_PGN_PUPIL, nullptr);
  CHECK(std::string(eckid_last_error()) == "no error");
}

TEST_CASE("every status has a description of its own", "[abi]") {
  const std::string unknown = eckid_strerror(9999);
  std::vector<std::string> seen;
  for (int s = ECKID_OK; s <= ECKID_E_DUPLICATE_PGN; ++s) {
    if (s > ECKID_E_INTERNAL && s < ECKID_E_SOAP_FAULT) continue;  // 12..19 reserved
    INFO("status " << s);
    const std::string text = eckid_strerror(s);
    CHECK(text != unknown);
    CHECK(std::find(seen.begin(), seen.end(), text) == seen.end());
    seen.push_back(text);
  }
  CHECK(std::string(eckid_strerror(12)) == unknown);
}

TEST_CASE("NULL arguments are statuses", "[abi]") {
  eckid_plugin *p = nullptr;
  CHECK(eckid_open(nullptr, "x", nullptr) == ECKID_E_INVALID_ARGUMENT);
  CHECK(eckid_open(&p, nullptr, nullptr) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("config_path is NULL"));
  CHECK(eckid_open(&p, "", nullptr) == ECKID_E_INVALID_ARGUMENT);
  CHECK(eckid_open_options_init(nullptr, ECKID_OPEN_OPTIONS_VERSION) == ECKID_E_INVALID_ARGUMENT);
  CHECK(eckid_pgn_validate(nullptr, ECKID_PGN_PUPIL, nullptr) == ECKID_E_INVALID_ARGUMENT);
  char buf[ECKID_HPGN_BUFFER_SIZE];
  CHECK(eckid_hpgn(nullptr, "123456782", ECKID_PGN_PUPIL, buf, sizeof buf) ==
        ECKID_E_INVALID_HANDLE);
  eckid_free(nullptr);
}

TEST_CASE("wrong struct versions are refused", "[abi]") {
  eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
  CHECK(eckid_open_options_init(&o, 99) == ECKID_E_VERSION);
  o.version = 0;
  eckid_plugin *p = reinterpret_cast<eckid_plugin *>(0x1);
  CHECK(eckid_open(&p, "/nonexistent.toml", &o) == ECKID_E_VERSION);
  CHECK(p == nullptr);
  CHECK_THAT(eckid_last_error(), Catch::Contains("ECKID_OPEN_OPTIONS_INIT"));
}

TEST_CASE("open, use, double close", "[abi]") {
  eckid_test::TempDir dir;
  dir.add_pki();
  const auto path = dir.write("school.toml", eckid_test::minimal_config("colour = 1"));
  Captured log;
  eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
  o.log = capture;
  o.log_payload = &log;
  eckid_plugin *p = nullptr;
  REQUIRE(eckid_open(&p, path.c_str(), &o) == ECKID_OK);
  REQUIRE(p != nullptr);
  // The unknown key reached the host's log as a warning.
  bool warned = false;
  for (const auto &[level, line] : log.lines) {
    warned = warned || (level == ECKID_LOG_WARN && line.find("colour") != std::string::npos);
  }
  CHECK(warned);

  char small[10];
  CHECK(eckid_hpgn(p, "123456782", ECKID_PGN_PUPIL, small, sizeof small) ==
        ECKID_E_BUFFER_TOO_SMALL);
  char buf[ECKID_HPGN_BUFFER_SIZE];
  CHECK(eckid_hpgn(p, "12345678", ECKID_PGN_PUPIL, buf, sizeof buf) == ECKID_E_INVALID_PGN);
  CHECK(eckid_hpgn(p, nullptr, ECKID_PGN_PUPIL, buf, sizeof buf) == ECKID_E_INVALID_ARGUMENT);

  CHECK(eckid_close(p) == ECKID_OK);
  CHECK(eckid_close(p) == ECKID_E_INVALID_HANDLE);
  CHECK(eckid_hpgn(p, "123456782", ECKID_PGN_PUPIL, buf, sizeof buf) == ECKID_E_INVALID_HANDLE);
  CHECK(eckid_close(nullptr) == ECKID_OK);
}

TEST_CASE("a configuration error is reported through open", "[abi]") {
  eckid_test::TempDir dir;
  const auto path = dir.write("bad.toml", "[service]\nenvironment = \"sandbox\"\n");
  eckid_plugin *p = nullptr;
  CHECK(eckid_open(&p, path.c_str(), nullptr) == ECKID_E_CONFIG);
  CHECK(p == nullptr);
  CHECK_THAT(eckid_last_error(), Catch::Contains("bad.toml") && Catch::Contains("salt"));
}
