// `eckid import` against nv-emulator, run as a program: the ECK iD table against values
// derived independently (OpenSSL scrypt and the emulator's documented HMAC derivation), bad
// rows by line without a PGN, interruption and resumption, the daily batch limit, an
// unreachable service and --max-wait.
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <random>
#include <set>

#include "cli_run.hpp"

using namespace eckid_cli_test;

namespace {

// Lines of a file from line `from` (0-based) on.
std::vector<std::string> lines_from(const std::string &path, std::size_t from) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return {lines.begin() + static_cast<std::ptrdiff_t>(std::min(from, lines.size())), lines.end()};
}

// The HPgns the emulator's --hpgn-log holds from line `from` on.
std::set<std::string> hpgns_sent(const std::string &log, std::size_t from) {
  std::set<std::string> out;
  for (const auto &line : lines_from(log, from)) out.insert(line.substr(line.rfind(' ') + 1));
  return out;
}

std::size_t line_count(const std::string &path) {
  return lines_from(path, 0).size();
}

std::vector<std::string> import_args(const std::string &config, const std::string &input) {
  return {"import", "--config", config, "--school", kSchool, input};
}

}  // namespace

TEST_CASE("import: a small list gets exactly the independently derived ECK iDs", "[slow]") {
  const std::string hpgn_log = (eckid_test::TempDir().path().string()) + ".hpgn";
  eckid::emulator_test::Emulator emulator(emulator_args({"--hpgn-log", hpgn_log}));
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, emulator.url());
  std::vector<Pupil> list = pupils(7);
  list.push_back({"K,7", eckid_events::bsn(7), "pupil"});
  list.push_back({"T1", "00AB Staff.AB12@School.nl", "staff"});  // <BRIN> <e-mail>
  // A byte order mark, CRLF line ends, and a quoted key with a comma.
  std::string text = "\xEF\xBB\xBFpupil_key,pgn,kind\r\n";
  for (const auto &p : list) {
    text += (p.key.find(',') != std::string::npos ? "\"" + p.key + "\"" : p.key) + "," + p.pgn +
            "," + p.kind + "\r\n";
  }
  const std::string input = dir.write("pupils.csv", text).string();

  CliProcess cli(dir, import_args(config, input));
  std::map<std::string, std::string> expected;
  for (const auto &[key, eckid] : expected_table(list)) {
    expected[key.find(',') != std::string::npos ? "\"" + key + "\"" : key] = eckid;
  }
  const Outcome run = cli.wait();
  INFO(run.all());
  CHECK(run.exit_code == 0);
  const auto table_path = dir.path() / "pupils.eckid.csv";
  CHECK(read_table(table_path) == expected);
  CHECK(
      run.has("summary: 9 rows read, ECK iDs written for 9 pupils, 0 invalid rows, 0 refused, "
              "0 failed\n"));
  CHECK(run.has("output: " + table_path.string() + "\n"));
  CHECK(run.err.find("progress: 9/9 done") != std::string::npos);
  CHECK_FALSE(run.has("line "));
  const std::string table_text = slurp(table_path);
  for (const auto &p : list) {
    CHECK_FALSE(run.has(p.pgn));
    CHECK(table_text.find(p.pgn) == std::string::npos);
  }
  const std::size_t sent = line_count(hpgn_log);
  CHECK(sent == list.size());

  SECTION("the same command again sends nothing and writes the same table") {
    const Outcome again = run_cli(dir, import_args(config, input));
    INFO(again.all());
    CHECK(again.exit_code == 0);
    CHECK(read_table(table_path) == expected);
    CHECK(line_count(hpgn_log) == sent);
  }
  std::filesystem::remove(hpgn_log);
}

