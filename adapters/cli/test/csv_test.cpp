// The CSV reading and writing the tool uses (common/csv) and its progress wording, without the
// plugin.
#include <catch2/catch.hpp>

#include "csv.hpp"
#include "progress.hpp"

using namespace eckid_cli;

TEST_CASE("csv: quoted fields, CRLF, a byte order mark and blank lines") {
  const eckid::CsvText csv = eckid::parse_csv(
      "\xEF\xBB\xBF"
      "a,b\r\n\r\n\"x,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",\n");
  REQUIRE(csv.problems.empty());
  REQUIRE(csv.records.size() == 3);
  CHECK(csv.records[0].line == 1);
  CHECK(csv.records[0].fields == std::vector<std::string>{"a", "b"});
  CHECK(csv.records[1].line == 3);
  CHECK(csv.records[1].fields == std::vector<std::string>{"x,1", "say \"hi\""});
  CHECK(csv.records[2].line == 4);
  CHECK(csv.records[2].fields == std::vector<std::string>{"two\nlines", ""});
}

TEST_CASE("csv: a broken record is reported by line and reading goes on") {
  const eckid::CsvText csv =
      eckid::parse_csv("h\nab\"c,1\n\"x\"y,2\nok,3\n\"open,4\nlast,5\n\xC3\x28,6\n");
  REQUIRE(csv.problems.size() == 4);
  CHECK(csv.problems[0].line == 2);
  CHECK(csv.problems[0].what.starts_with("a quote inside an unquoted field"));
  CHECK(csv.problems[1].line == 3);
  CHECK(csv.problems[1].what.starts_with("text after a closing quote"));
  CHECK(csv.problems[2].line == 5);
  CHECK(csv.problems[2].what.starts_with("a quoted field is not closed"));
  CHECK(csv.problems[3].line == 7);
  CHECK(csv.problems[3].what.starts_with("not UTF-8"));
  REQUIRE(csv.records.size() == 3);
  CHECK(csv.records[1].line == 4);
  CHECK(csv.records[2].line == 6);
  CHECK(csv.records[2].fields == std::vector<std::string>{"last", "5"});
}

TEST_CASE("csv: fields are quoted only when they need it") {
  CHECK(eckid::csv_field("plain") == "plain");
  CHECK(eckid::csv_field("a,b") == "\"a,b\"");
  CHECK(eckid::csv_field("say \"x\"") == "\"say \"\"x\"\"\"");
  CHECK(eckid::csv_field("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("progress: durations, rates and the progress line") {
  CHECK(format_duration(40.4) == "40 s");
  CHECK(format_duration(600) == "10 min");
  CHECK(format_duration(3 * 3600 + 5 * 60) == "3 h 05 min");
  CHECK(format_utc(86'400'000LL * 365) == "1971-01-01 00:00 UTC");
  CHECK(progress_text(120, 2000, 3.1, Stages{1500, 20, 360, 0}) ==
        "120/2000 done, 3.1/s, ETA 10 min (waiting 1500, hashed 20, in batch 360, deferred 0)");
  CHECK(progress_text(0, 20, std::nullopt, std::nullopt) == "0/20 done, -/s, ETA unknown");
  RateMeter meter;
  const auto t0 = SteadyClock::now();
  meter.add(t0, 0);
  CHECK_FALSE(meter.per_second());
  meter.add(t0 + std::chrono::seconds(10), 30);
  REQUIRE(meter.per_second());
  CHECK(*meter.per_second() == Approx(3.0));
  // Only the last minute counts.
  meter.add(t0 + std::chrono::seconds(130), 30);
  meter.add(t0 + std::chrono::seconds(190), 90);
  CHECK(*meter.per_second() == Approx(1.0));
}
