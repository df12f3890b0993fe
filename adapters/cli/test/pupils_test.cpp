// The pupil list's header rules (pupils.cpp), without the plugin.
#include <catch2/catch.hpp>
#include <fstream>
#include <stdexcept>

#include "pupils.hpp"
#include "test_support.hpp"

using namespace eckid_cli;

namespace {
std::string error_of(const std::string &path) {
  try {
    read_pupils(path);
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("pupil list: other columns of an export are ignored, in any order") {
  eckid_test::TempDir dir;
  const auto file = dir.write("export.csv",
                              "Name,KIND,class,pupil_key,PGN\nAnna,staff,3b,T1,DOC-1\nBo,,4a,P2,"
                              "123456782\n");
  const PupilList list = read_pupils(file.string());
  CHECK(list.problems.empty());
  REQUIRE(list.rows.size() == 2);
  CHECK(list.rows[0].pupil_key == "T1");
  CHECK(list.rows[0].kind == ECKID_PGN_STAFF);
  CHECK(list.rows[1].pupil_key == "P2");
  CHECK(list.rows[1].pgn == "123456782");
  CHECK(list.rows[1].kind == ECKID_PGN_PUPIL);
}

TEST_CASE("pupil list: header mistakes are named without echoing the line") {
  eckid_test::TempDir dir;
  const std::string twice = error_of(dir.write("twice.csv", "pupil_key,pgn,pgn\nP1,123,456\n"));
  CHECK_THAT(twice, Catch::Contains("the column pgn appears twice"));
  const std::string semicolons =
      error_of(dir.write("nl.csv", "pupil_key;pgn;kind\nP1;123456782;pupil\n"));
  CHECK_THAT(semicolons, Catch::Contains("separated by ';'"));
  const std::string headless = error_of(dir.write("headless.csv", "P1,123456782,pupil\n"));
  CHECK_THAT(headless, Catch::Contains("the first line must be the header"));
  CHECK(headless.find("123456782") == std::string::npos);
}