TEST_CASE("import: bad rows are reported by line without the PGN and the others imported") {
  eckid::emulator_test::Emulator emulator(emulator_args());
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, emulator.url());
  std::string bad_bsn = eckid_events::bsn(20);
  bad_bsn.back() = static_cast<char>('0' + (bad_bsn.back() - '0' + 1) % 10);  // fails the 11-check
  std::vector<std::string> pgns;
  for (int i = 0; i < 9; ++i) pgns.push_back(eckid_events::test_pgn(i));
  const std::string text =
      "pupil_key,pgn,kind\n"  // line 1
      "P000," +
      pgns[0] + ",\n" +                   // 2
      "P001," + pgns[1] + ",pupil\n" +    // 3
      "BAD1," + bad_bsn + ",\n" +         // 4: invalid BSN
      "KIND," + pgns[2] + ",teacher\n" +  // 5: unknown kind
      "P000," + pgns[3] + ",\n" +         // 6: duplicate key
      "DUPG," + pgns[1] + ",pupil\n" +    // 7: duplicate PGN
      "COLS," + pgns[4] + "\n" +          // 8: two fields
      " ," + pgns[5] + ",\n" +            // 9: empty key
      "\"QUOTE," + pgns[6] + ",\n" +      // 10: quote not closed
      "P010," + pgns[7] + ",\n";          // 11
  const std::string input = dir.write("pupils.csv", text).string();

  CliProcess cli(dir, import_args(config, input));
  const auto expected =
      expected_table({{"P000", pgns[0], ""}, {"P001", pgns[1], ""}, {"P010", pgns[7], ""}});
  const Outcome run = cli.wait();
  INFO(run.all());
  CHECK(run.exit_code == 1);
  CHECK(run.has("line 4: pupil 'BAD1' refused: "));
  CHECK(run.has("line 5: pupil 'KIND': unknown kind"));
  CHECK(run.has("line 6: pupil 'P000' refused: "));
  CHECK(run.has("(first on line 2)"));
  CHECK(run.has("line 7: pupil 'DUPG' refused: "));
  CHECK(run.has("(the same PGN as line 3)"));
  CHECK(run.has("line 8: expected 3 fields, found 2"));
  CHECK(run.has("line 9: the pupil key is empty"));
  CHECK(run.has("line 10: a quoted field is not closed"));
  CHECK_FALSE(run.has("line 2:"));
  CHECK_FALSE(run.has("line 3:"));
  CHECK_FALSE(run.has("line 11:"));
  CHECK(
      run.has("summary: 10 rows read, ECK iDs written for 3 pupils, 4 invalid rows, 3 refused, "
              "0 failed\n"));
  for (const auto &pgn : pgns) CHECK_FALSE(run.has(pgn));
  CHECK_FALSE(run.has(bad_bsn));
  CHECK(read_table(dir.path() / "pupils.eckid.csv") == expected);
}

TEST_CASE("import: interrupted at random moments and resumed gives the uninterrupted table",
          "[slow]") {
  const std::string hpgn_log = eckid_test::TempDir().path().string() + ".hpgn";
  eckid::emulator_test::Emulator emulator(
      emulator_args({"--hpgn-log", hpgn_log, "--latency-ms", "40"}));
  const std::vector<Pupil> list = pupils(15);

  // The reference: the same list, uninterrupted, into a state folder of its own.
  eckid_test::TempDir reference;
  const std::string input_ref = reference.write("pupils.csv", pupil_csv(list)).string();
  CliProcess reference_run(reference,
                           import_args(write_config(reference, emulator.url()), input_ref));
  std::map<std::string, std::string> hpgn_of;  // pupil key -> HPgn, by OpenSSL
  for (const auto &p : list) hpgn_of[p.key] = eckid_events::independent_hpgn(p.pgn);
  const Outcome first = reference_run.wait();
  INFO(first.all());
  REQUIRE(first.exit_code == 0);
  const auto expected = read_table(reference.path() / "pupils.eckid.csv");
  REQUIRE(expected.size() == list.size());

  eckid_test::TempDir dir;
  const std::string config = write_config(dir, emulator.url());
  const std::string input = dir.write("pupils.csv", pupil_csv(list)).string();
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 random(seed);
  std::set<std::string> recorded;  // pupils in a table written before the run
  bool finished = false;
  int interrupted = 0;
  for (int round = 0; round < 12 && !finished; ++round) {
    // Four interrupted rounds at random moments, then runs to the end.
    std::optional<std::chrono::milliseconds> delay;
    if (round < 4)
      delay = std::chrono::milliseconds(std::uniform_int_distribution(150, 3000)(random));
    const std::size_t log_start = line_count(hpgn_log);
    const Outcome run = CliProcess(dir, import_args(config, input)).wait(delay);
    INFO("round " << round << ": " << run.all());
    // 130: stopped cleanly. A signal that comes while the process is still starting, before
    // it takes SIGINT itself, ends it at once: nothing had begun then.
    const bool early = run.signal == SIGINT;
    REQUIRE((run.exit_code == 0 || run.exit_code == 130 || early));
    if (run.exit_code == 130) {
      ++interrupted;
      CHECK(run.has("stopped; run the same command again to resume"));
    }
    finished = run.exit_code == 0;
    for (const auto &hpgn : hpgns_sent(hpgn_log, log_start)) {
      for (const auto &key : recorded) CHECK(hpgn != hpgn_of[key]);
    }
    if (early && !std::filesystem::exists(dir.path() / "pupils.eckid.csv")) continue;
    const auto table = read_table(dir.path() / "pupils.eckid.csv");
    for (const auto &key : recorded) CHECK(table.contains(key));
    for (const auto &[key, eckid] : table) {
      CHECK(eckid == expected.at(key));
      recorded.insert(key);
    }
    for (const auto &p : list) CHECK_FALSE(run.has(p.pgn));
  }
  CHECK(interrupted > 0);
  REQUIRE(finished);
  CHECK(read_table(dir.path() / "pupils.eckid.csv") == expected);
  CHECK(slurp(dir.path() / "pupils.eckid.csv") == slurp(reference.path() / "pupils.eckid.csv"));
  std::filesystem::remove(hpgn_log);
}

