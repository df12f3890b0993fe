// The C ABI under misuse: nothing throws, nothing aborts, every mistake is a status.
#include <eckid/eckid.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
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
  // The number says what the string says: MAJOR.MINOR.PATCH as MAJOR << 16 | MINOR << 8 | PATCH.
  unsigned long major = 0, minor = 0, patch = 0;
  REQUIRE(std::sscanf(eckid_version(), "%lu.%lu.%lu", &major, &minor, &patch) == 3);
  CHECK(eckid_version_number() == (major << 16 | minor << 8 | patch));
  const unsigned long long all = ECKID_FEATURE_ONBOARD | ECKID_FEATURE_FORGET |
                                 ECKID_FEATURE_STATUS_NAME | ECKID_FEATURE_CONFIG_SOURCE;
  CHECK(eckid_features() == all);
}

TEST_CASE("strerror and last error are never NULL", "[abi]") {
  for (int s = -1; s < 40; ++s) REQUIRE(eckid_strerror(static_cast<eckid_status>(s)) != nullptr);
  CHECK(std::string(eckid_strerror(static_cast<eckid_status>(9999))) == "unknown status");
  REQUIRE(eckid_last_error() != nullptr);
  eckid_pgn_validate("123456782", ECKID_PGN_PUPIL, nullptr);
  CHECK(std::string(eckid_last_error()) == "no error");
}

TEST_CASE("every status has a description of its own", "[abi]") {
  const std::string unknown = eckid_strerror(static_cast<eckid_status>(9999));
  std::vector<std::string> seen;
  for (int s = ECKID_OK; s <= ECKID_E_DUPLICATE_PGN; ++s) {
    if (s > ECKID_E_INTERNAL && s < ECKID_E_SOAP_FAULT) continue;  // 12..19 reserved
    INFO("status " << s);
    const std::string text = eckid_strerror(static_cast<eckid_status>(s));
    CHECK(text != unknown);
    CHECK(std::find(seen.begin(), seen.end(), text) == seen.end());
    seen.push_back(text);
  }
  CHECK(std::string(eckid_strerror(static_cast<eckid_status>(12))) == unknown);
}

