// eckid-host's CSV files read as RFC 4180 says: the enrolment file (event_file) and the pupil
// table (pupil_table). Both once split lines at every comma and ignored quotes.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <string>

#include "event_file.hpp"
#include "pupil_table.hpp"

namespace {

const eckid_host::QuoteFn kQuote = [](std::string_view value, std::string_view) {
  return "'" + std::string(value) + "'";
};

}  // namespace

TEST_CASE("enrolment file: a quoted field holds a comma and a doubled quote") {
  std::istringstream in(
      "event,school,pupil_key,pgn,old_pgn,target_school,date\n"
      "created,school-a,\"Jansen, \"\"Piet\"\"\",pgn-1,,,2024-08-01\n");
  const auto rows = eckid_host::read_events(in, "events.csv", kQuote);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].error.empty());
  CHECK(rows[0].line == 2);
  CHECK(rows[0].event.pupil_key == "Jansen, \"Piet\"");
  CHECK(rows[0].event.pgn == "pgn-1");
  CHECK(rows[0].event.date == "2024-08-01");
}

TEST_CASE("enrolment file: comments are skipped, a broken row is named by line") {
  std::istringstream in(
      "# events \"as exported\"\n"
      "event,school,pupil_key,pgn,old_pgn,target_school,date\n"
      "created,school-a,\"open,pgn-1,,,\n"
      " created , school-a , p2 , pgn-2 ,,,\n");
  const auto rows = eckid_host::read_events(in, "events.csv", kQuote);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].line == 3);
  CHECK(rows[0].error.starts_with("a quoted field is not closed"));
  CHECK(rows[1].line == 4);
  CHECK(rows[1].error.empty());
  CHECK(rows[1].event.pupil_key == "p2");
}

TEST_CASE("pupil table: a pupil key with a comma and a quote survives save and load") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("eckid_pupil_table_test_" + std::to_string(getpid()) + ".csv");
  eckid_host::PupilTable table;
  table.set({"school-a", "Jansen, \"Piet\""}, {{"chain-1", "eckid-1"}});
  table.save(path);
  eckid_host::PupilTable loaded;
  loaded.load(path);
  std::filesystem::remove(path);
  CHECK(loaded.records() == table.records());
}
