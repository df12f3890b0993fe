// `eckid status` and `eckid retry` against nv-emulator: a failed pupil shown with its
// message, put back in the queue, and imported once the cause is fixed.
#include <catch2/catch.hpp>
#include <regex>

#include "cli_run.hpp"

using namespace eckid_cli_test;

namespace {

// An OIN the emulator allows instead of the school's: every request of the school fails.
constexpr const char *kOtherOin = "00000009999999990000";

// The event ids `eckid status` lists.
std::vector<std::string> listed_events(const std::string &status_output) {
  std::vector<std::string> ids;
  const std::regex event("  event ([0-9]+)  school ");
  for (auto it = std::sregex_iterator(status_output.begin(), status_output.end(), event);
       it != std::sregex_iterator(); ++it) {
    ids.push_back((*it)[1]);
  }
  return ids;
}

}  // namespace

TEST_CASE("status: a failed pupil is listed with its message and retry puts it back") {
  eckid_test::TempDir dir;
  const std::vector<Pupil> list = pupils(2, 300);
  const std::string input = dir.write("pupils.csv", pupil_csv(list)).string();
  std::string config;
  {
    eckid::emulator_test::Emulator refusing(emulator_args({"--allowed-oins", kOtherOin}));
    config = write_config(dir, refusing.url());
    const Outcome run = run_cli(dir, {"import", "--config", config, "--school", kSchool, input});
    INFO(run.all());
    CHECK(run.exit_code == 1);
    CHECK(run.has("line 2: pupil 'P300': "));
    CHECK(run.has("line 3: pupil 'P301': "));
    CHECK(
        run.has("summary: 2 rows read, ECK iDs written for 0 pupils, 0 invalid rows, "
                "0 refused, 2 failed"));
  }
  const Outcome status = run_cli(dir, {"status", "--config", config});
  INFO(status.all());
  CHECK(status.exit_code == 0);
  CHECK(status.has("queue: 0 queued, 2 failed, "));
  CHECK(status.has("school 99ZZ: onboarding 0 waiting, 0 hashed, 0 in batch, 0 deferred"));
  CHECK(status.has("failed events: 2\n"));
  CHECK(status.has("  school 99ZZ  pupil 'P300'  status "));
  CHECK(status.has("  school 99ZZ  pupil 'P301'  status "));
  CHECK(status.has("is not allowed to use this service"));
  const auto ids = listed_events(status.out);
  REQUIRE(ids.size() == 2);

  const Outcome unknown = run_cli(dir, {"retry", "--config", config, "--event", "999999"});
  INFO(unknown.all());
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.has("there is no failed event with id 999999; 'eckid status --config "));

  // The cause fixed: a service that accepts the school.
  eckid::emulator_test::Emulator emulator(emulator_args());
  config = write_config(dir, emulator.url());
  const Outcome one = run_cli(dir, {"retry", "--config", config, "--event", ids[0]});
  INFO(one.all());
  CHECK(one.exit_code == 0);
  CHECK(one.has("1 failed event went back to the queue"));
  const Outcome rest = run_cli(dir, {"retry", "--config", config});
  INFO(rest.all());
  CHECK(rest.exit_code == 0);
  CHECK(rest.has("1 failed event went back to the queue"));
  const Outcome after = run_cli(dir, {"status", "--config", config, "--school", kSchool});
  INFO(after.all());
  CHECK(after.has(", 0 failed, "));
  CHECK(after.has("failed events: 0\n"));

  CliProcess cli(dir, {"import", "--config", config, "--school", kSchool, input});
  const auto expected = expected_table(list);
  const Outcome run = cli.wait();
  INFO(run.all());
  CHECK(run.exit_code == 0);
  CHECK(read_table(dir.path() / "pupils.eckid.csv") == expected);
  for (const auto &p : list) {
    CHECK_FALSE(status.has(p.pgn));
    CHECK_FALSE(run.has(p.pgn));
  }
}

TEST_CASE("status: an unknown school or a configuration that does not open exits with 2") {
  eckid_test::TempDir dir;
  const std::string config = write_config(dir, "https://127.0.0.1:9/eck/ws/201703");
  const Outcome unknown = run_cli(dir, {"status", "--config", config, "--school", "NOPE"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.has("there is no [[school]] with key 'NOPE'"));
  const std::string broken = dir.write("broken.toml", "[service]\nenvironment = \"x\"\n").string();
  const Outcome bad = run_cli(dir, {"status", "--config", broken});
  CHECK(bad.exit_code == 2);
  CHECK(bad.has("does not open: "));
  const Outcome retry = run_cli(dir, {"retry", "--config", broken});
  CHECK(retry.exit_code == 2);
}

TEST_CASE("cli: every command explains itself with --help") {
  eckid_test::TempDir dir;
  for (const char *command : {"doctor", "import", "status", "retry", "deliver"}) {
    const Outcome help = run_cli(dir, {command, "--help"});
    INFO(command << ": " << help.all());
    CHECK(help.exit_code == 0);
    CHECK(help.has("--config"));
  }
  CHECK(run_cli(dir, {"import", "--help"}).has("pupil_key,pgn,kind"));
  const Outcome wrong = run_cli(dir, {"import", "--school"});
  CHECK(wrong.exit_code == 2);
}
