// HPgn through the public ABI against ../shared/nv/vectors.toml (read at test time).
#include <eckid/eckid.h>

#include <catch2/catch.hpp>
#include <clocale>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace {
struct Log {
  std::vector<std::string> lines;
};
void collect(eckid_log_level, const char *message, void *payload) {
  static_cast<Log *>(payload)->lines.emplace_back(message);
}

struct Opened {
  eckid_test::TempDir dir;
  Log log;
  eckid_plugin *plugin = nullptr;
  explicit Opened(eckid_log_level level = ECKID_LOG_INFO) {
    dir.add_pki();
    const auto path = dir.write("school.toml", eckid_test::minimal_config());
    eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
    o.log = collect;
    o.log_payload = &log;
    o.log_level = level;
    REQUIRE(eckid_open(path.c_str(), &o, &plugin) == ECKID_OK);
  }
  ~Opened() { eckid_close(plugin); }
  std::string hpgn(const std::string &pgn, eckid_pgn_kind kind = ECKID_PGN_PUPIL) {
    char out[ECKID_HPGN_BUFFER_SIZE] = {};
    const eckid_status s = eckid_hpgn(plugin, pgn.c_str(), kind, out, sizeof out);
    REQUIRE(s == ECKID_OK);
    return out;
  }
};
}  // namespace

TEST_CASE("eckid_hpgn gives every published vector", "[hpgn][vectors]") {
  const auto &v = eckid_test::vectors();
  REQUIRE(*v["scrypt"]["N"].value<int64_t>() == 131072);
  const auto *list = v["hpgn"].as_array();
  REQUIRE(list != nullptr);
  REQUIRE(list->size() >= 3);
  Opened o;
  for (const auto &entry : *list) {
    const auto &t = *entry.as_table();
    const std::string pgn = *t["pgn"].value<std::string>();
    INFO("vector " << *t["hpgn"].value<std::string>());
    CHECK(o.hpgn(pgn) == *t["hpgn"].value<std::string>());
  }
}

TEST_CASE("the process locale does not change the HPgn", "[hpgn][locale]") {
  const auto &first = *eckid_test::vectors()["hpgn"].as_array()->get(0)->as_table();
  const std::string pgn = *first["pgn"].value<std::string>();
  const std::string want = *first["hpgn"].value<std::string>();
  Opened o;
  const std::string staff_c = o.hpgn("00II STAFF-Ii@SCHOOL.NL", ECKID_PGN_STAFF);
  for (const char *loc : {"C.UTF-8", "tr_TR.UTF-8", "nl_NL.UTF-8", "POSIX"}) {
    if (std::setlocale(LC_ALL, loc) == nullptr) continue;  // not installed here
    INFO(loc);
    CHECK(o.hpgn(pgn) == want);
    CHECK(o.hpgn("00II STAFF-Ii@SCHOOL.NL", ECKID_PGN_STAFF) == staff_c);
  }
  std::setlocale(LC_ALL, "C");
}

TEST_CASE("a staff PGN is hashed lowercased", "[hpgn]") {
  Opened o;
  CHECK(o.hpgn("00Ab A.b@C.nl", ECKID_PGN_STAFF) == o.hpgn("00ab a.b@c.nl", ECKID_PGN_STAFF));
}

TEST_CASE("staff inputs hash to what Python's hashlib.scrypt computes", "[hpgn][vectors]") {
  if (std::string(ECKID_PYTHON).empty()) {
    WARN("SKIPPED: no Python 3.11 found at configure time to compute the expected staff HPgns");
    return;
  }
  // "<staff input> TAB <HPgn>" lines from tests/unit/staff_hpgn.py (hashlib.scrypt).
  const std::string command = std::string(ECKID_PYTHON) + " " + ECKID_STAFF_HPGN_SCRIPT + " " +
                              ECKID_SHARED_DIR + "/nv/vectors.toml";
  FILE *pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::vector<std::pair<std::string, std::string>> expected;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    const std::string text(line);
    const auto tab = text.find('\t');
    if (tab != std::string::npos)
      expected.emplace_back(text.substr(0, tab), text.substr(tab + 1, 64));
  }
  REQUIRE(pclose(pipe) == 0);
  REQUIRE(expected.size() == 3);
  Opened o;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("staff input " << i + 1 << " of tests/unit/staff_hpgn.py");
    CHECK(o.hpgn(expected[i].first, ECKID_PGN_STAFF) == expected[i].second);
  }
}

TEST_CASE("the HPgn reaches the log only at debug level, the PGN never", "[hpgn][privacy]") {
  const auto &first = *eckid_test::vectors()["hpgn"].as_array()->get(0)->as_table();
  const std::string pgn = *first["pgn"].value<std::string>();
  const std::string hpgn = *first["hpgn"].value<std::string>();
  auto contains = [](const Log &log, const std::string &s) {
    for (const auto &l : log.lines) {
      if (l.find(s) != std::string::npos) return true;
    }
    return false;
  };
  {
    Opened info(ECKID_LOG_INFO);
    info.hpgn(pgn);
    CHECK_FALSE(contains(info.log, hpgn));
    CHECK_FALSE(contains(info.log, pgn));
  }
  Opened debug(ECKID_LOG_DEBUG);
  debug.hpgn(pgn);
  CHECK(contains(debug.log, hpgn));
  CHECK_FALSE(contains(debug.log, pgn));
}