TEST_CASE("import: at the daily batch limit it stops with exit status 3 and says when it resumes") {
  eckid::emulator_test::Emulator emulator(emulator_args({"--daily-limit", "0"}));
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, emulator.url());
  const std::string input = dir.write("pupils.csv", pupil_csv(pupils(3, 200))).string();
  const Outcome run = run_cli(dir, import_args(config, input));
  INFO(run.all());
  CHECK(run.exit_code == 3);
  const std::time_t tomorrow = std::time(nullptr) / 86'400 * 86'400 + 86'400;
  std::tm tm{};
  gmtime_r(&tomorrow, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  CHECK(run.has("3 pupils wait for the service's daily batch limit; it is tried again from " +
                std::string(day) + " 00:00 UTC; run the same command again after that time"));
  CHECK(read_table(dir.path() / "pupils.eckid.csv").empty());

  const Outcome status = run_cli(dir, {"status", "--config", config});
  INFO(status.all());
  CHECK(status.exit_code == 0);
  CHECK(
      status.has("school 99ZZ: onboarding 0 waiting, 0 hashed, 0 in batch, 3 deferred "
                 "(daily batch limit; tried again from " +
                 std::string(day) + " 00:00 UTC)"));
}

TEST_CASE("import: a service it cannot reach ends the run after --max-wait with status 4") {
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, "https://127.0.0.1:9/eck/ws/201703");
  const std::string input = dir.write("pupils.csv", pupil_csv(pupils(1, 230))).string();
  auto args = import_args(config, input);
  args.insert(args.begin() + 1, {"--max-wait", "2s"});
  const Outcome run = run_cli(dir, args);
  INFO(run.all());
  CHECK(run.exit_code == 4);
  CHECK(run.has("1 pupil not finished: none moved on for 2 s (--max-wait)"));
  CHECK(run.has("it stays queued; run the same command again to resume"));
  const Outcome status = run_cli(dir, {"status", "--config", config});
  CHECK(status.has("queue: 1 queued"));
  CHECK(status.has(", 0 failed"));

  args[2] = "soon";
  CHECK(run_cli(dir, args).exit_code == 2);
}

namespace {

// Acknowledges every result it is handed, as a school system with the plugin open does.
void acknowledge_all(const eckid_result *result, void *payload) {
  eckid_ack(*static_cast<eckid_plugin **>(payload), result->event_id);
}

}  // namespace