TEST_CASE("every status constant of eckid.h is named by its lowercased suffix", "[abi]") {
  // Expected names from the header's text, not from the plugin's table.
  std::ifstream in(ECKID_HEADER_PATH);
  std::stringstream text;
  text << in.rdbuf();
  const std::string header = text.str();
  const auto begin = header.find("typedef enum eckid_status {");
  const auto end = header.find("} eckid_status;", begin);
  REQUIRE(end != std::string::npos);
  const std::string block = header.substr(begin, end - begin);
  static const std::regex constant(R"(\bECKID_(?:E_)?([A-Z0-9_]+)\s*=\s*([0-9]+))");
  std::map<int, std::string> expected;
  for (auto it = std::sregex_iterator(block.begin(), block.end(), constant);
       it != std::sregex_iterator(); ++it) {
    std::string name = (*it)[1];
    for (char &c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    expected.emplace(std::stoi((*it)[2]), name);
  }
  REQUIRE(expected.size() >= 27);
  std::set<std::string> seen;
  for (const auto &[value, name] : expected) {
    INFO("status " << value);
    CHECK(std::string(abi_c11_status_name(value)) == name);
    CHECK(seen.insert(name).second);
  }
  CHECK(std::string(eckid_status_name(ECKID_E_INVALID_PGN)) == "invalid_pgn");
  for (int unknown : {-1, 12, 19, 35, 9999}) {
    CHECK(std::string(abi_c11_status_name(unknown)) == "unknown");
  }
}

TEST_CASE("NULL arguments are statuses", "[abi]") {
  eckid_plugin *p = nullptr;
  CHECK(eckid_open("x", nullptr, nullptr) == ECKID_E_INVALID_ARGUMENT);
  CHECK(eckid_open(nullptr, nullptr, &p) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("config_path is NULL"));
  CHECK(eckid_open("", nullptr, &p) == ECKID_E_INVALID_ARGUMENT);
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
  CHECK(eckid_open("/nonexistent.toml", &o, &p) == ECKID_E_VERSION);
  CHECK(p == nullptr);
  CHECK_THAT(eckid_last_error(), Catch::Contains("ECKID_OPEN_OPTIONS_INIT"));
}

TEST_CASE("an older host's version 1 open options are read only as far as version 1 goes",
          "[abi]") {
  eckid_open_options o;
  std::memset(&o, 0xab, sizeof o);
  REQUIRE(eckid_open_options_init(&o, 1) == ECKID_OK);
  CHECK(o.version == 1u);
  CHECK(o.log_level == ECKID_LOG_INFO);
  const auto *bytes = reinterpret_cast<const unsigned char *>(&o);
  const std::size_t v1 = offsetof(eckid_open_options, delivery);
  CHECK(std::all_of(bytes + v1, bytes + sizeof o, [](unsigned char b) { return b == 0xab; }));

  // The bytes after a version 1 struct are not the caller's fields: 0xff there would be an
  // invalid delivery if they were read.
  eckid_test::TempDir dir;
  dir.add_pki();
  const auto path = dir.write("school.toml", eckid_test::minimal_config());
  std::memset(&o, 0xff, sizeof o);
  eckid_open_options old = ECKID_OPEN_OPTIONS_INIT;
  old.version = 1;
  std::memcpy(&o, &old, v1);
  eckid_plugin *p = nullptr;
  REQUIRE(eckid_open(path.c_str(), &o, &p) == ECKID_OK);
  CHECK(eckid_close(p) == ECKID_OK);
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
  REQUIRE(eckid_open(path.c_str(), &o, &p) == ECKID_OK);
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
  CHECK(eckid_open(path.c_str(), nullptr, &p) == ECKID_E_CONFIG);
  CHECK(p == nullptr);
  CHECK_THAT(eckid_last_error(), Catch::Contains("bad.toml") && Catch::Contains("salt"));
}

namespace {
// A plugin opened on the minimal configuration (school "99ZZ"); closed at the end.
struct Opened {
  eckid_test::TempDir dir;
  std::string path;
  eckid_plugin *plugin = nullptr;
  Opened() {
    dir.add_pki();
    path = dir.write("school.toml", eckid_test::minimal_config()).string();
    REQUIRE(eckid_open(path.c_str(), nullptr, &plugin) == ECKID_OK);
  }
  ~Opened() { eckid_close(plugin); }
};
}  // namespace

TEST_CASE("a closed handle never reaches a handle opened after it", "[abi]") {
  Opened first;
  eckid_plugin *a = first.plugin;
  REQUIRE(eckid_close(a) == ECKID_OK);
  first.plugin = nullptr;
  eckid_plugin *b = nullptr;
  REQUIRE(eckid_open(first.path.c_str(), nullptr, &b) == ECKID_OK);
  CHECK(b != a);  // handles are never reused, even where memory is
  CHECK(eckid_close(a) == ECKID_E_INVALID_HANDLE);
  eckid_result *r = nullptr;
  CHECK(eckid_pupil_lookup(b, "99ZZ", "nobody", &r) == ECKID_E_NOT_FOUND);  // b still open
  CHECK(eckid_close(b) == ECKID_OK);
}

TEST_CASE("enum values out of range from C are refused, naming the field", "[abi]") {
  Opened o;
  CHECK(abi_c11_open_enums(o.path.c_str(), 17, ECKID_DELIVERY_SYNC) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("log_level is 17"));
  CHECK(abi_c11_open_enums(o.path.c_str(), ECKID_LOG_INFO, 5) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("delivery is 5"));
  CHECK(abi_c11_validate_kind(9) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("kind is 9"));
  CHECK(abi_c11_hpgn_kind(o.plugin, 9) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("kind is 9"));
  CHECK(abi_c11_created_kind(o.plugin, "99ZZ", 9) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("eckid_pupil_created_event.kind is 9"));
  int status = ECKID_OK;
  CHECK(abi_c11_onboard_kind(o.plugin, "99ZZ", 5, &status) == ECKID_OK);
  CHECK(status == ECKID_E_INVALID_ARGUMENT);
}

TEST_CASE("an absurd onboarding count is refused before any pupil is read", "[abi]") {
  Opened o;
  const eckid_onboard_pupil one = {ECKID_ONBOARD_PUPIL_VERSION, "p-1", "123456782",
                                   ECKID_PGN_PUPIL};
  const eckid_onboard_pupil *const list[] = {&one};
  eckid_onboard_receipts *r = nullptr;
  REQUIRE(eckid_onboard(o.plugin, "99ZZ", list, SIZE_MAX / sizeof list[0], &r) ==
          ECKID_E_INVALID_ARGUMENT);
  CHECK(r == nullptr);
  CHECK_THAT(eckid_last_error(), Catch::Contains("ECKID_MAX_ONBOARD_PUPILS (100000)"));
  CHECK(eckid_onboard(o.plugin, "99ZZ", list, ECKID_MAX_ONBOARD_PUPILS + 1, &r) ==
        ECKID_E_INVALID_ARGUMENT);
}

TEST_CASE("a NULL pupil in an onboarding list is refused at its position", "[abi]") {
  Opened o;
  const eckid_onboard_pupil *const list[] = {nullptr};
  eckid_onboard_receipts *r = nullptr;
  REQUIRE(eckid_onboard(o.plugin, "99ZZ", list, 1, &r) == ECKID_OK);
  REQUIRE(r->count == 1);
  CHECK(r->refused == 1);
  CHECK(r->receipts[0]->event_id == 0);
  CHECK(r->receipts[0]->status == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(r->receipts[0]->message, Catch::Contains("pupils[0] is NULL"));
  eckid_free(r);
}

TEST_CASE("every string the ABI accepts is bounded, and the error names field and limit", "[abi]") {
  Opened o;
  // Issue 13: a regex date reader recursed once per digit of this and overflowed the stack.
  const std::string long_date = "2026-01-01T00:00:00." + std::string(40000, '7');
  const std::string long_key(ECKID_MAX_KEY_BYTES + 1, 'k');
  const std::string long_pgn(ECKID_MAX_PGN_BYTES + 1, '1');
  eckid_result *r = nullptr;

  eckid_pgn_changed_event changed = ECKID_PGN_CHANGED_EVENT_INIT;
  changed.school_key = "99ZZ";
  changed.pupil_key = "p-1";
  changed.old_pgn = "123456782";
  changed.new_pgn = "111222333";
  changed.effective_date = long_date.c_str();
  CHECK(eckid_pgn_changed(o.plugin, &changed, &r) == ECKID_E_INVALID_ARGUMENT);
  CHECK(r == nullptr);
  CHECK_THAT(eckid_last_error(),
             Catch::Contains("effective_date is longer than ECKID_MAX_DATE_BYTES (64 bytes)"));
  changed.effective_date = nullptr;
  changed.new_pgn = long_pgn.c_str();
  CHECK(eckid_pgn_changed(o.plugin, &changed, &r) == ECKID_E_INVALID_PGN);
  CHECK_THAT(eckid_last_error(),
             Catch::Contains("new_pgn is longer than ECKID_MAX_PGN_BYTES (259 bytes)"));
  CHECK(std::string(eckid_last_error()).find(long_pgn.substr(0, 9)) == std::string::npos);

  eckid_pupil_created_event created = ECKID_PUPIL_CREATED_EVENT_INIT;
  created.school_key = "99ZZ";
  created.pupil_key = "p-1";
  created.pgn = "123456782";
  created.enrolment_date = long_date.c_str();
  CHECK(eckid_pupil_created(o.plugin, &created, &r) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("enrolment_date is longer than"));
  created.enrolment_date = nullptr;
  created.pupil_key = long_key.c_str();
  CHECK(eckid_pupil_created(o.plugin, &created, &r) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(),
             Catch::Contains("pupil_key is longer than ECKID_MAX_KEY_BYTES (256 bytes)"));
  CHECK(eckid_pupil_lookup(o.plugin, long_key.c_str(), "p-1", &r) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("school_key is longer than"));

  CHECK(eckid_pgn_validate(long_pgn.c_str(), ECKID_PGN_STAFF, nullptr) == ECKID_E_INVALID_PGN);
  CHECK_THAT(eckid_last_error(), Catch::Contains("pgn is longer than ECKID_MAX_PGN_BYTES"));

  const eckid_onboard_pupil pupil = {ECKID_ONBOARD_PUPIL_VERSION, long_key.c_str(), "123456782",
                                     ECKID_PGN_PUPIL};
  const eckid_onboard_pupil *const list[] = {&pupil};
  eckid_onboard_receipts *receipts = nullptr;
  REQUIRE(eckid_onboard(o.plugin, "99ZZ", list, 1, &receipts) == ECKID_OK);
  CHECK(receipts->receipts[0]->status == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(receipts->receipts[0]->message, Catch::Contains("pupils[0].pupil_key is longer"));
  eckid_free(receipts);

  eckid_plugin *p = nullptr;
  const std::string long_path = "/" + std::string(ECKID_MAX_PATH_BYTES, 'd');
  CHECK(eckid_open(long_path.c_str(), nullptr, &p) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(),
             Catch::Contains("config_path is longer than ECKID_MAX_PATH_BYTES (4096 bytes)"));
  // A configuration file one byte over the limit: a valid one padded with a comment.
  std::string text = eckid_test::minimal_config() + "#";
  text.resize(ECKID_MAX_CONFIG_BYTES + 1, 'x');
  const auto big = o.dir.write("big.toml", text);
  CHECK(eckid_open(big.c_str(), nullptr, &p) == ECKID_E_CONFIG);
  CHECK_THAT(eckid_last_error(), Catch::Contains("ECKID_MAX_CONFIG_BYTES (1048576 bytes)"));
  CHECK(p == nullptr);
}

TEST_CASE("every versioned struct refuses version 0 and a newer one, naming its _INIT macro",
          "[abi]") {
  Opened o;
  eckid_result *r = nullptr;
  const auto refused = [](eckid_status s, const std::string &name, unsigned version,
                          const char *init) {
    CHECK(s == ECKID_E_VERSION);
    CHECK_THAT(
        eckid_last_error(),
        Catch::Contains(name + ".version is " + std::to_string(version)) && Catch::Contains(init));
  };
  for (unsigned newer : {0u, 1u}) {  // 0: not set; else the current version + 1
    unsigned v = newer * (ECKID_OPEN_OPTIONS_VERSION + 1);
    eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
    options.version = v;
    eckid_plugin *p = nullptr;
    refused(eckid_open(o.path.c_str(), &options, &p), "eckid_open_options", v,
            "ECKID_OPEN_OPTIONS_INIT");

    v = newer * (ECKID_PUPIL_CREATED_EVENT_VERSION + 1);
    eckid_pupil_created_event created = ECKID_PUPIL_CREATED_EVENT_INIT;
    created.version = v;
    refused(eckid_pupil_created(o.plugin, &created, &r), "eckid_pupil_created_event", v,
            "ECKID_PUPIL_CREATED_EVENT_INIT");

    v = newer * (ECKID_PUPIL_TRANSFERRED_EVENT_VERSION + 1);
    eckid_pupil_transferred_event moved = ECKID_PUPIL_TRANSFERRED_EVENT_INIT;
    moved.version = v;
    refused(eckid_pupil_transferred(o.plugin, &moved, &r), "eckid_pupil_transferred_event", v,
            "ECKID_PUPIL_TRANSFERRED_EVENT_INIT");

    v = newer * (ECKID_PGN_CHANGED_EVENT_VERSION + 1);
    eckid_pgn_changed_event changed = ECKID_PGN_CHANGED_EVENT_INIT;
    changed.version = v;
    refused(eckid_pgn_changed(o.plugin, &changed, &r), "eckid_pgn_changed_event", v,
            "ECKID_PGN_CHANGED_EVENT_INIT");

    // Out-structs: nothing is written into a struct of a version this library does not know.
    v = newer * (ECKID_QUEUE_INFO_VERSION + 1);
    eckid_queue_info queue = ECKID_QUEUE_INFO_INIT;
    queue.version = v;
    queue.queued = 77;
    refused(eckid_queue_status(o.plugin, &queue), "eckid_queue_info", v, "ECKID_QUEUE_INFO_INIT");
    CHECK(queue.queued == 77u);

    v = newer * (ECKID_ONBOARD_INFO_VERSION + 1);
    eckid_onboard_info onboard = ECKID_ONBOARD_INFO_INIT;
    onboard.version = v;
    onboard.waiting = 77;
    refused(eckid_onboard_status(o.plugin, "99ZZ", &onboard), "eckid_onboard_info", v,
            "ECKID_ONBOARD_INFO_INIT");
    CHECK(onboard.waiting == 77u);

    // An onboarding list's pupil: refused at its position, not the whole call.
    v = newer * (ECKID_ONBOARD_PUPIL_VERSION + 1);
    eckid_onboard_pupil pupil = ECKID_ONBOARD_PUPIL_INIT;
    pupil.version = v;
    pupil.pupil_key = "p-1";
    pupil.pgn = "123456782";
    const eckid_onboard_pupil *const list[] = {&pupil};
    eckid_onboard_receipts *receipts = nullptr;
    REQUIRE(eckid_onboard(o.plugin, "99ZZ", list, 1, &receipts) == ECKID_OK);
    CHECK(receipts->refused == 1);
    CHECK(receipts->receipts[0]->status == ECKID_E_VERSION);
    CHECK_THAT(receipts->receipts[0]->message,
               Catch::Contains("eckid_onboard_pupil.version is " + std::to_string(v)) &&
                   Catch::Contains("ECKID_ONBOARD_PUPIL_INIT"));
    eckid_free(receipts);
  }
  CHECK(r == nullptr);
  eckid_queue_info queue = ECKID_QUEUE_INFO_INIT;
  queue.queued = 77;
  REQUIRE(eckid_queue_status(o.plugin, &queue) == ECKID_OK);
  CHECK(queue.queued == 0u);
  CHECK(queue.due == 0u);
  CHECK(queue.next_due_in_ms == -1);  // nothing waits
  CHECK(queue.version == ECKID_QUEUE_INFO_VERSION);
}

TEST_CASE("an older host's version 1 queue info is filled only as far as version 1 goes", "[abi]") {
  Opened o;
  eckid_queue_info queue;
  std::memset(&queue, 0xab, sizeof queue);
  queue.version = 1;
  REQUIRE(eckid_queue_status(o.plugin, &queue) == ECKID_OK);
  CHECK(queue.version == 1u);
  CHECK(queue.queued == 0u);
  CHECK(queue.service_paused == 0);
  // The bytes after a version 1 struct (from `due` on) are not the caller's: left alone.
  const auto *bytes = reinterpret_cast<const unsigned char *>(&queue);
  CHECK(std::all_of(bytes + offsetof(eckid_queue_info, due), bytes + sizeof queue,
                    [](unsigned char b) { return b == 0xab; }));
}

namespace {
// A school as a host passes it: the minimal configuration's school, under another key.
struct HostSchool {
  std::string key, oin = "0000000700099ZZ12345", sector = eckid_test::test_sector(),
                   chain = eckid_test::test_chain(), start_date;
  const char *chains[1] = {nullptr};
  eckid_school_settings settings = ECKID_SCHOOL_SETTINGS_INIT;
  explicit HostSchool(std::string k) : key(std::move(k)) {}
  const eckid_school_settings *get() {
    chains[0] = chain.c_str();
    settings.key = key.c_str();
    settings.oin = oin.c_str();
    settings.sector = sector.c_str();
    settings.chains = chains;
    settings.chain_count = 1;
    settings.enabled = 1;
    settings.start_date = start_date.c_str();
    return &settings;
  }
};
using Report = std::unique_ptr<eckid_check_report, decltype(&eckid_free)>;
}  // namespace

TEST_CASE("eckid_check lists every problem with file, line and key, and the schools", "[abi]") {
  eckid_test::TempDir dir;
  dir.add_pki();
  // Line 2: an environment that does not exist; line 12 (chains) a chain of the wrong form.
  std::string text = eckid_test::minimal_config();
  text.replace(text.find("\"sandbox\""), 9, "\"nowhere\"");
  text.replace(text.find("chains = [\"") + 11, 4, "https");
  const auto path = dir.write("school.toml", text);
  HostSchool good("01AB"), bad("02CD");
  bad.oin = "short";
  bad.start_date = "2026-02-30";
  const eckid_school_settings *schools[] = {good.get(), bad.get()};
  eckid_config_source source = ECKID_CONFIG_SOURCE_INIT;
  source.path = path.c_str();
  source.schools = schools;
  source.school_count = 2;
  eckid_check_report *raw = nullptr;
  REQUIRE(eckid_check(&source, &raw) == ECKID_OK);
  const Report report(raw, &eckid_free);
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < report->finding_count; ++i) {
    const eckid_check_finding &f = *report->findings[i];
    if (f.verdict != ECKID_VERDICT_FAIL) continue;
    seen.push_back(std::string(f.check) + " " + f.file + ":" + std::to_string(f.line) + " " +
                   f.key);
  }
  const std::string file = path.string();
  CHECK(seen == std::vector<std::string>{"config " + file + ":2 service.environment",
                                         "config " + file + ":12 school[0].chains",
                                         "config host settings:0 school[2].oin",
                                         "config host settings:0 school[2].start_date"});
  CHECK(report->failures == 4);
  // The certificate and the salt were checked too (the salt is the sandbox's, but the
  // environment is unknown: only its length is judged).
  std::set<std::string> checks;
  for (std::size_t i = 0; i < report->finding_count; ++i) checks.insert(report->findings[i]->check);
  CHECK(checks.count("certificate key") == 1);
  CHECK(checks.count("salt") == 1);
  // Only the schools that read well are listed: the host's good one.
  REQUIRE(report->school_count == 1);
  CHECK(std::string(report->schools[0]->key) == "01AB");
  CHECK(report->schools[0]->chain_count == 1);
  CHECK(report->schools[0]->active == 1);
}

TEST_CASE("eckid_check and eckid_open_source refuse bad arguments before reading anything",
          "[abi]") {
  eckid_check_report *report = nullptr;
  eckid_plugin *p = nullptr;
  CHECK(eckid_check(nullptr, &report) == ECKID_E_INVALID_ARGUMENT);
  eckid_config_source source = ECKID_CONFIG_SOURCE_INIT;
  CHECK(eckid_check(&source, &report) == ECKID_E_INVALID_ARGUMENT);  // no path
  CHECK_THAT(eckid_last_error(), Catch::Contains("source.path is NULL"));
  source.path = "/nonexistent/eckid.toml";
  CHECK(eckid_check(&source, nullptr) == ECKID_E_INVALID_ARGUMENT);
  HostSchool school("01AB");
  const eckid_school_settings *schools[] = {school.get()};
  source.schools = schools;
  source.school_count = 1;
  school.settings.enabled = 2;
  CHECK(eckid_open_source(&source, nullptr, &p) == ECKID_E_INVALID_ARGUMENT);
  CHECK_THAT(eckid_last_error(), Catch::Contains("source.schools[0].enabled is 2"));
  school.settings.enabled = 1;
  school.settings.version = 0;
  CHECK(eckid_check(&source, &report) == ECKID_E_VERSION);
  CHECK_THAT(eckid_last_error(), Catch::Contains("ECKID_SCHOOL_SETTINGS_INIT"));
  CHECK(report == nullptr);
  CHECK(p == nullptr);
  // A file that cannot be read is a finding, not an error of the call.
  school.settings.version = ECKID_SCHOOL_SETTINGS_VERSION;
  REQUIRE(eckid_check(&source, &report) == ECKID_OK);
  const Report r(report, &eckid_free);
  REQUIRE(r->finding_count == 1);
  CHECK(r->failures == 1);
  CHECK_THAT(r->findings[0]->message, Catch::Contains("cannot read the configuration file"));
}

TEST_CASE("eckid_open_source opens a service file with a host's school and defaults", "[abi]") {
  eckid_test::TempDir dir;
  dir.add_pki();
  const std::string full = eckid_test::minimal_config();
  const auto path = dir.write("service.toml", full.substr(0, full.find("[[school]]")));
  HostSchool school("01AB");
  const eckid_school_settings *schools[] = {school.get()};
  eckid_config_source source = ECKID_CONFIG_SOURCE_INIT;
  source.path = path.c_str();
  source.defaults = "[outbox]\nworkers = 200\n";  // out of range: proves defaults are read
  source.schools = schools;
  source.school_count = 1;
  eckid_plugin *p = nullptr;
  CHECK(eckid_open_source(&source, nullptr, &p) == ECKID_E_CONFIG);
  CHECK_THAT(eckid_last_error(), Catch::StartsWith("host defaults:2: [outbox] workers"));
  source.defaults = "[outbox]\nworkers = 2\n";
  REQUIRE(eckid_open_source(&source, nullptr, &p) == ECKID_OK);
  // The host's school is known to the plugin (a lookup finds no record, not no school).
  eckid_result *r = nullptr;
  CHECK(eckid_pupil_lookup(p, "01AB", "p1", &r) == ECKID_E_NOT_FOUND);
  CHECK(eckid_pupil_lookup(p, "99ZZ", "p1", &r) == ECKID_E_UNKNOWN_SCHOOL);
  CHECK(eckid_close(p) == ECKID_OK);
}