TEST_CASE("import: results another program on the same state folder acknowledged still count") {
  eckid::emulator_test::Emulator emulator(emulator_args());
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, emulator.url());
  const std::vector<Pupil> list = pupils(4);
  const std::string input = dir.write("pupils.csv", pupil_csv(list)).string();
  // The school system: its own handle on the same configuration, acknowledging everything it
  // is handed, so eckid_poll() in the tool may never see some results (the tool then reads
  // the events directly).
  eckid_plugin *other = nullptr;
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  options.delivery = ECKID_DELIVERY_ASYNC;
  options.on_result = acknowledge_all;
  options.result_payload = &other;
  REQUIRE(eckid_open(config.c_str(), &options, &other) == ECKID_OK);
  CliProcess cli(dir, import_args(config, input));
  const auto expected = expected_table(list);
  const Outcome run = cli.wait();
  eckid_close(other);
  INFO(run.all());
  CHECK(run.exit_code == 0);
  CHECK(read_table(dir.path() / "pupils.eckid.csv") == expected);
}

TEST_CASE(
    "import: an unknown school or a list without header or output over the list exit with 2") {
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, "https://127.0.0.1:9/eck/ws/201703");
  const std::string pgn = eckid_events::bsn(500);
  const std::string input = dir.write("pupils.csv", pupil_csv({{"P500", pgn, ""}})).string();
  const Outcome unknown = run_cli(dir, {"import", "--config", config, "--school", "NOPE", input});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.has("there is no [[school]] with key 'NOPE' in " + config +
                    " (its schools: 99ZZ); check --school"));
  const std::string headless = dir.write("headless.csv", "P500," + pgn + ",\n").string();
  const Outcome no_header = run_cli(dir, import_args(config, headless));
  CHECK(no_header.exit_code == 2);
  CHECK(no_header.has("line 1: the first line must be the header pupil_key,pgn,kind"));
  CHECK_FALSE(no_header.has(pgn));
  const Outcome over =
      run_cli(dir, {"import", "--config", config, "--school", kSchool, "--output", input, input});
  CHECK(over.exit_code == 2);
  CHECK(over.has("is the pupil list itself"));
  CHECK(slurp(input) == pupil_csv({{"P500", pgn, ""}}));
}

TEST_CASE("import: PGN-shaped values in any field of the list are never printed") {
  eckid::emulator_test::Emulator emulator(emulator_args());
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, emulator.url());
  // Valid by the 11-check (BSN) or the onderwijsnummer rule (prefix 10, remainder 5) of spec
  // "The three tiers", 1, computed by hand; and a staff PGN "<BRIN> <e-mail>".
  const std::string b0 = "123456782", b1 = "111222333", b2 = "999999990", b3 = "987654305",
                    b4 = "987654317", o0 = "101234503", o1 = "101234515", staff = "00AA a@b.nl";
  const std::string text = "pupil_key,pgn,kind,note\n" +               // 1
                           b0 + "," + b1 + ",pupil," + b2 + "\n" +     // 2: imported
                           b3 + "," + b4 + ",zz," + o0 + "\n" +        // 3: unknown kind
                           "X1," + b2 + "," + b0 + "," + o1 + "\n" +   // 4: kind is a BSN
                           o0 + "," + b1 + ",staff," + staff + "\n" +  // 5: not a staff PGN
                           o1 + "," + staff + ",pupil,\n" +            // 6: not a pupil PGN
                           staff + "," + o1 + ",,\n" +                 // 7: imported
                           "X2," + staff + ",staff," + b4 + "\n" +     // 8: imported
                           b2 + "," + b3 + "\n";                       // 9: two fields
  const Outcome run = run_cli(dir, import_args(config, dir.write("pupils.csv", text).string()));
  INFO(run.all());
  CHECK(run.exit_code == 1);
  CHECK(
      run.has("line 3: pupil (a key in the form of a BSN or onderwijsnummer, not shown): "
              "unknown kind"));
  CHECK(run.has("ECK iDs written for 3 pupils"));
  for (const std::string &value : {b0, b1, b2, b3, b4, o0, o1, staff, std::string("a@b.nl")}) {
    CHECK_FALSE(run.has(value));
  }
}
